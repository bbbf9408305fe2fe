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

import logging
import traceback
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawlers.config import Config
from crawlers.models import AccountObservation, Target, TargetDone
from crawlers.platforms import page_object
from crawlers.platforms.base import (
    AccountResult,
    Captured,
    Fetch,
    PlatformSettings,
    Reply,
    rewrite_origin,
    unverified,
)
from crawlers.platforms.replay import MAX_STEPS
from spiders.arguments import crawl_arguments
from spiders.fetchfacts import classify_failure, decode_html, elapsed_ms, stamp
from spiders.settings import PLAYWRIGHT_HANDLER, abort_heavy_request

log = logging.getLogger(__name__)

SECRET_MIN_CHARS = 4  # shorter values ("1", "on") would mask ordinary text, and guess nothing
BODY_TEXT_JS = "() => document.body ? document.body.innerText : ''"


LATE_CAPTURE_MS = 8000  # extra wait for a page whose own JSON request comes late
BROWSER_RETRIES = 1  # a browser fetch whose result the page object calls transient is tried once more


def platform_settings(key: str, config: Config) -> PlatformSettings:
    """Cookies and credentials an office configured for one platform (the config file reads
    ``GOVPATROL_<KEY>_COOKIE`` from the environment too)."""
    pc = config.platforms.get(key)
    if pc is None:
        return PlatformSettings()
    return PlatformSettings(cookies=dict(pc.cookies), credentials=dict(pc.credentials))


def scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    """A copy with every secret value masked, however deep in dicts and lists it sits."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "***")
        return value
    if isinstance(value, dict):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, secrets) for v in value]
    return value


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class BrowserCapture:
    """One browser fetch: reroutes the page's own requests to the origin and keeps its JSON.

    Why a page *method* and not ``playwright_include_page``: the method runs inside the download,
    before scrapy-playwright closes the page, so the response bodies and the visible text are read
    while the page is alive, a failure there becomes the request's errback, and the page (with its
    slot of ``PLAYWRIGHT_MAX_PAGES_PER_CONTEXT``) is closed by the handler on every path. With
    ``include_page`` every callback and errback would have to close the page itself, and one missed
    path would leak a page and, in time, every slot. The "response" event handler is synchronous
    and only keeps the response objects; bodies are awaited in :meth:`settle`, never in the event.
    """

    def __init__(
        self, fetch: Fetch, hosts: tuple[str, ...], origin: str, cookies: dict[str, str], idle_ms: int
    ):
        self.fetch = fetch
        self.hosts = hosts
        self.origin = origin
        self.cookies = cookies
        self.idle_ms = idle_ms
        self.page_url = rewrite_origin(fetch.url, hosts, origin)
        self.responses: list[Any] = []
        self.captured: list[Captured] = []
        self.page_text = ""

    def real_url(self, url: str) -> str:
        """A URL the page fetched from the origin, put back on the platform host the page came from."""
        if not self.origin:
            return url
        got, origin, real = urlsplit(url), urlsplit(self.origin), urlsplit(self.fetch.url)
        if (got.scheme, got.netloc) != (origin.scheme, origin.netloc):
            return url
        return got._replace(scheme=real.scheme, netloc=real.netloc).geturl()

    def on_response(self, response: Any) -> None:
        if self.fetch.capture and self.fetch.capture in response.url:
            self.responses.append(response)

    async def init_page(self, page: Any, request: Request) -> None:
        """Before navigation: platform cookies into this platform's context, real hosts to the origin."""
        if self.cookies:
            await page.context.add_cookies(
                [{"name": k, "value": v, "url": self.page_url} for k, v in self.cookies.items()]
            )
        if self.origin:
            await page.route("**", self._reroute)

    async def _reroute(self, route: Any, request: Any) -> None:
        """A script calling the platform's real host is answered from the origin (Chromium cannot
        switch https to http in ``continue_``, so the answer is fetched here and fulfilled)."""
        if _host(request.url) not in self.hosts:
            await route.fallback()  # scrapy-playwright's own handler: blocked resource types, headers
            return
        if abort_heavy_request(request):  # what the fallback would have refused: no pixels
            await route.abort()
            return
        try:
            answer = await route.fetch(
                url=rewrite_origin(request.url, self.hosts, self.origin), max_redirects=0
            )
            await route.fulfill(response=answer)
        except Exception:  # noqa: BLE001 - the origin refused: the page sees a failed request
            await route.abort()

    async def settle(self, page: Any) -> None:
        """Wait (bounded) for the page's network to go idle, then read the captured JSON and the text."""
        try:
            await page.wait_for_load_state("networkidle", timeout=self.idle_ms)
        except Exception:  # noqa: BLE001 - a page that never idles still shows what it loaded
            log.info("network not idle after %d ms: %s", self.idle_ms, self.fetch.step)
        if self.fetch.capture and not self.responses:
            # On a loaded machine the page's script may sign and send its request only after the
            # network first went quiet: give it a bounded while longer before concluding "nothing".
            try:
                await page.wait_for_response(
                    lambda r: self.fetch.capture in r.url, timeout=min(self.idle_ms, LATE_CAPTURE_MS)
                )
                await page.wait_for_load_state("networkidle", timeout=LATE_CAPTURE_MS)
            except Exception:  # noqa: BLE001 - no such request: the page object decides from the text
                log.info("no %s response captured: %s", self.fetch.capture, self.fetch.url)
        for response in self.responses:
            try:
                text = await response.text()
            except Exception:  # noqa: BLE001 - redirects and aborted requests carry no body
                text = ""
            self.captured.append(Captured(url=self.real_url(response.url), status=response.status, text=text))
        try:
            self.page_text = await page.evaluate(BODY_TEXT_JS) or ""
        except Exception:  # noqa: BLE001 - a page navigated away or without a body shows no text
            self.page_text = ""


@dataclass
class AccountState:
    """One account while its page object runs."""

    target: Target
    key: str
    po: ModuleType | None = None
    settings: PlatformSettings = field(default_factory=PlatformSettings)
    origin: str = ""
    secrets: tuple[str, ...] = ()
    steps: int = 0
    requests: int = 0
    browser: bool = False
    elapsed_ms: float = 0.0
    retries: int = 0
    done: bool = False


class AccountSpider(scrapy.Spider):
    """Check new-media accounts: ``AccountSpider(targets, as_of, config)``."""

    name = "account"
    # some platforms only answer their own script: every request may need the browser (the spider
    # caps pages itself, max_pages lanes, and names a context per platform and lane)
    custom_settings = {"DOWNLOAD_HANDLERS": {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}}

    def __init__(
        self,
        targets: list[Target] | None = None,
        as_of: datetime | None = None,
        config: Config | None = None,
        mode: str = "full",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.targets = [t for t in (targets or []) if t.kind == "account"]
        self.as_of = as_of or datetime.now(UTC)
        self.config = config or Config()
        self.mode = mode
        self.accounts: dict[str, AccountState] = {}
        self.free_lanes = list(range(max(1, self.config.browser.max_pages)))
        self.browser_waiting: deque[tuple[str, Request]] = deque()
        self._flushed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> AccountSpider:
        kwargs = crawl_arguments(crawler, cls.name, kwargs)  # config from settings; `scrapy crawl -a` strings
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(stamp, signal=signals.request_reached_downloader)
        crawler.signals.connect(spider._on_idle, signal=signals.spider_idle)
        return spider

    # ------------------------------------------------------------------ plumbing

    def _now(self) -> datetime:
        return datetime.now(self.as_of.tzinfo or UTC)

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

    def begin_target(self, target: Target) -> list[Any]:
        """The first step of one account (a request, or already its result).

        Separate from :meth:`start` so a distributed worker can feed targets as it claims them.
        """
        step = self._setup(target)
        return self._advance(self.accounts[target.id], step)

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
        if not step.browser:
            return [request]
        if not self.free_lanes:
            self.browser_waiting.append((state.key, request))
            return []
        return [self._on_lane(state.key, request, self.free_lanes.pop())]

    @staticmethod
    def _on_lane(key: str, request: Request, lane: int) -> Request:
        """Browser fetches run in ``max_pages`` lanes, one page at a time each, in a context per
        (platform, lane): platforms never share cookies, and no page's own cookie challenge (Douyin
        sets ``__ac_nonce`` and signs its post request with it) is overwritten by a neighbour page
        loading in the same context at the same time."""
        request.meta["playwright_context"] = f"{key}-{lane}"
        request.meta["patrol_lane"] = lane
        return request

    def _request(self, state: AccountState, fetch: Fetch) -> Request:
        assert state.po is not None
        hosts: tuple[str, ...] = tuple(getattr(state.po, "HOSTS", ()))
        headers = dict(fetch.headers)
        own_host = _host(fetch.url) in hosts
        cookies = state.settings.cookies if own_host else {}
        meta: dict[str, Any] = {
            "target_id": state.target.id,
            "patrol_fetch": fetch,
            "dont_redirect": True,
            "handle_httpstatus_all": True,
            "dont_retry": True,
            "dont_merge_cookies": True,  # the jar is per host name: 127.0.0.1 would share cookies
            "download_slot": _host(fetch.url) or None,  # politeness per real platform host
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

    def _settled(self, request: Request, state: AccountState) -> list[Request]:
        """Account for the request's time; a finished browser fetch lets a waiting one start."""
        if (ms := elapsed_ms(request)) is not None:
            state.elapsed_ms += ms
        lane = request.meta.get("patrol_lane")
        if lane is None:
            return []
        if self.browser_waiting:
            key, waiting = self.browser_waiting.popleft()
            return [self._on_lane(key, waiting, lane)]
        self.free_lanes.append(lane)
        return []

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
        reply = Reply(fetch=fetch, url=fetch.url, status=response.status, headers=headers, text=text)
        capture: BrowserCapture | None = request.meta.get("patrol_capture")
        if capture is not None:
            reply.captured, reply.page_text = list(capture.captured), capture.page_text
        return out + self._next(state, reply)

    def _on_failure(self, failure: Failure) -> Iterable[Any]:
        request: Request = failure.request  # type: ignore[attr-defined]
        state = self.accounts[request.meta["target_id"]]
        out: list[Any] = self._settled(request, state)
        error, detail = classify_failure(failure)
        self.logger.info("%s %s: %s", state.target.id, error, scrub(detail, state.secrets))
        fetch: Fetch = request.meta["patrol_fetch"]
        return out + self._next(state, Reply(fetch=fetch, url=fetch.url, status=None, error=error))

    def _next(self, state: AccountState, reply: Reply) -> list[Any]:
        assert state.po is not None
        try:
            step = state.po.next(reply, state.target, now=self.as_of)
        except Exception as exc:  # noqa: BLE001 - one broken page object never stops the sweep
            step = self._po_error(state, exc)
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
        state.done = True
        latest = result.latest
        post = latest.to_dict() if latest is not None else {}
        post.pop("date", None)
        obs = AccountObservation(
            target_id=state.target.id,
            platform=state.key,
            url=state.target.url,
            fetched_at=self._now(),
            state=result.state,
            latest=latest.date if latest is not None else None,
            latest_post=scrub(post, state.secrets),
            post_dates=[p.date for p in result.posts],
            reason=scrub(result.reason, state.secrets),
            evidence=scrub(dict(result.evidence), state.secrets),
            name=result.name,
            requests=state.requests,
            browser=state.browser,
            elapsed_ms=round(state.elapsed_ms, 1),
        )
        self._inc(f"patrol/accounts/{result.state}")
        return [obs, TargetDone(target_id=state.target.id, requests=state.requests)]

    # ------------------------------------------------------------------ safety net

    def _on_idle(self, spider: scrapy.Spider) -> None:
        """Nothing left to do but some account never finished (a lost request): finish them now."""
        if self._flushed or all(s.done for s in self.accounts.values()):
            return
        self._flushed = True
        open_ids = [tid for tid, s in self.accounts.items() if not s.done]
        self.logger.warning("finishing %d accounts with unsettled requests: %s", len(open_ids), open_ids[:10])
        request = Request("data:,", callback=self._flush, dont_filter=True, meta={"target_id": ""})
        assert self.crawler.engine is not None
        self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _flush(self, response: Response) -> Iterable[Any]:
        out: list[Any] = []
        for state in self.accounts.values():
            if not state.done:
                out += self._finish(state, unverified("request lost before an answer", url=state.target.url))
        return out
