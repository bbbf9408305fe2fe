"""The patrol's memory of the texts it has read, for the site spider's content watch.

A patrol reads only the homepage links no earlier sweep read (and the homepage when its text
changed). The memory is the content-watch texts already stored (:meth:`Store.texts_seen`), so
nothing else is kept; the application hands this object to the crawl in the ``PATROL_SEEN_TEXTS``
setting (``spiders.contentwatch.SeenTexts``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from pipelines.store import Store


class SeenTexts:
    """Which URLs and text digests of a target earlier sweeps read (blocking: called in a thread)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __deepcopy__(self, memo: dict[int, Any]) -> SeenTexts:
        return self  # Scrapy copies its settings; the store (and its client) stays one

    def seen(
        self, target_id: str, urls: Collection[str], digests: Collection[str]
    ) -> tuple[set[str], set[str]]:
        return self.store.texts_seen(target_id, urls, digests)
