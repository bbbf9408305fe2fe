"""Kuaishou (快手) accounts: open the profile page in Chromium and read the feed its script fetches.

``/rest/v/profile/feed`` needs ``__NS_hxfalcon`` computed by Kuaishou's JavaScript over the body,
so the page makes the request and we capture its JSON. The older page asked ``POST /graphql``
(``visionProfilePhotoList``) for the same list inside ``data.visionProfilePhotoList``; both answers
are recognised by their shape, whatever address the page used. ``result`` 1 is the only answer that
carries posts; every other code (rate limit, captcha, unsigned, verification) and GraphQL
``errors`` mean we could not look.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from crawlers.dates import parse_timestamp
from crawlers.models import Target
from crawlers.platforms.base import (
    AccountResult,
    Captured,
    Fetch,
    PlatformSettings,
    Post,
    Reply,
    dig,
    from_posts,
    gone,
    post_words,
    unverified,
)
from crawlers.platforms.capture import (
    capture_data,
    first_marker,
    inpage_fetch,
    inpage_verdict,
    judge_page,
    profile_fetch,
)

KEY = "kuaishou"
HOSTS = ("www.kuaishou.com", "kuaishou.com", "live.kuaishou.com", "v.kuaishou.com")
NEEDS_BROWSER = True

PROFILE_URL = "https://www.kuaishou.com/profile/{principal_id}"
PROFILE_PATH = re.compile(r"^/profile/(?P<id>[A-Za-z0-9_\-]+)")
FEED_PATH = "/rest/v/profile/feed"  # POST, signed with __NS_hxfalcon by the page's script
PHOTO_URL = "https://www.kuaishou.com/short-video/{id}"

# Fields of the feed answer.
F_RESULT, F_FEEDS, F_HOST = "result", "feeds", "hostName"
F_PHOTO, F_ID, F_CAPTION, F_TIME = "photo", "id", "caption", "timestamp"  # timestamp: unix ms
F_TOP = "profileUserTopPhoto"  # the pinned (置顶) work
GRAPHQL_LIST = ("data", "visionProfilePhotoList")  # where the GraphQL answer keeps the same fields
RESULT_OK = 1
RESULT_INVALID_ID = 21  # 参数格式错误: gone only when the page says so too
RESULT_UNSIGNED = 50  # the answer to a request without a valid signature
RESULT_REASONS = {  # the codes seen in the wild and why they mean "could not look"
    2: "rate limited (result 2)",
    50: "unsigned or expired token (result 50)",
    2001: "captcha (result 2001)",
    400002: "verification required (result 400002)",
}
THROTTLE_CODES = frozenset({2, 2001, 400002})  # the platform's "too fast" answers: ask again later

# Visible page wordings [exact wording unconfirmed].
GONE_MARKERS = ("用户不存在", "账号不存在", "已注销")
NO_POSTS_MARKERS = ("暂无作品",)  # the profile's empty works tab: exists, never posted


def start(target: Target, settings: PlatformSettings) -> Fetch | AccountResult:
    """Open the profile page (a short ``v.kuaishou.com`` link is opened as given: it redirects)."""
    return profile_fetch(
        target,
        HOSTS,
        PROFILE_PATH,
        lambda i: PROFILE_URL.format(principal_id=i),
        FEED_PATH,
        "no principalId in account_id or url",
        "id",
    )


def inpage(target: Target, settings: PlatformSettings) -> Fetch | None:
    """The account's feed request (``POST``, JSON body) for a warm Kuaishou page to make: the page's
    hook adds ``__NS_hxfalcon`` over the body."""
    return inpage_fetch(
        target,
        HOSTS,
        PROFILE_PATH,
        lambda i: PROFILE_URL.format(principal_id=i),
        "id",
        lambda i: Fetch(
            url=f"https://www.kuaishou.com{FEED_PATH}",
            step="inpage",
            method="POST",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"user_id": i, "pcursor": "", "page": "profile"}, separators=(",", ":")),
        ),
    )


def inpage_next(reply: Reply, target: Target, now: datetime) -> AccountResult:
    """The in-page feed, read as the profile page's capture (the spider keeps only ``latest``; a
    signed throttle answer -- result 2, 2001, 400002 -- is what the profile page would capture too,
    so the spider handles it as there)."""
    return inpage_verdict(reply, _read_capture, is_feed, signed=_answered)


def _answered(data: Any) -> bool:
    """The platform answered a signed request: a feed, or a ``result`` code other than 50 (the
    code for an unsigned or expired token)."""
    listing = _listing(data) if isinstance(data, dict) else None
    return is_feed(data) or (
        isinstance(listing, dict) and dig(listing, F_RESULT) not in (None, RESULT_UNSIGNED)
    )


def _posts(feeds: list[Any]) -> list[Post]:
    posts = []
    for feed in feeds:
        photo = dig(feed, F_PHOTO, default={}) or {}
        raw = dig(photo, F_TIME)
        if not raw:
            continue  # a work without its own date says nothing about activity
        photo_id = str(dig(photo, F_ID, default="") or "")
        posts.append(
            Post(
                date=parse_timestamp(raw),
                raw=str(raw),
                id=photo_id,
                url=PHOTO_URL.format(id=photo_id) if photo_id else "",
                title=str(dig(photo, F_CAPTION, default="") or "")[:100],
                text=post_words(dig(photo, F_CAPTION)),
                pinned=bool(dig(photo, F_TOP, default=False)),
                source="captured",
            )
        )
    return posts


def _listing(data: Any) -> Any:
    """The feed fields of either answer: the REST object itself, or GraphQL's inner object."""
    inner = dig(data, *GRAPHQL_LIST) if isinstance(data, dict) else None
    return inner if isinstance(inner, dict) else data


def is_feed(data: Any) -> bool:
    """The shape of a works-list answer: a ``result`` code with ``feeds`` (REST), or any answer
    inside GraphQL's ``data.visionProfilePhotoList``. (A GraphQL answer with only ``errors`` has no
    list: the page fetched no feed, so the account is not verified.)"""
    if not isinstance(data, dict):
        return False
    listing = _listing(data)
    return isinstance(listing, dict) and F_RESULT in listing and (F_FEEDS in listing or listing is not data)


def _read_capture(cap: Captured, reply: Reply, ev: dict[str, Any]) -> AccountResult:
    data = capture_data(cap, reply, "feed", ev)
    if isinstance(data, AccountResult):
        return data
    data = _listing(data)
    code = dig(data, F_RESULT)
    ev[F_RESULT] = code
    if code == RESULT_INVALID_ID and (marker := first_marker(reply.page_text, GONE_MARKERS)):
        return gone(f"page says {marker}", reply, marker=marker, **ev)
    if code != RESULT_OK:
        return unverified(
            RESULT_REASONS.get(code, f"result {code}"), reply, throttled=code in THROTTLE_CODES, **ev
        )
    feeds = dig(data, F_FEEDS)
    if not isinstance(feeds, list):
        return unverified("result 1 without feeds", reply, **ev)
    posts = _posts(feeds)
    if posts:
        result = from_posts(posts, reply, **ev)
        result.name = str(dig(data, F_HOST, default="") or "")
        return result
    if feeds:
        return unverified("feed items carry no timestamp", reply, items=len(feeds), **ev)
    if marker := first_marker(reply.page_text, GONE_MARKERS):
        return gone(f"page says {marker}", reply, marker=marker, **ev)
    if marker := first_marker(reply.page_text, NO_POSTS_MARKERS):
        return from_posts([], reply, marker=marker, **ev)
    return unverified("empty feed and no page wording to explain it", reply, **ev)


def next(reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult:  # noqa: A001
    """Judge the opened profile page: the captured feed first, then the page's own wording."""
    return judge_page(
        reply, FEED_PATH, _read_capture, GONE_MARKERS, "the page fetched no feed", shape=is_feed
    )
