"""Platform budgets in the account spider: a pace per platform, and a pause when it says "too fast".

Each platform's requests take turns in :class:`Pace` (``60 / requests_per_minute`` apart, per
address: this process); the spider holds a request until its turn (a timer, not a download place
or a browser lane), then hands it to the engine.
When a page object reports a throttle or anti-bot answer the platform pauses
(``backoff_seconds``, doubled on each next throttle in a row, at most ``backoff_max_seconds``) and
its pace slows by half until answers come through again; the spider tries that account again later
in the same sweep (``throttle_retries``) instead of reporting it unverified at once.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request

from crawlers.platformbudgets import PlatformBudget, budget_for
from crawlers.platforms.base import AccountResult, Fetch
from spiders.base import TargetSpider

MAX_SLOWDOWN = 8.0  # the pace slows at most this much after throttle answers


class Pace:
    """One platform's turns: ``reserve(now)`` gives the time the next request may go out."""

    def __init__(self, budget: PlatformBudget) -> None:
        self.budget = budget
        self.next_at = 0.0  # monotonic time of the next free turn
        self.paused_until = 0.0  # after a throttle answer, nothing goes out before this
        self.interval = budget.interval_s  # seconds between turns: the budget's, longer after throttles
        self.throttles = 0  # throttle answers in a row
        self.taken = 0

    def reserve(self, now: float) -> float:
        """The start time of the next turn, reserved now: never before ``now`` or the pause's end."""
        at = max(now, self.next_at, self.paused_until)
        self.next_at = at + self.interval
        self.taken += 1
        return at

    def throttled(self, now: float) -> float:
        """The platform said "too fast": pause it and slow its pace; returns the pause in seconds.

        Answers to requests already out when the pause began (a burst's) keep the pause as it is:
        only a throttle after a pause has ended escalates it.
        """
        if now < self.paused_until:
            return self.paused_until - now
        self.throttles += 1
        pause = self.budget.backoff_s(self.throttles)
        self.paused_until = max(self.paused_until, now + pause)
        self.next_at = max(self.next_at, self.paused_until)
        # twice as slow (a platform without a budget gets one: a quarter of the pause), up to a limit
        slowest = max(self.budget.interval_s * MAX_SLOWDOWN, self.budget.backoff_seconds)
        self.interval = min(slowest, max(self.interval * 2, self.budget.backoff_seconds / 4))
        return pause

    def answered(self) -> None:
        """An answer came through: the run of throttles ends; the pace recovers step by step."""
        self.throttles = 0
        self.interval = max(self.budget.interval_s, self.interval * 0.9)


class PlatformTurns(TargetSpider):
    """The account spider's platform budgets: each request in its platform's turn, throttles retried.

    Needs of the spider: ``_dispatch(state, request)`` (send now) and ``_po_error(state, exc)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paces: dict[str, Pace] = {}
        self.held = 0  # requests waiting for their platform's turn (the crawl must not end meanwhile)

    def _dispatch(self, state: Any, request: Request) -> list[Any]:
        raise NotImplementedError

    def _po_error(self, state: Any, exc: Exception) -> AccountResult:
        raise NotImplementedError

    def _inc(self, key: str) -> None:
        raise NotImplementedError

    def _pace(self, key: str) -> Pace:
        if key not in self.paces:
            pc = self.config.platforms.get(key)
            overrides = (
                pc.model_dump(include={"requests_per_minute", "backoff_seconds", "throttle_retries"})
                if pc
                else {}
            )
            self.paces[key] = Pace(budget_for(key, overrides))
        return self.paces[key]

    def _in_turn(self, state: Any, request: Request) -> list[Any]:
        """The request now if its platform's turn has come, else held until then (on a timer)."""
        now = time.monotonic()
        wait = self._pace(state.key).reserve(now) - now
        if wait <= 0.001:
            return self._dispatch(state, request)
        self.held += 1
        asyncio.get_running_loop().call_later(wait, self._turn_came, state, request)
        return []

    def _turn_came(self, state: Any, request: Request) -> None:
        self.held -= 1
        pace = self._pace(state.key)
        out = (
            self._in_turn(state, request)
            if time.monotonic() < pace.paused_until
            else self._dispatch(state, request)
        )
        for item in out:
            self.crawler.engine.crawl(item)

    def _throttled(self, state: Any, step: AccountResult) -> Fetch | AccountResult:
        """A throttle answer: the platform pauses; the account is tried again later, or given up."""
        pace = self._pace(state.key)
        pause = pace.throttled(time.monotonic())
        self._inc("patrol/throttle_answers")
        if state.throttles >= pace.budget.throttle_retries:
            self._inc("patrol/throttled_unverified")
            step.evidence.update(throttled=True, throttle_tries=state.throttles + 1)
            return step
        state.throttles += 1
        self._inc("patrol/throttle_retries")
        self.logger.info("%s: %s, tried again after %.0f s", state.target.id, step.reason, pause)
        state.steps = 0
        assert state.po is not None
        try:
            return state.po.start(state.target, state.settings)
        except Exception as exc:  # noqa: BLE001 - one broken page object never stops the sweep
            return self._po_error(state, exc)

    def _on_idle(self, spider: scrapy.Spider) -> None:
        if self.held:
            raise DontCloseSpider  # accounts wait for their platform's turn
        super()._on_idle(spider)
