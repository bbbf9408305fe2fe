"""The account spider's contract with page objects, without a network: how a Fetch becomes a Scrapy
request (origin, cookies, no redirects, no retries, browser lanes), how an answer becomes a Reply,
and that a failing page object or a secret in a result never escapes as a crash or a leak."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.http import Request, TextResponse

from crawlers.config import BrowserConfig, Config, PlatformConfig
from crawlers.models import AccountObservation, Target, TargetDone
from crawlers.platforms.base import AccountResult, Fetch, Post, Reply, from_posts, unverified
from spiders import account as module
from spiders.account import AccountSpider, BrowserCapture
from tests.unit.factories import AS_OF

ORIGIN = "http://127.0.0.1:8123"
COOKIE, TOKEN = "sub-cookie-secret-1", "back-office-token-2"


def target(n: int = 1) -> Target:
    return Target(
        id=f"A{n:03d}",
        kind="account",
        name="苏州发布",
        owner="苏州市人民政府新闻办公室",
        region="江苏省苏州市",
        url=f"https://m.weibo.cn/u/{n}",
        platform="weibo",
    )


class FakePlatform:
    """A page object whose steps the test scripts: ``steps`` are returned in turn by start/next."""

    KEY = "weibo"
    HOSTS = ("m.weibo.cn",)
    NEEDS_BROWSER = False

    def __init__(self, *steps: Any) -> None:
        self.steps = list(steps)
        self.replies: list[Reply] = []

    def _step(self) -> Any:
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    def start(self, target: Target, settings: Any) -> Any:
        self.settings = settings
        return self._step()

    def next(self, reply: Reply, target: Target, now: datetime) -> Any:
        self.replies.append(reply)
        return self._step()


def spider(
    monkeypatch: pytest.MonkeyPatch, po: Any, n: int = 1, max_pages: int = 4, **budget: Any
) -> AccountSpider:
    """The spider over ``n`` accounts; no request budget unless ``budget`` sets one."""
    monkeypatch.setattr(module, "page_object", lambda key: po)
    config = Config(browser=BrowserConfig(max_pages=max_pages))
    config.platforms["weibo"] = PlatformConfig(
        origin=ORIGIN,
        cookies={"SUB": COOKIE},
        credentials={"token": TOKEN},
        **({"requests_per_minute": 0} | budget),
    )
    return AccountSpider(targets=[target(i + 1) for i in range(n)], as_of=AS_OF, config=config)


def first(sp: AccountSpider) -> list[Any]:
    """What the spider's ``start`` yields: first requests, or results for accounts that need none."""

    async def collect() -> list[Any]:
        return [out async for out in sp.start()]

    return asyncio.run(collect())


def answer(request: Request, status: int = 200, body: str = "{}", **headers: str) -> TextResponse:
    return TextResponse(request.url, status=status, body=body.encode(), headers=headers, request=request)


def test_a_fetch_goes_to_the_origin_with_the_platform_cookie_and_is_never_redirected_or_retried(monkeypatch):
    fetch = Fetch(url="https://m.weibo.cn/api/container/getIndex?type=uid&value=1", step="index")
    sp = spider(monkeypatch, FakePlatform(fetch))

    (request,) = first(sp)

    assert request.url == f"{ORIGIN}/api/container/getIndex?type=uid&value=1"
    assert request.headers.get("Cookie") == f"SUB={COOKIE}".encode()
    for flag in ("dont_redirect", "handle_httpstatus_all", "dont_retry", "dont_merge_cookies"):
        assert request.meta[flag] is True, flag
    assert request.meta["download_slot"] == "m.weibo.cn"
    assert not request.meta.get("playwright")


def test_a_fetch_to_another_host_gets_no_cookie_and_no_rewrite(monkeypatch):
    sp = spider(monkeypatch, FakePlatform(Fetch(url="https://passport.example.com/visitor", step="x")))

    (request,) = first(sp)

    assert request.url == "https://passport.example.com/visitor"
    assert request.headers.get("Cookie") is None


def test_a_redirect_reaches_the_page_object_as_it_came_with_the_real_host_url(monkeypatch):
    fetch = Fetch(url="https://m.weibo.cn/u/1", step="profile")
    po = FakePlatform(fetch, unverified("login wall (redirect)"))
    sp = spider(monkeypatch, po)
    (request,) = first(sp)

    out = list(sp._on_reply(answer(request, 302, "", Location="https://passport.weibo.com/visitor")))

    (reply,) = po.replies
    assert (reply.url, reply.status, reply.location) == (fetch.url, 302, "https://passport.weibo.com/visitor")
    obs, done = out
    assert isinstance(obs, AccountObservation)
    assert (obs.state, obs.requests, obs.browser, obs.url) == (
        "unverified",
        1,
        False,
        "https://m.weibo.cn/u/1",
    )
    assert done == TargetDone(target_id="A001", requests=1, facts=1)  # after its one observation


def test_the_observation_carries_the_newest_post_and_every_post_date(monkeypatch):
    fetch = Fetch(url="https://m.weibo.cn/api/x", step="posts")
    old = Post(date=datetime(2024, 1, 4, 9, 0, tzinfo=AS_OF.tzinfo), raw="old", id="p0", pinned=True)
    new = Post(date=datetime(2024, 9, 20, 9, 0, tzinfo=AS_OF.tzinfo), raw="new", id="p1")
    reply = Reply(fetch=fetch, url=fetch.url, status=200)
    sp = spider(monkeypatch, FakePlatform(fetch, from_posts([old, new], reply)))
    (request,) = first(sp)

    obs, _ = sp._on_reply(answer(request))

    assert (obs.state, obs.latest, obs.post_dates) == ("latest", new.date, [new.date, old.date])
    assert obs.latest_post == {
        "raw": "new",
        "id": "p1",
        "url": "",
        "title": "",
        "pinned": False,
        "source": "json",
        "links": [],
    }


def test_secrets_are_masked_in_reason_and_evidence(monkeypatch):
    fetch = Fetch(url="https://m.weibo.cn/api/x", step="posts")
    leaky = AccountResult(
        state="unverified",
        reason=f"token {TOKEN} refused",
        evidence={"url": f"https://m.weibo.cn/api/x?token={TOKEN}", "sent": [f"SUB={COOKIE}"]},
    )
    sp = spider(monkeypatch, FakePlatform(fetch, leaky))
    (request,) = first(sp)

    obs, _ = sp._on_reply(answer(request))

    text = json.dumps(obs.to_dict(), ensure_ascii=False)
    assert TOKEN not in text
    assert COOKIE not in text
    assert obs.reason == "token *** refused"


def test_a_page_object_that_raises_makes_the_account_unverified_and_logs_no_secret(monkeypatch, caplog):
    fetch = Fetch(url="https://m.weibo.cn/api/x", step="posts")
    sp = spider(monkeypatch, FakePlatform(fetch, KeyError(f"data with {TOKEN}")))
    (request,) = first(sp)

    with caplog.at_level(logging.ERROR):
        obs, done = sp._on_reply(answer(request))

    assert obs.state == "unverified"
    assert obs.reason.startswith("page object error: KeyError")
    assert TOKEN not in obs.reason
    assert isinstance(done, TargetDone)
    assert "Traceback" in caplog.text
    assert TOKEN not in caplog.text


def test_a_failing_start_is_unverified_without_any_request(monkeypatch):
    sp = spider(monkeypatch, FakePlatform(ValueError("no uid")))

    obs, done = first(sp)

    assert (obs.state, obs.requests, done.requests) == ("unverified", 0, 0)
    assert "no uid" in obs.reason


def test_a_network_failure_reaches_the_page_object_as_an_error_class(monkeypatch):
    from twisted.internet.error import DNSLookupError
    from twisted.python.failure import Failure

    fetch = Fetch(url="https://m.weibo.cn/api/x", step="posts")
    po = FakePlatform(fetch, unverified("network: dns"))
    sp = spider(monkeypatch, po)
    (request,) = first(sp)
    failure = Failure(DNSLookupError("m.weibo.cn"))
    failure.request = request  # type: ignore[attr-defined]

    list(sp._on_failure(failure))

    (reply,) = po.replies
    assert (reply.status, reply.error, reply.url) == (None, "dns", fetch.url)


def test_browser_fetches_wait_for_a_free_lane_and_each_lane_has_its_own_context(monkeypatch):
    fetch = Fetch(url="https://m.weibo.cn/u/1", step="profile", browser=True, capture="/api/")
    done = unverified("seen")
    po = FakePlatform(fetch, fetch, done, done)
    sp = spider(monkeypatch, po, n=2, max_pages=1)

    (request,) = first(sp)  # the second waits: one page at a time

    assert request.meta["playwright"] is True
    assert request.meta["playwright_context"] == "weibo-0"
    assert isinstance(request.meta["patrol_capture"], BrowserCapture)
    out = list(sp._on_reply(answer(request, body="<html></html>")))
    waiting = [o for o in out if isinstance(o, Request)]
    assert len(waiting) == 1
    assert waiting[0].meta["playwright_context"] == "weibo-0"
    assert waiting[0].meta["patrol_fetch"] is fetch
    assert [type(o).__name__ for o in out if not isinstance(o, Request)] == [
        "AccountObservation",
        "TargetDone",
    ]


def test_captured_urls_are_put_back_on_the_platform_host():
    fetch = Fetch(url="https://www.douyin.com/user/MS4w", step="profile", browser=True, capture="/aweme/")
    capture = BrowserCapture(fetch, ("www.douyin.com",), ORIGIN, {}, 1000)

    assert capture.page_url == f"{ORIGIN}/user/MS4w"
    assert (
        capture.real_url(f"{ORIGIN}/aweme/v1/web/aweme/post/?a=1")
        == "https://www.douyin.com/aweme/v1/web/aweme/post/?a=1"
    )
    assert capture.real_url("https://cdn.example.com/x.js") == "https://cdn.example.com/x.js"
    capture.on_response(SimpleNamespace(url=f"{ORIGIN}/aweme/v1/web/aweme/post/?a=1"))
    capture.on_response(SimpleNamespace(url=f"{ORIGIN}/favicon.ico"))
    assert len(capture.responses) == 1


def _slow_render() -> tuple[Fetch, Any]:
    """A browser fetch and the page object's answer when nothing was captured and no marker seen."""
    fetch = Fetch(url="https://m.weibo.cn/u/1", step="profile", browser=True, capture="/api/")
    miss = unverified("nothing captured", transient=True)
    return fetch, miss


def test_a_slow_render_is_retried_once_and_a_second_miss_is_unverified(monkeypatch):
    fetch, miss = _slow_render()
    po = FakePlatform(fetch, miss, miss)
    sp = spider(monkeypatch, po)
    (request,) = first(sp)

    (retry,) = [o for o in sp._on_reply(answer(request, body="<html></html>")) if isinstance(o, Request)]
    assert retry.meta["patrol_fetch"] is fetch
    out = list(sp._on_reply(answer(retry, body="<html></html>")))

    (obs,) = [o for o in out if type(o).__name__ == "AccountObservation"]
    assert (obs.state, obs.requests) == ("unverified", 2)
    assert not [o for o in out if isinstance(o, Request)]


def test_a_captcha_answer_is_never_retried(monkeypatch):
    fetch = Fetch(url="https://m.weibo.cn/u/1", step="profile", browser=True, capture="/api/")
    po = FakePlatform(fetch, unverified("anti-bot page (验证码)"))
    sp = spider(monkeypatch, po)
    (request,) = first(sp)

    out = list(sp._on_reply(answer(request, body="<html>验证码</html>")))

    assert not [o for o in out if isinstance(o, Request)]
    (obs,) = [o for o in out if type(o).__name__ == "AccountObservation"]
    assert obs.requests == 1


# ---------------------------------------------------------------------- platform budgets


def test_a_platform_budget_holds_the_next_request_until_its_turn(monkeypatch):
    fetch = Fetch(url="https://m.weibo.cn/api/container/getIndex?type=uid&value=1", step="index")
    sp = spider(monkeypatch, FakePlatform(fetch, fetch), n=2, requests_per_minute=6)

    out = first(sp)

    assert len(out) == 1  # the first account's request goes at once ...
    assert sp.held == 1  # ... the second waits 10 s for the platform's turn, on a timer


def test_a_throttled_account_is_tried_again_later_then_reported_throttled(monkeypatch):
    fetch = Fetch(url="https://m.weibo.cn/api/container/getIndex?type=uid&value=1", step="index")
    throttled = [unverified("HTTP 418", throttled=True), unverified("HTTP 418", throttled=True)]
    sp = spider(monkeypatch, FakePlatform(fetch, throttled[0], fetch, throttled[1]), throttle_retries=1)

    async def run() -> tuple[list[Any], list[Any]]:
        (request,) = [out async for out in sp.start()]
        again = list(sp._on_reply(answer(request, status=418)))  # throttled: start again, later
        held = sp.held
        final = list(sp._on_reply(answer(request, status=418)))  # throttled again: no retry left
        return again, [held, *final]

    again, (held, *final) = asyncio.run(run())
    assert again == []  # nothing reported: the account's first fetch waits for the pause to end
    assert held == 1
    assert sp.paces["weibo"].paused_until > 0
    (obs,) = [o for o in final if isinstance(o, AccountObservation)]
    assert (obs.state, obs.evidence["throttled"], obs.evidence["throttle_tries"]) == ("unverified", True, 2)
