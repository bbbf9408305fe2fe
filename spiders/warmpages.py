"""Warm pages: a signed platform's accounts read from inside an open profile page, not a page each.

Douyin, Toutiao and Kuaishou sign their list requests in page JavaScript, and opening a profile page
per account costs a Chromium page load each. Their web SDKs hook ``fetch``/XHR so that every request
the page makes is signed; so per platform the spider keeps ``[browser] warm_pages`` profile pages
open (each loaded as one account's profile page and judged exactly as before) and, for every other
account, runs the page object's post-list request (``inpage``) inside one of them with
``page.evaluate``, letting the page's own hook sign it. The page object reads the answer
(``inpage_next``) and only a ``latest`` answer is kept: then the list carries every fact the profile
page gives. A signed answer that does not date the account (an empty list, whose meaning the profile
page tells by its wording) is asked about once more in the same page when the page object knows the
platform's profile-info request (``inpage_info``): its reader (``inpage_info_next``) keeps ``gone``,
``private`` or ``no_posts`` when the answer carries the profile page's own wording or switch. A
signed throttle answer (a captcha code) is what the profile page would capture as well: the account
is tried again later as on the old path, in a warm page. Anything else -- a refusal (a page that
signs only its own first request), an error, an answer neither request explains -- opens the
account's profile page as before (the fallback), so the result is the old path's.

Until a platform's first in-page answer is kept, its in-page requests go out one at a time (a probe):
a platform whose pages are refused ``GIVE_UP`` times in a row before that is read the old way for the
rest of the sweep, at the cost of those few requests. Refused ``REWARM`` times in a row after answers
came through (the page's session expired), its pages are closed and new ones warmed (at most
``MAX_WARMS`` in all).
In-page fetches take their platform's turns (:mod:`spiders.platformpace`) like any request (one
request each; a warm page's own load counts as the page object declares) and go
out from Chromium, so through the SSRF guard's proxy. Each is carried by a ``data:`` request whose
coroutine callback awaits the page, so its outputs flow through Scrapy like any other answer's.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from scrapy.http import Request, Response

from crawlers.platforms.base import AccountResult, Captured, Fetch, Reply, rewrite_origin, unverified
from spiders.base import tallied
from spiders.platformpace import PlatformTurns

GIVE_UP = 3  # refused probes in a row (before any answer was kept) that turn a platform's lane off
REWARM = 10  # refusals in a row, after answers were kept, that close the pages and warm new ones
WARM_TRIES = 3  # warm candidates whose own page did not date their account before the lane gives up
MAX_WARMS = 20  # warm pages loaded per platform and sweep, at most (sessions expire in long sweeps)
# In-page requests in flight per warm page: Chromium opens 6 connections per host, and a request
# queued behind them would spend its timeout waiting; the rest wait here, outside the page.
PER_PAGE = 6

# Run one request from inside the page with the page's own fetch (the SDK's hook, if any, signs it).
INPAGE_JS = """async ([url, method, headers, body, ms]) => {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ms);
  try {
    const r = await fetch(url, {method: method, headers: headers, credentials: "same-origin",
                                body: body === null ? undefined : body, signal: ctl.signal});
    return [r.status, await r.text(), ""];
  } catch (e) {
    return [0, "", String(e)];
  } finally {
    clearTimeout(timer);
  }
}"""


@dataclass
class WarmLane:
    """One platform's warm pages and the accounts waiting for one."""

    key: str
    size: int  # warm pages wanted
    pages: list[Any] = field(default_factory=list)  # open and ready
    loading: int = 0  # warm candidates loading now
    waiting: deque[tuple[Any, Fetch]] = field(default_factory=deque)  # (account, its profile fetch)
    refused: int = 0  # in-page answers refused in a row
    accepted: int = 0
    failed: int = 0  # warm candidates whose own page did not date their account
    warms: int = 0  # warm candidates started
    off: bool = False  # read the old way for the rest of the sweep
    probing: bool = False  # an in-page request is out before any answer was kept: the rest wait
    turn: int = 0
    slots: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self.slots = asyncio.Semaphore(PER_PAGE * max(1, self.size))

    def page(self) -> Any | None:
        """The next open warm page, in turn."""
        self.pages = [p for p in self.pages if not p.is_closed()]
        if not self.pages:
            return None
        self.turn += 1
        return self.pages[self.turn % len(self.pages)]


async def run_inpage(page: Any, fetch: Fetch, url: str, timeout_s: float) -> tuple[Captured | None, str]:
    """``fetch`` made from inside ``page`` at ``url``: the answer as a :class:`Captured` on the
    platform's real URL, or None and why not."""
    args = [url, fetch.method, dict(fetch.headers), fetch.body, int(timeout_s * 1000)]
    try:
        status, text, error = await asyncio.wait_for(page.evaluate(INPAGE_JS, args), timeout_s + 5)
    except TimeoutError:
        return None, "timeout"
    except Exception as exc:  # noqa: BLE001 - a closed or crashed page: the profile page decides
        return None, f"page: {type(exc).__name__}"
    if not status:
        return None, f"fetch: {error}"[:200]
    return Captured(url=fetch.url, status=int(status), text=str(text)), ""


def _close(page: Any) -> None:
    if page is not None and not page.is_closed():
        asyncio.ensure_future(page.close())


class WarmPages(PlatformTurns):
    """The account spider's warm pages (module docstring). Needs of the spider: ``accounts``,
    ``_advance(state, step)``, ``_finish(state, result)``, ``_po_error(state, exc)``."""

    accounts: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lanes: dict[str, WarmLane] = {}
        self.warm_size = self.config.browser.warm_pages  # read once

    def _advance(self, state: Any, step: Fetch | AccountResult) -> list[Any]:
        raise NotImplementedError

    def _finish(self, state: Any, result: AccountResult) -> list[Any]:
        raise NotImplementedError

    def _first_step(self, state: Any, step: Fetch | AccountResult) -> list[Any]:
        """An account's first step: in a warm page when its platform reads lists that way."""
        if not (isinstance(step, Fetch) and step.browser and self.warm_size and hasattr(state.po, "inpage")):
            return self._advance(state, step)
        lane = self.lanes.setdefault(state.key, WarmLane(state.key, self.warm_size))
        if lane.off:
            return self._advance(state, step)
        if lane.pages and (lane.loading + len(lane.pages) >= lane.size or lane.failed):
            if not lane.accepted:
                if lane.probing:
                    lane.waiting.append((state, step))
                    return []
                lane.probing = True
            return self._inpage(state, lane, step)
        if lane.loading and not lane.pages:
            lane.waiting.append((state, step))
            return []
        if lane.warms >= MAX_WARMS or lane.failed >= WARM_TRIES:
            self._lane_off(lane, "no warm page dated its own account")
            return self._advance(state, step)
        lane.loading += 1
        lane.warms += 1
        state.warm_slot = lane.warms % max(1, lane.size)
        state.warming = True
        self._inc("patrol/warm_page_loads")
        return self._advance(state, step)  # its own profile page, kept open (see _request)

    def _inpage(self, state: Any, lane: WarmLane, profile: Fetch) -> list[Any]:
        try:
            fetch = state.po.inpage(state.target, state.settings)
        except Exception as exc:  # noqa: BLE001 - one broken page object never stops the sweep
            lane.probing = False
            return self._advance(state, self._po_error(state, exc)) + self._release(lane)
        if fetch is None:  # the target names no account id: only its profile page can tell
            lane.probing = False
            return self._advance(state, profile) + self._release(lane)
        return self._inpage_request(state, fetch, info=False)

    def _inpage_request(self, state: Any, fetch: Fetch, info: bool) -> list[Any]:
        """``fetch`` to be made inside a warm page when the platform's turn comes (``info``: the
        profile-info request after a list that did not date the account)."""
        state.steps += 1
        state.requests += 1
        state.browser = True
        self._inc("patrol/inpage_info_fetches" if info else "patrol/inpage_fetches")
        meta = {
            "target_id": state.target.id,
            "patrol_fetch": fetch,
            "patrol_inpage": True,
            "patrol_info": info,
        }
        request = Request("data:,", callback=self._on_inpage, dont_filter=True, meta=meta)
        return self._in_turn(state, request)

    @tallied
    async def _on_inpage(self, response: Response) -> list[Any]:
        state = self.accounts[response.meta["target_id"]]
        fetch: Fetch = response.meta["patrol_fetch"]
        lane = self.lanes[state.key]
        reply = Reply(
            fetch=fetch, url=str(fetch.data.get("page_url") or fetch.url), status=None, words=self.words
        )
        hosts = tuple(getattr(state.po, "HOSTS", ()))
        url = rewrite_origin(fetch.url, hosts, state.origin)
        async with lane.slots:
            page = lane.page()  # chosen once a slot is free: a page may have been retired meanwhile
            started = time.monotonic()
            cap, error = (
                await run_inpage(page, fetch, url, self.config.crawl.page_timeout)
                if page is not None
                else (None, "no warm page")
            )
            state.elapsed_ms += (time.monotonic() - started) * 1000
        if cap is not None:
            reply.status, reply.captured = cap.status, [cap]
        else:
            reply.error = error
        info = bool(response.meta.get("patrol_info"))
        try:
            reader = state.po.inpage_info_next if info else state.po.inpage_next
            result = reader(reply, state.target, now=self.as_of)
        except Exception as exc:  # noqa: BLE001 - the profile page decides instead
            result = unverified(f"in-page reader: {type(exc).__name__}: {exc}")
        if info:
            return self._info_result(state, result)
        return self._inpage_done(state, lane, result, fetch)

    def _inpage_done(self, state: Any, lane: WarmLane, result: AccountResult, fetch: Fetch) -> list[Any]:
        """Keep a dated in-page answer; ask a signed undated one about the profile; anything else
        opens the account's profile page as before."""
        probe, lane.probing = lane.probing, False
        out = self._inpage_result(state, lane, result, fetch)
        return out + self._release(lane) if probe else out

    def _inpage_result(self, state: Any, lane: WarmLane, result: AccountResult, fetch: Fetch) -> list[Any]:
        if result.state == "latest":
            lane.accepted += 1
            lane.refused = 0
            self._answered(state)
            self._inc("patrol/inpage_accepted")
            return self._finish(state, result)
        if result.throttled and result.evidence.get("signed"):
            return self._inpage_throttled(state, result)
        if result.evidence.get("signed") and hasattr(state.po, "inpage_info"):
            self._answered(state)
            try:
                info = state.po.inpage_info(fetch)
            except Exception as exc:  # noqa: BLE001 - one broken page object never stops the sweep
                return self._advance(state, self._po_error(state, exc))
            if info is not None:
                return self._inpage_request(state, info, info=True)
        return self._fallback(state, lane, result)

    def _inpage_throttled(self, state: Any, result: AccountResult) -> list[Any]:
        """The platform's own throttle answer to a signed in-page request (a captcha code, "too
        fast"): the profile page would capture the same answer, so it is handled as there -- the
        platform pauses and the account is tried again later (in a warm page), or given up."""
        self._inc("patrol/inpage_throttled")
        step = self._throttled(state, result)
        if isinstance(step, AccountResult):
            return self._finish(state, step)
        return self._first_step(state, step)

    def _info_result(self, state: Any, result: AccountResult) -> list[Any]:
        """The profile-info answer: kept when it decides the account (the page object's reader
        returns ``gone``/``private``/``no_posts`` only on the profile page's own wording or switch)."""
        if result.state in ("gone", "private", "no_posts"):
            self._answered(state)
            self._inc("patrol/inpage_info_kept")
            return self._finish(state, result)
        return self._fallback(state, None, result)

    def _fallback(self, state: Any, lane: WarmLane | None, result: AccountResult) -> list[Any]:
        """The account's profile page decides, as on the old path (``lane``: count a refusal)."""
        if result.throttled and (lane is None or lane.accepted):
            # a throttle answer from a page whose in-page requests were kept before (or from the
            # profile-info request of a signed list); until then a refusal is the page not signing
            # them (the probes decide), and the profile page the account opens next says whether
            # the platform is throttling
            self._pace(state.key).throttled(time.monotonic(), state.sent_at, escalate=not state.throttles)
            self._inc("patrol/throttle_answers")
        if lane is not None and not result.evidence.get("signed"):
            lane.refused += 1
            if lane.refused >= (REWARM if lane.accepted else GIVE_UP):
                self._retire(lane)
        self._inc("patrol/inpage_fallbacks")
        self.logger.info(
            "%s: in-page answer not kept (%s): its profile page decides", state.target.id, result.reason
        )
        state.steps = 0
        try:
            step = state.po.start(state.target, state.settings)
        except Exception as exc:  # noqa: BLE001 - one broken page object never stops the sweep
            step = self._po_error(state, exc)
        return self._advance(state, step)

    def _retire(self, lane: WarmLane) -> None:
        """Refused too often in a row: close the pages; warm new ones only if answers ever came
        through (an expired session), else this platform does not sign in-page requests."""
        for page in lane.pages:
            _close(page)
        lane.pages, lane.refused = [], 0
        if not lane.accepted:
            self._lane_off(lane, "in-page requests refused")

    def _lane_off(self, lane: WarmLane, why: str) -> None:
        if not lane.off:
            self.logger.info("%s: %s; a profile page per account from now on", lane.key, why)
            self._inc("patrol/warm_lanes_off")
        lane.off = True
        for page in lane.pages:
            _close(page)
        lane.pages = []

    def _warm_settled(self, state: Any, request: Request) -> list[Any]:
        """A warm candidate's page answered: keep it if it dated its own account, then let the
        accounts waiting for a warm page go."""
        if not request.meta.get("patrol_warm"):
            return []
        page = request.meta.get("playwright_page")
        if not state.done:  # the page object asked again (a retry): this page is not the warm one
            _close(page)
            return []
        lane = self.lanes[state.key]
        lane.loading -= 1
        state.warming = False
        if state.final == "latest" and page is not None and not page.is_closed() and not lane.off:
            lane.pages.append(page)
        else:
            _close(page)
            lane.failed += 1
        return self._release(lane)

    def _release(self, lane: WarmLane) -> list[Any]:
        """The accounts waiting for a warm page or for the probe's answer take their first step
        again (in target order: in a page, as the next probe, or waiting once more)."""
        waiting, lane.waiting = list(lane.waiting), deque()
        out: list[Any] = []
        for waiting_state, step in waiting:
            out += self._first_step(waiting_state, step)
        return out
