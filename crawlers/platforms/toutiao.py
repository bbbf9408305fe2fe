"""Toutiao (今日头条) accounts: open the profile page in Chromium and read the feed its script fetches.

``/api/pc/list/feed`` needs ``a_bogus``/``_signature`` computed by Toutiao's JavaScript, so the page
makes the request and we capture its JSON (platforms.md §4). ``data: []`` means "never posted" only
when the page itself shows the account (its follower counters); ``data: null`` is a refusal, and an
empty list on a page that shows nothing is ``unverified``, never ``no_posts``.
"""

from __future__ import annotations

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

KEY = "toutiao"
HOSTS = ("www.toutiao.com", "toutiao.com", "m.toutiao.com")
NEEDS_BROWSER = True

PROFILE_URL = "https://www.toutiao.com/c/user/token/{token}/"
PROFILE_PATH = re.compile(r"^/c/user/token/(?P<id>[A-Za-z0-9_\-]+)")
FEED_PATH = "/api/pc/list/feed"  # what the page's script fetches (category=profile_all, signed)
# The profile page's own feed request; the page's signing adds _signature to it.
FEED_QUERY = "category=profile_all&token={token}&max_behot_time=0&entrance_gid=&aid=24&app_name=toutiao_web"
OLD_FEED_PATH = "/api/pc/list/user/feed"  # the older form (_signature): the same data[] answer
# The feed's items name no author, so a list of others' items would have the same shape: the
# answer is picked by the two addresses the profile's own feed has had.

# Fields of the feed answer: data[] with publish_time in unix seconds.
F_DATA = "data"  # [] = nothing published; null = refused (RSSHub rejects it)
F_ID, F_GROUP_ID, F_TIME, F_CELL = "id", "group_id", "publish_time", "cell_type"
F_TITLE, F_CONTENT = "title", "content"  # 微头条 (cell_type 32) has content, not a title
F_BAN_COMMENT = "ban_comment"  # 1 = comments closed on the item [field name unconfirmed]
ITEM_URLS = {  # cell_type -> the item's public URL
    0: "https://www.toutiao.com/video/{id}/",
    49: "https://www.toutiao.com/video/{id}/",
    32: "https://www.toutiao.com/w/{id}/",
    60: "https://www.toutiao.com/article/{id}/",
}
# No pinned flag has been seen in the feed [unconfirmed]: newest is max(publish_time) anyway.

# Visible page wordings.
GONE_MARKERS = ("用户不存在", "账号已注销")  # 你访问的用户不存在 / closed account
EXISTS_MARKERS = ("粉丝", "关注")  # the profile header's counters: the account is really there


def start(target: Target, settings: PlatformSettings) -> Fetch | AccountResult:
    """Open the profile page (an old ``/c/user/{id}/`` or short link is opened as given)."""
    return profile_fetch(
        target,
        HOSTS,
        PROFILE_PATH,
        lambda i: PROFILE_URL.format(token=i),
        FEED_PATH,
        "no user token in account_id or url",
        "token",
    )


def inpage(target: Target, settings: PlatformSettings) -> Fetch | None:
    """The account's feed request for a warm Toutiao page to make (signed only if the page hooks it)."""
    return inpage_fetch(
        target,
        HOSTS,
        PROFILE_PATH,
        lambda i: PROFILE_URL.format(token=i),
        "token",
        lambda i: Fetch(
            url=f"https://www.toutiao.com{FEED_PATH}?{FEED_QUERY.format(token=i)}", step="inpage"
        ),
    )


def inpage_next(reply: Reply, target: Target, now: datetime) -> AccountResult:
    """The in-page feed, read as the profile page's capture (the spider keeps only ``latest``)."""
    return inpage_verdict(reply, _read_capture)


def _posts(items: list[Any]) -> list[Post]:
    posts = []
    for item in items:
        raw = dig(item, F_TIME)
        if not raw:
            continue  # an item without its own date says nothing about activity
        item_id = str(dig(item, F_ID, default="") or dig(item, F_GROUP_ID, default="") or "")
        pattern = ITEM_URLS.get(dig(item, F_CELL, default=-1), "")
        text = str(dig(item, F_TITLE, default="") or dig(item, F_CONTENT, default="") or "")
        posts.append(
            Post(
                date=parse_timestamp(raw),
                raw=str(raw),
                id=item_id,
                url=pattern.format(id=item_id) if pattern and item_id else "",
                title=text.split("\n", 1)[0][:100],
                text=post_words(dig(item, F_TITLE), dig(item, F_CONTENT)),
                source="captured",
                comments_open=None if (ban := dig(item, F_BAN_COMMENT)) is None else not ban,
            )
        )
    return posts


def _read_capture(cap: Captured, reply: Reply, ev: dict[str, Any]) -> AccountResult:
    data = capture_data(cap, reply, "feed", ev)
    if isinstance(data, AccountResult):
        return data
    items = dig(data, F_DATA)
    ev["message"] = dig(data, "message")
    if not isinstance(items, list):
        return unverified("feed data is null (refused)", reply, **ev)
    posts = _posts(items)
    if posts:
        return from_posts(posts, reply, **ev)
    if items:
        return unverified("feed items carry no publish_time", reply, items=len(items), **ev)
    if marker := first_marker(reply.page_text, GONE_MARKERS):
        return gone(f"page says {marker}", reply, marker=marker, **ev)
    if all(m in reply.page_text for m in EXISTS_MARKERS):
        return from_posts([], reply, **ev)
    return unverified("empty feed and the page does not show the account", reply, **ev)


def next(reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult:  # noqa: A001
    """Judge the opened profile page: the captured feed first, then the page's own wording."""
    return judge_page(
        reply, (FEED_PATH, OLD_FEED_PATH), _read_capture, GONE_MARKERS, "the page fetched no feed"
    )
