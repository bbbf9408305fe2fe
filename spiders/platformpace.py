"""Platform budgets in the account spider: a pace per platform, and a pause when it says "too fast".

Each platform's requests wait in its :class:`Pace` queue and go out one at a time, each
``cost x 60 / requests_per_minute`` after the previous one (per address: this process), where a
request's cost is the requests the platform will see for it (a browser page: the page and the data
requests its own script makes, as the page object declares; more if the page was seen to make more).
A request's turn is worked out when the previous one goes out, never reserved ahead: a pause or a
slower pace applies to the whole queue at once, and so does the recovery (a queue reserved ahead
at a throttled pace kept that pace for every account queued behind it).
When a page object reports a throttle or anti-bot answer the platform pauses
(``backoff_seconds``, doubled on each next throttle in a row, at most ``backoff_max_seconds``) and
its pace slows by half (at most ``MAX_SLOWDOWN``) until answers come through again; the spider tries
that account again later in the same sweep (``throttle_retries``) instead of reporting it unverified
at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import scrapy
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request

from crawlers.platformbudgets import PlatformBudget, budget_for
from crawlers.platforms.base import AccountResult, Fetch
from spiders.base import TargetSpider

MAX_SLOWDOWN = 8.0  # the pace slows at most this much after throttle answers
EARLY_S = 0.001  # a timer may fire this much before the turn it was set for


class Pace:
    """One platform's turns: ``ready_at()`` is when the next request may go out, ``take`` sends one."""

    def __init__(self, budget: PlatformBudget) -> None:
        self.budget = budget
        self.queue: deque[tuple[Any, Request]] = deque()  # (account, request) waiting for a turn
        self.last_at = float("-inf")  # monotonic time the last request went out
        self.last_cost = 0.0  # requests the platform sees for it
        self.paused_until = 0.0  # after a throttle answer, nothing goes out before this
        self.pause_began = float("-inf")  # answers to requests sent before this belong to its burst
        self.interval = budget.interval_s  # seconds per request: the budget's, longer after throttles
        self.throttles = 0  # throttle answers in a row
        self.taken = 0.0  # requests sent, by cost
        self.timer: asyncio.TimerHandle | None = None
        self.timer_at = 0.0

    def ready_at(self) -> float:
        """The earliest time the next request may go out (the past when it may go now)."""
        return max(self.last_at + self.interval * self.last_cost, self.paused_until)

    def take(self, now: float, cost: float = 1.0) -> None:
        """A request goes out now, costing ``cost`` requests of the budget."""
        self.last_at, self.last_cost = now, cost
        self.taken += cost

    def charge(self, extra: float) -> None:
        """The platform saw ``extra`` requests more than were counted (a page that loaded more):
        the next turn comes that much later."""
        self.last_cost += extra
        self.taken += extra

    def throttled(self, now: float, sent_at: float | None = None, *, escalate: bool = True) -> float:
        """The platform said "too fast": pause it and slow its pace; returns the pause in seconds.

        Answers to requests sent before the pause began (a burst's), or arriving during it, keep the
        pause as it is: only a request sent after a pause began and throttled after it ended
        escalates it. ``escalate=False`` (an account refused again on its retry) pauses the platform
        and slows its pace again, but the pause is not doubled: that answer may be the account's own
        (a captcha on that account), and at a sweep's tail, where only such retries are left, each
        one would otherwise double the pause, to minutes.
        """
        burst = sent_at is not None and sent_at < self.pause_began
        if now < self.paused_until or burst:
            return max(0.0, self.paused_until - now)
        if escalate or not self.throttles:
            self.throttles += 1
        pause = self.budget.backoff_s(self.throttles)
        self.pause_began, self.paused_until = now, now + pause
        if self.budget.interval_s > 0:  # twice as slow, up to a limit
            self.interval = min(self.budget.interval_s * MAX_SLOWDOWN, self.interval * 2)
        else:  # a platform without a budget gets one: a quarter of the pause, slowing up to the pause
            self.interval = min(
                self.budget.backoff_seconds, max(self.interval * 2, self.budget.backoff_seconds / 4)
            )
        return pause

    def answered(self) -> None:
        """An answer came through: the run of throttles ends; the pace recovers step by step."""
        self.throttles = 0
        self.interval = max(self.budget.interval_s, self.interval * 0.9)


def pump_order(paces: dict[str, Pace], first: str = "") -> list[str]:
    """Platforms in the order a freed browser lane offers itself: the one whose page it still holds
    (navigating it costs no new page), then the longest-waiting turn first."""
    return sorted(paces, key=lambda k: (k != first, paces[k].ready_at()))


class PlatformTurns(TargetSpider):
    """The account spider's platform budgets: each request in its platform's turn, throttles retried.

    Needs of the spider: ``_dispatch(state, request)`` (send now), ``_may_send(request)`` (False while
    the request waits for something else, e.g. a browser lane; the spider calls :meth:`_pump_all`
    when that frees), ``_po_error(state, exc)`` and ``_inc(key)``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.paces: dict[str, Pace] = {}

    def _dispatch(self, state: Any, request: Request) -> list[Any]:
        raise NotImplementedError

    def _may_send(self, request: Request) -> bool:
        return True

    def _po_error(self, state: Any, exc: Exception) -> AccountResult:
        raise NotImplementedError

    def _inc(self, key: str) -> None:
        raise NotImplementedError

    @property
    def held(self) -> int:
        """Requests waiting for their platform's turn (the crawl must not end meanwhile)."""
        return sum(len(p.queue) for p in self.paces.values())

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
        """The request now if its platform's turn has come, else queued until it comes."""
        self._pace(state.key).queue.append((state, request))
        return self._pump(state.key)

    def _pump(self, key: str) -> list[Any]:
        """Send what the platform's pace allows now; set a timer for the next turn."""
        pace, out = self._pace(key), []
        now = time.monotonic()
        while pace.queue:
            at = pace.ready_at()
            if at > now + EARLY_S:
                self._arm(key, pace, at, now)
                break
            state, request = pace.queue[0]
            if not self._may_send(request):
                break  # e.g. every browser lane busy: a freed lane pumps again
            pace.queue.popleft()
            fetch: Fetch = request.meta["patrol_fetch"]
            pace.take(now, max(1, fetch.requests))
            state.sent_at = now
            out += self._dispatch(state, request)
        return out

    def _pump_all(self, first: str = "") -> list[Any]:
        """Every platform's queue, the longest-waiting turn first (after a browser lane freed);
        ``first``: the platform whose page the freed lane still holds goes before the others."""
        out: list[Any] = []
        for key in pump_order(self.paces, first):
            out += self._pump(key)
        return out

    def _arm(self, key: str, pace: Pace, at: float, now: float) -> None:
        if pace.timer is not None:
            if pace.timer_at <= at + EARLY_S:
                return  # an earlier (or the same) wake-up is set; it re-checks then
            pace.timer.cancel()
        pace.timer_at = at
        pace.timer = asyncio.get_running_loop().call_later(at - now, self._turn_came, key)

    def _turn_came(self, key: str) -> None:
        self._pace(key).timer = None
        assert self.crawler.engine is not None
        for item in self._pump(key):
            self.crawler.engine.crawl(item)

    def _answered(self, state: Any) -> None:
        """An answer came through: the pace recovers (the queue's next turn may come sooner)."""
        pace = self._pace(state.key)
        pace.answered()
        if pace.queue and pace.timer is not None and pace.ready_at() < pace.timer_at - EARLY_S:
            now = time.monotonic()
            self._arm(state.key, pace, max(now, pace.ready_at()), now)

    def _throttled(self, state: Any, step: AccountResult) -> Fetch | AccountResult:
        """A throttle answer: the platform pauses; the account is tried again later, or given up."""
        pace = self._pace(state.key)
        pause = pace.throttled(time.monotonic(), state.sent_at, escalate=not state.throttles)
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
