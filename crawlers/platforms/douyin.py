"""Douyin (抖音) accounts: open the profile page in Chromium and read the post list its script fetches.

The post endpoint needs ``a_bogus``/``msToken`` computed by Douyin's own JavaScript over the exact
query, so we never build that request ourselves: the page does, and we capture its JSON
(platforms.md §3). Private and banned accounts both answer with an empty ``aweme_list``; only the
page's own wording tells them (and a genuinely empty account) apart, so an empty list without a
recognised wording is ``unverified``, never ``no_posts`` or ``gone``. The post list is picked by its
shape (the account's own works), whatever address the page used; the older server-rendered page
(``RENDER_DATA``) is read when no list was captured.

Read in a warm page (spiders/warmpages.py), an empty list is explained by a second in-page request,
the profile-info API the page's SDK signs too (``inpage_info``): its nickname and banned notice carry
the same wordings the profile page shows, ``secret`` the private switch and ``aweme_count`` 0 an
account that never posted. Anything it does not explain opens the profile page as before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote

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
    private,
    unverified,
)
from crawlers.platforms.capture import (
    capture_json,
    capture_refused,
    first_marker,
    inpage_fetch,
    inpage_verdict,
    judge_page,
    profile_fetch,
)

KEY = "douyin"
HOSTS = ("www.douyin.com", "douyin.com", "v.douyin.com")
NEEDS_BROWSER = True

PROFILE_URL = "https://www.douyin.com/user/{sec_uid}"
PROFILE_PATH = re.compile(r"^/user/(?P<id>[A-Za-z0-9_\-]+)")
POSTS_PATH = "/aweme/v1/web/aweme/post/"  # what the page's script fetches (signed with a_bogus)
INFO_PATH = "/aweme/v1/web/user/profile/other/"  # the profile header as JSON (signed the same way)
INFO_QUERY = "device_platform=webapp&aid=6383&channel=channel_pc_web&sec_user_id={sec_uid}&pc_client_type=1"
# The profile page's own first list request; its SDK hook adds msToken and a_bogus to it.
POSTS_QUERY = (
    "device_platform=webapp&aid=6383&channel=channel_pc_web&sec_user_id={sec_uid}&max_cursor=0"
    "&locate_query=false&count=18&publish_video_strategy_type=2&pc_client_type=1&version_code=170400"
    "&cookie_enabled=true"
)
VIDEO_URL = "https://www.douyin.com/video/{aweme_id}"

# Fields of the aweme/post answer.
F_STATUS = "status_code"  # 0 = ok; anything else is the API refusing us
F_LIST = "aweme_list"  # missing while status_code is 0 = cookie not logged in (anti-bot)
F_ID, F_DESC, F_TIME, F_TOP = "aweme_id", "desc", "create_time", "is_top"  # create_time: unix s
F_AUTHOR_NAME = ("author", "nickname")
F_AUTHOR_UID = ("author", "sec_uid")
# The older server-rendered form (RENDER_DATA) [possibly outdated]: read when no post list was captured.
SSR_SCRIPT = re.compile(r'<script[^>]*\bid="RENDER_DATA"[^>]*>(.*?)</script>', re.S)
SSR_POSTS = ("post", "data")
SSR_ID, SSR_TIME, SSR_TOP = "awemeId", "createTime", "isTop"
F_VERIFY = (("author", "custom_verify"), ("author", "enterprise_verify_reason"))  # 认证信息
F_CAN_COMMENT = ("aweme_control", "can_comment")  # the work's comment switch [field name unconfirmed]
# Fields of the user/profile/other answer [unconfirmed beyond nickname and aweme_count].
F_USER = "user"
F_NICKNAME, F_WORKS, F_SECRET = "nickname", "aweme_count", "secret"  # secret 1: a private account
F_STATE_WORDS = (("special_state_info", "title"), ("special_state_info", "content"))  # banned notice

# Page wordings (visible text) that decide what an empty aweme_list means.
GONE_MARKERS = (
    "账号已被封禁",  # banned: 由于违反《抖音社区自律公约》的相关规定，该账号已被封禁
    "已注销账号",  # nickname of a closed account
    "账号已注销",
    "用户不存在",  # unknown sec_uid
)
NO_POSTS_MARKERS = ("该账号还未发布过作品",)  # 暂无内容 该账号还未发布过作品哦～ (exists, never posted)
PRIVATE_MARKERS = ("私密账号", "该账号已设为私密")  # owner hid the works [wording unconfirmed]
# Anti-bot wordings specific to Douyin (besides the generic ones in indicators.toml).
# Only consulted when no dated list was captured: normal pages load the acrawler SDK too.
ANTIBOT_MARKERS = ("验证码中间页", "请完成下列验证后继续")
CHALLENGE_MARKERS = ("byted_acrawler", "__ac_signature")  # both together: the cookie challenge page
BLOCKED_BODY = "blocked"  # literal body the API sends to a flagged client


def start(target: Target, settings: PlatformSettings) -> Fetch | AccountResult:
    """Open the profile page (a short ``v.douyin.com`` link is opened as given: it redirects there)."""
    return profile_fetch(
        target,
        HOSTS,
        PROFILE_PATH,
        lambda i: PROFILE_URL.format(sec_uid=i),
        POSTS_PATH,
        "no sec_uid in account_id or url",
        "sec_uid",
    )


def inpage(target: Target, settings: PlatformSettings) -> Fetch | None:
    """The account's post-list request for a warm Douyin page to make (its hook signs it)."""
    return inpage_fetch(
        target,
        HOSTS,
        PROFILE_PATH,
        lambda i: PROFILE_URL.format(sec_uid=i),
        "sec_uid",
        lambda i: Fetch(
            url=f"https://www.douyin.com{POSTS_PATH}?{POSTS_QUERY.format(sec_uid=i)}", step="inpage"
        ),
    )


def inpage_next(reply: Reply, target: Target, now: datetime) -> AccountResult:
    """The in-page post list, read as the profile page's capture (the spider keeps only ``latest``)."""
    sec_uid = str(reply.fetch.data.get("sec_uid", ""))
    return inpage_verdict(reply, _read_capture, posts_of(sec_uid), signed=_answered)


def inpage_info(fetch: Fetch) -> Fetch | None:
    """After a signed empty list (``fetch`` its request): the account's profile-info request, for
    the same warm page to make."""
    sec_uid = str(fetch.data.get("sec_uid", ""))
    if not sec_uid:
        return None
    url = f"https://www.douyin.com{INFO_PATH}?{INFO_QUERY.format(sec_uid=sec_uid)}"
    return Fetch(url=url, step="inpage_info", data=dict(fetch.data))


def inpage_info_next(reply: Reply, target: Target, now: datetime) -> AccountResult:
    """What the profile-info answer says about an empty list, with the profile page's own markers:
    ``gone``, ``private`` or ``no_posts``; ``unverified`` (the profile page decides) otherwise."""
    ev: dict[str, Any] = {"inpage": True, "info": True, "page_url": reply.fetch.data.get("page_url", "")}
    if reply.error or not reply.captured:
        return unverified(f"profile info: {reply.error or 'no answer'}", reply, **ev)
    cap = reply.captured[0]
    if (stop := capture_refused(cap, reply, "profile info", ev)) is not None:
        return stop
    data = capture_json(cap, reply, ev)
    if isinstance(data, AccountResult):
        return data
    user = dig(data, F_USER)
    if dig(data, F_STATUS) != 0 or not isinstance(user, dict):
        return unverified("profile info names no user", reply, **ev)
    words = " ".join(str(v) for f in ((F_NICKNAME,), *F_STATE_WORDS) if (v := dig(user, *f)))
    if marker := first_marker(words, GONE_MARKERS):
        return gone(f"profile info says {marker}", reply, marker=marker, **ev)
    if dig(user, F_SECRET) == 1:
        return private("profile info: secret 1 (private account)", reply, marker=F_SECRET, **ev)
    if dig(user, F_WORKS) == 0:
        result = from_posts([], reply, marker=F_WORKS, **ev)
        result.name = str(dig(user, F_NICKNAME, default="") or "")
        return result
    return unverified("profile info does not explain the empty list", reply, **ev)


def _answered(data: Any) -> bool:
    """A signed answer, empty lists included: ``status_code`` 0 with an ``aweme_list``."""
    return isinstance(data, dict) and dig(data, F_STATUS) == 0 and F_LIST in data


def _posts(items: list[Any]) -> list[Post]:
    posts = []
    for item in items:
        raw = dig(item, F_TIME)
        if not raw:
            continue  # an item without its own date says nothing about activity
        aweme_id = str(dig(item, F_ID, default=""))
        posts.append(
            Post(
                date=parse_timestamp(raw),
                raw=str(raw),
                id=aweme_id,
                url=VIDEO_URL.format(aweme_id=aweme_id) if aweme_id else "",
                title=str(dig(item, F_DESC, default="") or ""),
                text=post_words(dig(item, F_DESC)),
                pinned=bool(dig(item, F_TOP, default=0)),
                source="captured",
                comments_open=_switch(dig(item, *F_CAN_COMMENT)),
            )
        )
    return posts


def _switch(value: Any) -> bool | None:
    """A comment switch as shown (True/False, 1/0), None when the answer does not show it."""
    return bool(value) if isinstance(value, bool | int) else None


def _empty_list(reply: Reply, ev: dict[str, Any]) -> AccountResult:
    """An empty aweme_list: banned, closed, private and empty accounts all look like this."""
    text = reply.page_text
    if marker := first_marker(text, GONE_MARKERS):
        return gone(f"page says {marker}", reply, marker=marker, **ev)
    if marker := first_marker(text, PRIVATE_MARKERS):
        return private(f"page says {marker}", reply, marker=marker, **ev)
    if marker := first_marker(text, NO_POSTS_MARKERS):
        return from_posts([], reply, marker=marker, **ev)
    return unverified("empty aweme_list and no page wording to explain it", reply, **ev)


def _read_capture(cap: Captured, reply: Reply, ev: dict[str, Any]) -> AccountResult:
    if (stop := capture_refused(cap, reply, "post list", ev)) is not None:
        return stop
    if cap.text.strip() == BLOCKED_BODY:
        return unverified("post list answered 'blocked'", reply, **ev)
    data = capture_json(cap, reply, ev)
    if isinstance(data, AccountResult):
        return data
    code = dig(data, F_STATUS)
    ev[F_STATUS] = code
    if code not in (0, None):
        return unverified(f"status_code {code}", reply, **ev)
    if not isinstance(data, dict) or F_LIST not in data:
        return unverified("status_code 0 without aweme_list (not logged in)", reply, **ev)
    items = data.get(F_LIST) or []
    posts = _posts(items)
    if posts:
        result = from_posts(posts, reply, **ev)
        result.name = str(dig(items, 0, *F_AUTHOR_NAME, default="") or "")
        result.verification = " ".join(str(v) for f in F_VERIFY if (v := dig(items, 0, *f)))
        return result
    if items:
        return unverified("aweme_list items carry no create_time", reply, items=len(items), **ev)
    return _empty_list(reply, ev)


def _walk_lists(value: Any, depth: int = 0) -> list[list[Any]]:
    """Every ``post.data`` list in the page's server-rendered state."""
    found: list[list[Any]] = []
    if depth > 6 or not isinstance(value, dict):
        return found
    listing = dig(value, *SSR_POSTS)
    if isinstance(listing, list):
        found.append(listing)
    for child in value.values():
        found += _walk_lists(child, depth + 1)
    return found


def ssr_posts(html: str) -> list[Post]:
    """The older page form: ``<script id="RENDER_DATA">`` holding URL-encoded JSON whose ``post.data``
    lists the works (camelCase: ``awemeId``, ``desc``, ``createTime`` in unix seconds, ``isTop``)."""
    match = SSR_SCRIPT.search(html)
    if not match:
        return []
    try:
        state = json.loads(unquote(match.group(1)))
    except ValueError:
        return []
    posts = []
    for listing in _walk_lists(state):
        for item in listing:
            raw = dig(item, SSR_TIME)
            if not raw:
                continue
            aweme_id = str(dig(item, SSR_ID, default="") or "")
            posts.append(
                Post(
                    date=parse_timestamp(raw),
                    raw=str(raw),
                    id=aweme_id,
                    url=VIDEO_URL.format(aweme_id=aweme_id) if aweme_id else "",
                    title=str(dig(item, F_DESC, default="") or ""),
                    text=post_words(dig(item, F_DESC)),
                    pinned=bool(dig(item, SSR_TOP, default=False)),
                    source="html",
                )
            )
    return posts


def posts_of(sec_uid: str) -> Callable[[Any], bool]:
    """The shape of this account's post list, whatever address the page asked: an ``aweme_list``
    of works whose author is the account (the profile page also fetches lists of others' works --
    liked, recommended -- in the same shape)."""

    def shape(data: Any) -> bool:
        items = data.get(F_LIST) if isinstance(data, dict) else None
        if not isinstance(items, list) or not items:
            return False
        authors = {dig(item, *F_AUTHOR_UID) for item in items}
        return bool(sec_uid) and authors == {sec_uid}

    return shape


def _antibot_page(reply: Reply, ev: dict[str, Any]) -> AccountResult | None:
    """Douyin's own verification page and cookie challenge (only when no dated list was captured)."""
    if marker := first_marker(reply.page_text + reply.text[:4000], ANTIBOT_MARKERS):
        return unverified(f"anti-bot page ({marker})", reply, **ev)
    if all(m in reply.text for m in CHALLENGE_MARKERS):
        return unverified("anti-bot cookie challenge (byted_acrawler)", reply, **ev)
    return None


def next(reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult:  # noqa: A001
    """Judge the opened profile page: captured post list first, then the page's own wording."""
    sec_uid = str(reply.fetch.data.get("sec_uid", ""))
    result = judge_page(
        reply,
        POSTS_PATH,
        _read_capture,
        GONE_MARKERS,
        "the page fetched no post list",
        _antibot_page,
        shape=posts_of(sec_uid),
    )
    if result.state != "latest" and (older := ssr_posts(reply.text)):
        return from_posts(older, reply, form="RENDER_DATA", captured=len(reply.captured))
    return result
