"""The indicator data file: every setting read, by the rules that own it, and the national values pinned.

The simulated web computes its ground truth from the same data file the judge reads, so a wrong
default would move the truth with it and no end-to-end test would notice. The national values are
therefore stated here, in the test itself. And a setting nothing reads is a promise the product
does not keep: every key of the shipped file must be read by the rule that owns its table.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import tomllib
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pipelines
import pipelines.rules
from crawlers.config import Config
from crawlers.thresholds import DEFAULT_FILE, load_thresholds
from govpatrol.sweep import short_wait_note

ROOT = Path(pipelines.__file__).resolve().parent
# read for every indicator: severity and name (base), points_cap (the judge's score)
GENERIC_READERS = ("pipelines.rules.base", "pipelines.judge")

# ---------------------------------------------------------------- national values (stated here)

HOLIDAYS = [
    *("2024-01-01", "2024-02-12", "2024-02-13", "2024-02-14", "2024-02-15", "2024-02-16", "2024-04-04"),
    *("2024-04-05", "2024-05-01", "2024-05-02", "2024-05-03", "2024-06-10", "2024-09-16", "2024-09-17"),
    *("2024-10-01", "2024-10-02", "2024-10-03", "2024-10-04", "2024-10-07"),
    *("2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-03", "2025-02-04"),
    *("2025-04-04", "2025-05-01", "2025-05-02", "2025-05-05", "2025-06-02", "2025-10-01", "2025-10-02"),
    *("2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08"),
    *("2026-01-01", "2026-01-02", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"),
    *("2026-02-23", "2026-04-06", "2026-05-01", "2026-05-04", "2026-05-05", "2026-06-19", "2026-09-25"),
    *("2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"),
]
WORKING_WEEKENDS = [
    *("2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29"),
    *("2024-10-12", "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11", "2026-01-04"),
    *("2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"),
]

NATIONAL: dict[tuple[str, str], Any] = {
    ("scoring", "start"): 100,  # a website starts at 100 points
    ("scoring", "fail_below"): 60,  # below 60 it fails
    ("SITE-VETO-UNREACHABLE", "window_days"): 7,  # over the 7 days before the check
    ("SITE-VETO-UNREACHABLE", "probes_per_day"): 20,  # at least 20 probes a day
    ("SITE-VETO-UNREACHABLE", "probe_timeout_s"): 15,  # not loaded within 15 s: failed
    ("SITE-VETO-UNREACHABLE", "fail_ratio"): 0.05,  # veto at 5 % failed probes
    ("SITE-VETO-HOME-STALE", "max_idle_days"): 14,  # homepage: nothing new in 14 days
    ("SITE-VETO-COLUMN-STALE", "news_idle_days"): 14,  # news column idle 14 days
    ("SITE-VETO-COLUMN-STALE", "notice_policy_idle_days"): 183,  # notice/policy column idle 6 months
    ("SITE-VETO-COLUMN-STALE", "stale_count_veto"): 5,  # (a) 5 such columns
    ("SITE-VETO-COLUMN-STALE", "long_idle_count_veto"): 10,  # (b) 10 long-idle columns
    ("SITE-VETO-COLUMN-STALE", "empty_count_veto"): 5,  # (c) 5 empty columns
    ("ACCOUNT-VETO-NO-UPDATE", "max_idle_days"): 14,  # an account: nothing posted in 14 days
    ("dead_links", "confirmed_statuses"): [404, 410],  # in-site 404/410 are dead for sure
    # the State Council's holiday notices (国务院办公厅关于部分节假日安排的通知): weekdays off, weekends worked
    ("ACCOUNT-REPOST-LATE", "holidays"): HOLIDAYS,
    ("ACCOUNT-REPOST-LATE", "working_weekends"): WORKING_WEEKENDS,
}
# not national but the ground truth depends on them just the same: pinned too
PINNED_DEFAULTS: dict[tuple[str, str], Any] = {
    ("SITE-VETO-COLUMN-STALE", "other_idle_days"): 365,  # "long idle": over 1 year (d)
    ("SITE-DED-POLICY-STALE", "max_idle_days"): 183,  # a 政策文件 column idle 6 months (p)
    ("SITE-REQ-FOOTER-MARKS", "site_code_length"): 10,  # 政府网站标识码: 10 characters
}


def shipped() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))


def test_the_national_values_are_the_confirmed_ones():
    data = load_thresholds()
    for (table, key), value in {**NATIONAL, **PINNED_DEFAULTS}.items():
        assert data[table][key] == value, f"[{table}] {key}"


def test_every_value_the_file_marks_confirmed_is_pinned_here():
    """A new (c) value in the data file is a new national value: it gets its line in NATIONAL."""
    marked: set[tuple[str, str]] = set()
    table = ""
    for line in DEFAULT_FILE.read_text(encoding="utf-8").splitlines():
        if header := re.match(r'^\[+"?([^"\]]+)"?\]+', line):
            table = header.group(1)
        elif (key := re.match(r"^(\w+)\s*=", line)) and "# (c)" in line and key.group(1) != "name":
            marked.add((table, key.group(1)))
    assert marked
    assert marked <= set(NATIONAL), sorted(marked - set(NATIONAL))


def test_the_crawler_waits_at_least_as_long_as_the_15_second_rule():
    """The rule (probe_timeout_s) is judged from the recorded time; the crawler's patience
    (``[crawl] homepage_timeout``) must not cut a load the rule would still count as in time."""
    assert Config().crawl.homepage_timeout >= load_thresholds()["SITE-VETO-UNREACHABLE"]["probe_timeout_s"]
    assert short_wait_note(Config()) == ""


def test_a_crawler_wait_shorter_than_the_rule_is_pointed_out(tmp_path):
    """The two stay separate settings (the rule re-judges stored facts; the wait is patience), so a
    configuration that waits less than an office's rule allows is told at the start."""
    office = tmp_path / "office.toml"
    office.write_text('["SITE-VETO-UNREACHABLE"]\nprobe_timeout_s = 20\n', encoding="utf-8")
    config = Config()
    config.indicators.file = str(office)
    assert "homepage_timeout (15 s) is shorter than probe_timeout_s (20 s)" in short_wait_note(config)
    config.crawl.homepage_timeout = 20.0
    assert short_wait_note(config) == ""


# ---------------------------------------------------------------- every key read


@cache
def _module_tree(name: str) -> ast.Module:
    path = ROOT.parent / (name.replace(".", "/") + ".py")
    return ast.parse(path.read_text(encoding="utf-8"))


@cache
def strings_in(name: str) -> frozenset[str]:
    """Every string constant in a module's source (``params["news_idle_days"]`` reads that key)."""
    return frozenset(
        n.value
        for n in ast.walk(_module_tree(name))
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    )


@cache
def pipeline_imports(name: str) -> frozenset[str]:
    """The ``pipelines`` modules a module imports, transitively (a rule reads through its helpers)."""
    found: set[str] = set()
    for node in ast.walk(_module_tree(name)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipelines"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if (ROOT.parent / (sub.replace(".", "/") + ".py")).is_file() else node.module)
    for module in list(found):
        found |= pipeline_imports(module)
    return frozenset(found)


def rule_modules() -> dict[str, str]:
    """Indicator id -> the rule module that owns its table (``INDICATOR``)."""
    owners: dict[str, str] = {}
    for info in pkgutil.iter_modules(pipelines.rules.__path__, "pipelines.rules."):
        module: ModuleType = importlib.import_module(info.name)
        if isinstance(getattr(module, "INDICATOR", None), str):
            owners[module.INDICATOR] = info.name
    return owners


def all_pipeline_modules() -> list[str]:
    return sorted(
        ".".join(p.relative_to(ROOT.parent).with_suffix("").parts)
        for p in ROOT.rglob("*.py")
        if p.name != "__init__.py"
    )


def unread_keys(data: dict[str, Any]) -> list[str]:
    """``[table] key`` of every setting no reader module mentions.

    An indicator's table is read by its rule module, the pipelines modules that module imports,
    and the generic readers; any other table by some module of ``pipelines/``.
    """
    owners = rule_modules()
    unread = []
    for table, keys in data.items():
        if table in owners:
            readers = {owners[table], *pipeline_imports(owners[table]), *GENERIC_READERS}
        else:
            readers = set(all_pipeline_modules())
        said = frozenset().union(*(strings_in(r) for r in readers))
        unread += [f"[{table}] {key}" for key in keys if key not in said]
    return unread


def test_every_table_of_the_data_file_belongs_to_a_rule_or_is_read_by_the_rules():
    owners = rule_modules()
    indicator_like = [t for t in shipped() if re.match(r"^(SITE|ACCOUNT)-", t)]
    assert indicator_like
    assert sorted(set(indicator_like) - set(owners)) == []


def test_every_key_of_the_shipped_data_file_is_read():
    assert unread_keys(shipped()) == []


def test_a_key_added_and_not_read_is_caught():
    data = shipped()
    data["SITE-VETO-HOME-STALE"]["max_idle_hours"] = 336
    data["dead_links"]["retry_backoff_s"] = 60
    # read elsewhere (another rule's key) does not count for this table
    data["SITE-DED-DEAD-LINK"]["news_idle_days"] = 14
    assert unread_keys(data) == [
        "[SITE-VETO-HOME-STALE] max_idle_hours",
        "[SITE-DED-DEAD-LINK] news_idle_days",
        "[dead_links] retry_backoff_s",
    ]
