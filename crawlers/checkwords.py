"""Load the site checks' reading vocabulary (``crawlers/data/checkwords.toml``), with an office's override.

Which links are channels, which table header holds a letter's reply date, which JSON key its status,
how the site search's field is named: words that change what the site checks *record*. What the
records mean (a channel that works, an answered letter) is judged by the rules from the indicator
data. An office adjusts the words with a ``[check_words]`` table in its ``[indicators] file``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from crawlers.wordtables import overridden_table

DEFAULT_FILE = Path(__file__).with_name("data") / "checkwords.toml"
TABLE = "check_words"


@dataclass(frozen=True)
class CheckWords:
    """The vocabulary; every field a tuple of words (see the data file for what each one reads)."""

    channel_texts: tuple[str, ...]
    column_texts: tuple[str, ...]
    submit_texts: tuple[str, ...]
    list_texts: tuple[str, ...]
    next_texts: tuple[str, ...]
    title_labels: tuple[str, ...]
    submitted_labels: tuple[str, ...]
    replied_labels: tuple[str, ...]
    status_labels: tuple[str, ...]
    submitted_classes: tuple[str, ...]
    replied_classes: tuple[str, ...]
    status_classes: tuple[str, ...]
    title_keys: tuple[str, ...]
    submitted_keys: tuple[str, ...]
    replied_keys: tuple[str, ...]
    status_keys: tuple[str, ...]
    url_keys: tuple[str, ...]
    page_params: tuple[str, ...]
    total_page_keys: tuple[str, ...]
    search_texts: tuple[str, ...]
    search_fields: tuple[str, ...]

    def label_of(self, text: str) -> str:
        """The field a header or label names (title | submitted | replied | status), '' for none.

        The longest matching label wins: 来信标题 is a title, 回复状态 a status, 回复时间 a reply date.
        """
        best, field = 0, ""
        for name, labels in (
            ("title", self.title_labels),
            ("submitted", self.submitted_labels),
            ("replied", self.replied_labels),
            ("status", self.status_labels),
        ):
            for label in labels:
                if label in text and len(label) > best:
                    best, field = len(label), name
        return field


@lru_cache(maxsize=8)
def load_check_words(override: str | Path | None = None) -> CheckWords:
    """The shipped words, with the override file's ``[check_words]`` keys replacing the shipped ones."""
    table, where = overridden_table(DEFAULT_FILE, TABLE, override)
    values: dict[str, tuple[str, ...]] = {}
    for f in dataclasses.fields(CheckWords):
        value = table.get(f.name)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"{where}: [{TABLE}] {f.name} must be a list of strings")
        values[f.name] = tuple(value)
    return CheckWords(**values)
