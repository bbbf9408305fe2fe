"""Planned homepage outages on a controlled clock, with their ground truth.

A probe made at time ``t`` finds a planned site down (HTTP 503, or 404 on every other hour) exactly
when ``t`` is one of its planned down times; the clock is the round being probed (``now``), set by
the test from each run's ``--as-of``, so weeks of hourly probes run in seconds and never wait.
The plan is also the truth: the probes, failure shares and outage streaks a rule or an alert must
report follow from it alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from simweb.model import Response
from simweb.world import World


class ProbeOutages:
    """Host -> the probe times at which its homepage is down."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.now: datetime | None = None
        self.down: dict[str, set[datetime]] = {}
        self._saved: dict[str, Any] = {}

    def plan(self, host: str, times: Iterable[datetime]) -> None:
        self.down.setdefault(host, set()).update(times)
        self._wrap(host)

    def rebind(self, world: World) -> None:
        """Serve the same plan on a rebuilt world (its content dated to a later as-of)."""
        self.world, self._saved = world, {}
        for host in self.down:
            self._wrap(host)

    def _wrap(self, host: str) -> None:
        healthy = self._saved.setdefault(host, self.world.routes[host]["/"])

        def route() -> Response:
            if self.now is not None and self.now in self.down[host]:
                hour = int(self.now.timestamp() // 3600)
                return Response(status=503 if hour % 2 else 404, body="<h1>系统维护中</h1>")
            return healthy() if callable(healthy) else healthy

        self.world.set_route(host, "/", route)

    def restore(self) -> None:
        for host, healthy in self._saved.items():
            self.world.set_route(host, "/", healthy)
        self.down.clear()
        self._saved.clear()

    def is_down(self, host: str, when: datetime) -> bool:
        return when in self.down.get(host, set())

    def streaks(self, host: str, rounds: list[datetime]) -> list[tuple[datetime, datetime]]:
        """(first, last) down round of every run of consecutive down rounds among ``rounds``."""
        runs: list[tuple[datetime, datetime]] = []
        start: datetime | None = None
        last: datetime | None = None
        for when in sorted(rounds):
            if self.is_down(host, when):
                start = start or when
                last = when
            elif start is not None and last is not None:
                runs.append((start, last))
                start = last = None
        if start is not None and last is not None:
            runs.append((start, last))
        return runs


def weekly_outage(start: datetime, weeks: int, per_week: list[int], step: timedelta) -> set[datetime]:
    """Down rounds at the same offsets (in rounds of ``step``) in each of ``weeks`` weeks from
    ``start``: a steady share of failed probes every week (e.g. 10 of 168 hourly rounds, 5.95%)."""
    rounds_per_week = int(timedelta(days=7) / step)
    if any(not 0 <= k < rounds_per_week for k in per_week):
        raise ValueError(f"offsets must lie in [0, {rounds_per_week})")
    return {start + (w * rounds_per_week + k) * step for w in range(weeks) for k in per_week}
