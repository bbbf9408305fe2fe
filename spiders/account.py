"""The account spider: drive each platform's page object through Scrapy (and Chromium) to one result.

Per account the page object names every request (:class:`Fetch`); this spider only performs them:
origin rewritten as configured, redirects never followed (a 302 to a passport page is evidence),
never retried (a retried anti-bot answer only earns a longer block), cookies attached for that
platform's own hosts only. Browser fetches open the page in the one shared Chromium, in contexts of
the platform's own (one per browser lane), and capture the JSON the page's own script fetches. Each account ends with exactly one
:class:`AccountObservation` and one :class:`TargetDone`; a page object that raises makes its account
``unverified``, never the sweep crash. Cookie and credential values never reach evidence or logs.
"""

from __future__ import annotations

import traceback
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from scrapy.http import Request, Response
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawlers.contentwatch import observe_post
from crawlers.events import EventWatch
from crawlers.models import AccountObservation, Target, TargetDone, TextObservation
from crawlers.platforms import page_object
from crawlers.platforms.base import (
    AccountResult,
    Fetch,
    Reply,
    rewrite_origin,
    unverified,
)
from crawlers.platforms.replay import MAX_STEPS
from crawlers.privacy import mask_personal_numbers
from spiders.accountstate import SECRET_MIN_CHARS, AccountState, platform_settings, scrub
from spiders.base import tallied
from spiders.browsercapture import BrowserCapture, host_of
from spiders.fetchfacts import classify_failure, decode_html, elapsed_ms
from spiders.lanepages import LanePages
from spiders.repostwatch import repost_facts
from spiders.settings import PLAYWRIGHT_HANDLER
from spiders.warmpages import WarmPages

BROWSER_RETRIES = 1  # a browser fetch whose result the page object calls transient is tried once more


class AccountSpider(WarmPages):
    """Check new-media accounts: ``AccountSpider(targets, as_of, config)``."""

    name = "account"
    watches: tuple[EventWatch, ...] = ()  # open events' accounts (spider argument): spiders/repostwatch.py
    # some platforms only answer their own script: every request may need the browser (the spider
    # caps pages itself, max_pages lanes, and names a context per platform and lane)
    custom_settings = {"DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = [t for t in self.targets if t.kind == "account"]
        self.accounts: dict[str, AccountState] = {}
        self.free_lanes = list(range(max(1, self.config.browser.max_pages)))
        self.lane_pages = LanePages()  # each lane's page, navigated to its platform's next account

    # ------------------------------------------------------------------ plumbing

    def _inc(self, key: str) -> None:
        stats = getattr(getattr(self, "crawler", None), "stats", None)
        if stats is not None:
            stats.inc_value(key)

    def _setup(self, target: Target) -> Fetch | AccountResult:
        """The account's state and the page object's first step (its settings read here too)."""
        key = (target.platform or "").lower()
        state = self.accounts[target.id] = AccountState(target=target, key=key)
        pc = self.config.platforms.get(key)
        state.origin = pc.origin if pc else ""
        try:
            state.settings = platform_settings(key, self.config)
            values = [*state.settings.cookies.values(), *state.settings.credentials.values()]
            state.secrets = tuple(
                sorted({v for v in values if len(v) >= SECRET_MIN_CHARS}, key=len, reverse=True)
            )
            state.po = page_object(key)
            return state.po.start(target, state.settings)
        except Exception as exc:  # noqa: BLE001 - one broken page object never stops the sweep
            return self._po_error(state, exc)

    # ------------------------------------------------------------------ start

    async def start(self) -> AsyncIterator[Any]:
        for target in self.targets:
            for out in self.begin_target(target):
                yield out

    @tallied
    def begin_target(self, target: Target) -> list[Any]:
        """The first step of one account (a request, or already its result).

        Separate from :meth:`start` so a distributed worker can feed targets as it claims them.
        """
        step = self._setup(target)
        return self._first_step(self.accounts[target.id], step)

    def _advance(self, state: AccountState, step: Fetch | AccountResult) -> list[Any]:
        """The page object's answer: another request, or the account's result."""
        if isinstance(step, AccountResult):
            return self._finish(state, step)
        state.steps += 1
        if state.steps > MAX_STEPS:
            return self._finish(state, unverified(f"page object asked for more than {MAX_STEPS} fetches"))
        try:
            request = self._request(state, step)
        except ValueError as exc:  # a URL Scrapy cannot even request
            return self._finish(state, unverified(f"bad request URL: {exc}", url=step.url))
        return self._in_turn(state, request)

    @staticmethod
    def _needs_lane(request: Request) -> bool:
        """A browser page, other than a warm page (which has a context of its own, outside the lanes)."""
        return bool(request.meta["patrol_fetch"].browser and not request.meta.get("patrol_warm"))

    def _may_send(self, request: Request) -> bool:
        """A browser page goes out only with a free lane: its turn is taken when it really goes out,
        so pages that waited for lanes never leave in a burst over the platform's budget."""
        return bool(self.free_lanes) or not self._needs_lane(request)

    def _dispatch(self, state: AccountState, request: Request) -> list[Any]:
        """Out now (its turn has come, and a browser page has a free lane: :meth:`_may_send`)."""
        if not self._needs_lane(request):
            return [request]
        return [self._on_lane(state.key, request, self.free_lanes.pop())]

    def _on_lane(self, key: str, request: Request, lane: int) -> Request:
        """Browser fetches run in ``max_pages`` lanes, one page at a time each, in a context per
        (platform, lane): platforms never share cookies, and no page's own cookie challenge (Douyin
        sets ``__ac_nonce`` and signs its post request with it) is overwritten by a neighbour page
        loading in the same context at the same time. The lane's page is navigated from one
        account of a platform to the next (spiders/lanepages.py)."""
        request.meta["playwright_context"] = f"{key}-{lane}"
        request.meta["patrol_lane"] = lane
        state = self.accounts.get(request.meta.get("target_id", ""))
        fresh = state is None or bool(getattr(state.po, "FRESH_PAGE", False))
        if self.lane_pages.attach(key, lane, request, fresh):
            self._inc("patrol/lane_pages_reused")
        return request

    def _on_idle(self, spider: Any) -> None:
        self.lane_pages.close_all()  # nothing in flight: no lane page is needed now
        super()._on_idle(spider)

    def _request(self, state: AccountState, fetch: Fetch) -> Request:
        assert state.po is not None
        hosts: tuple[str, ...] = tuple(getattr(state.po, "HOSTS", ()))
        headers = dict(fetch.headers)
        own_host = host_of(fetch.url) in hosts
        cookies = state.settings.cookies if own_host else {}
        meta: dict[str, Any] = {
            "target_id": state.target.id,
            "patrol_fetch": fetch,
            "dont_redirect": True,
            "handle_httpstatus_all": True,
            "dont_retry": True,
            "dont_merge_cookies": True,  # the jar is per host name: 127.0.0.1 would share cookies
            "download_slot": host_of(fetch.url) or None,  # politeness per real platform host
        }
        timeout = self.config.crawl.page_timeout
        if fetch.browser:
            capture = BrowserCapture(fetch, hosts, state.origin, cookies, int(timeout * 1000))
            meta.update(
                playwright=True,
                playwright_context_kwargs={
                    "ignore_https_errors": True,
                    "locale": "zh-CN",
                    "timezone_id": "Asia/Shanghai",
                },
                playwright_page_init_callback=capture.init_page,
                playwright_page_event_handlers={"response": capture.on_response},
                playwright_page_methods=[PageMethod(capture.settle)],
                patrol_capture=capture,
                download_timeout=timeout * 3,
            )
            if state.warming:  # kept open for other accounts' lists (spiders/warmpages.py)
                meta.update(
                    playwright_include_page=True,
                    playwright_context=f"{state.key}-warm-{state.warm_slot}",
                    patrol_warm=True,
                )
        else:
            meta["download_timeout"] = timeout
            if cookies:
                jar = "; ".join(f"{k}={v}" for k, v in cookies.items())
                own = headers.pop("Cookie", "") or headers.pop("cookie", "")
                headers["Cookie"] = f"{own}; {jar}" if own else jar
        state.requests += 1
        state.browser = state.browser or fetch.browser
        if fetch.browser:
            self._inc("patrol/browser_fetches")
        return Request(
            rewrite_origin(fetch.url, hosts, state.origin),
            method=fetch.method,
            headers=headers,
            body=fetch.body.encode("utf-8") if fetch.body is not None else None,
            callback=self._on_reply,
            errback=self._on_failure,
            meta=meta,
            dont_filter=True,
        )

    # ------------------------------------------------------------------ replies

    def _settled(self, request: Request, state: AccountState, ok: bool = True) -> list[Any]:
        """Account for the request's time and for the page's requests the platform saw beyond those
        declared; a finished browser fetch frees its lane for the next page whose turn has come, its
        own platform's first (``ok``: it was answered, so its page may be navigated to that account)."""
        if (ms := elapsed_ms(request)) is not None:
            state.elapsed_ms += ms
        capture: BrowserCapture | None = request.meta.get("patrol_capture")
        if capture is not None and (extra := capture.platform_requests - capture.fetch.requests) > 0:
            self._pace(state.key).charge(extra)
            self._inc("patrol/pages_over_declared")
        lane = request.meta.get("patrol_lane")
        if lane is None:
            return []
        self.lane_pages.settle(state.key, lane, request, ok)
        self.free_lanes.append(lane)
        return self._pump_all(first=self.lane_pages.platform_of(lane))

    @tallied
    def _on_reply(self, response: Response) -> Iterable[Any]:
        request = response.request
        assert request is not None
        state = self.accounts[request.meta["target_id"]]
        out: list[Any] = self._settled(request, state)
        fetch: Fetch = request.meta["patrol_fetch"]
        text, _ = decode_html(response)
        if not text and response.body:
            text = response.body.decode("utf-8", "replace")
        headers = {
            k.decode("latin-1").lower(): ", ".join(v.decode("latin-1") for v in vals)
            for k, vals in response.headers.items()
        }
        reply = Reply(
            fetch=fetch, url=fetch.url, status=response.status, headers=headers, text=text, words=self.words
        )
        capture: BrowserCapture | None = request.meta.get("patrol_capture")
        if capture is not None:
            reply.captured, reply.page_text = list(capture.captured), capture.page_text
        out += self._next(state, reply)
        return out + self._warm_settled(state, request)

    @tallied
    def _on_failure(self, failure: Failure) -> Iterable[Any]:
        request: Request = failure.request  # type: ignore[attr-defined]
        state = self.accounts[request.meta["target_id"]]
        out: list[Any] = self._settled(request, state, ok=False)
        error, detail = classify_failure(failure)
        self.logger.info("%s %s: %s", state.target.id, error, scrub(detail, state.secrets))
        fetch: Fetch = request.meta["patrol_fetch"]
        reply = Reply(fetch=fetch, url=fetch.url, status=None, error=error, words=self.words)
        out += self._next(state, reply)
        return out + self._warm_settled(state, request)

    def _next(self, state: AccountState, reply: Reply) -> list[Any]:
        assert state.po is not None
        try:
            step = state.po.next(reply, state.target, now=self.as_of)
        except Exception as exc:  # noqa: BLE001 - one broken page object never stops the sweep
            step = self._po_error(state, exc)
        if isinstance(step, AccountResult) and step.throttled:
            step = self._throttled(state, step)
        elif reply.status is not None:
            self._answered(state)
        if self._retry_browser(state, reply, step):
            state.retries += 1
            self._inc("patrol/browser_retries")
            step = reply.fetch
        return self._advance(state, step)

    @staticmethod
    def _retry_browser(state: AccountState, reply: Reply, step: Fetch | AccountResult) -> bool:
        """A browser fetch the page object calls transient (nothing captured and no marker seen: often
        a slow render on a loaded machine, not the platform's answer) is tried once more before the
        account is reported "could not check". Captcha and anti-bot answers are never retried."""
        return (
            isinstance(step, AccountResult)
            and step.transient
            and reply.fetch.browser
            and state.retries < BROWSER_RETRIES
        )

    def _po_error(self, state: AccountState, exc: Exception) -> AccountResult:
        detail = scrub(f"{type(exc).__name__}: {exc}", state.secrets)
        trace = scrub(traceback.format_exc(), state.secrets)
        self.logger.error("page object %s failed on %s: %s\n%s", state.key, state.target.id, detail, trace)
        self._inc("patrol/page_object_errors")
        return unverified(f"page object error: {detail}", url=state.target.url)

    # ------------------------------------------------------------------ results

    def _finish(self, state: AccountState, result: AccountResult) -> list[Any]:
        if state.done:
            return []
        state.done, state.final = True, result.state
        latest = result.latest
        post = latest.to_dict() if latest is not None else {}
        post.pop("date", None)
        post.pop("comments_open", None)  # counted over every post below
        now = self._now()
        if post.get("title"):  # the same masking as the content watch's texts
            post["title"] = mask_personal_numbers(str(post["title"]), now.date())[0]
        obs = AccountObservation(
            target_id=state.target.id,
            platform=state.key,
            url=state.target.url,
            fetched_at=now,
            state=result.state,
            latest=latest.date if latest is not None else None,
            latest_post=scrub(post, state.secrets),
            post_dates=[p.date for p in result.posts],
            reason=scrub(result.reason, state.secrets),
            evidence=scrub(dict(result.evidence), state.secrets),
            name=result.name,
            verification=result.verification,
            comments_shown=sum(1 for p in result.posts if p.comments_open is not None),
            comments_closed=sum(1 for p in result.posts if p.comments_open is False),
            requests=state.requests,
            browser=state.browser,
            elapsed_ms=round(state.elapsed_ms, 1),
            posts=self._post_texts(state, result, now),
        )
        self._inc(f"patrol/accounts/{result.state}")
        watched = repost_facts(
            self.watches, state.target, result, obs.fetched_at, state.key, self.as_of
        )  # open events
        return [obs, *watched, TargetDone(target_id=state.target.id, requests=state.requests)]

    def _post_texts(self, state: AccountState, result: AccountResult, now: datetime) -> list[TextObservation]:
        """The content watch's facts of the posts the page object read (ACCOUNT-SEC-WORDING)."""
        if not self.config.content_watch.enabled:
            return []
        return [
            observe_post(state.target.id, p, fetched_at=now, profile_url=state.target.url)
            for p in result.posts
        ]

    # ------------------------------------------------------------------ safety net

    def unsettled(self) -> list[str]:
        return [tid for tid, s in self.accounts.items() if not s.done]

    def settle_lost(self, target_id: str) -> list[Any]:
        state = self.accounts[target_id]
        return self._finish(state, unverified("request lost before an answer", url=state.target.url))
