"""A target's facts, counted where they leave the spider and where they arrive, so a target is
judged only once every fact it was given has arrived.

Scrapy drains each callback's output with its own set of tasks, so the items of different callbacks
reach the item pipelines interleaved: a site's :class:`~crawlers.models.TargetDone`, yielded after
its last fact, can arrive before facts another callback yielded earlier. Order is therefore not
relied on. The spider counts the facts it emits per target (:class:`FactCount`) and writes the count
on the target's TargetDone (``facts``); whoever receives the items (the sweep recorder, a
distributed worker's commit) asks :class:`Arrivals` whether that many have arrived.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from crawlers.models import (
    AccountObservation,
    ItemBatch,
    LinkCheck,
    PageObservation,
    TargetDone,
    TextObservation,
)
from crawlers.watchmodels import PageSnapshot, WatchObservation

#: the records a target's judgment reads (repost facts are judged per event, after the sweep)
FACT_TYPES = (PageObservation, LinkCheck, TextObservation, WatchObservation, PageSnapshot, AccountObservation)


def unpacked(items: Iterable[Any]) -> Iterator[Any]:
    """The items, with each :class:`~crawlers.models.ItemBatch` opened in place."""
    for item in items:
        if isinstance(item, ItemBatch):
            yield from item.items
        else:
            yield item


class FactCount:
    """The spider's side: facts emitted per target; :meth:`stamp` writes the count on TargetDones."""

    def __init__(self) -> None:
        self.emitted: Counter[str] = Counter()

    def stamp(self, items: Iterable[Any]) -> list[Any]:
        """Count ``items`` (in the order they leave the spider) and return them as a list."""
        out = list(items)
        for item in unpacked(out):
            if isinstance(item, TargetDone):
                item.facts = self.emitted[item.target_id]
            elif isinstance(item, FACT_TYPES):
                self.emitted[item.target_id] += 1
        return out


class Arrivals:
    """The receiving side: :meth:`fact` and :meth:`done` say True when a target is complete."""

    def __init__(self) -> None:
        self.arrived: Counter[str] = Counter()
        self.awaited: dict[str, int] = {}  # targets whose TargetDone is in: facts it said to expect

    def fact(self, target_id: str) -> bool:
        """One fact of ``target_id`` arrived; True if it was the last one its TargetDone awaits."""
        self.arrived[target_id] += 1
        want = self.awaited.get(target_id)
        if want is None or self.arrived[target_id] < want:
            return False
        del self.awaited[target_id]
        return True

    def done(self, item: TargetDone) -> bool:
        """The target's TargetDone arrived; True if all its facts are in (else it waits for them)."""
        if item.facts is None or self.arrived[item.target_id] >= item.facts:
            return True
        self.awaited[item.target_id] = item.facts
        return False

    def missing(self) -> dict[str, tuple[int, int]]:
        """Targets still waiting: ``{target_id: (arrived, expected)}``."""
        return {tid: (self.arrived[tid], want) for tid, want in self.awaited.items()}

    def forget(self, target_id: str) -> None:
        """The target was judged (or committed): stop waiting for it."""
        self.awaited.pop(target_id, None)
        self.arrived.pop(target_id, None)
