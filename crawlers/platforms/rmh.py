"""人民号 (rmh.pdnews.cn): the account page rendered in Chromium, read from the post list
its own script fetches.

No per-account list endpoint is documented, so the page object opens the author page in a browser
and reads the JSON list the page fetches (``authorList``), falling back to dates in the page's
visible text when no list was captured. The page path, the list endpoint, its fields and its error
codes are all [unconfirmed]: kept here so a real observation is a one-module fix. The spider may run
the same list request inside a warm author page instead (:func:`inpage`, spiders/warmpages.py); only
a dated answer is kept, anything else opens the author page.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from typing import Any

from crawlers.dates import find_dates, parse_date, parse_timestamp
from crawlers.models import Target
from crawlers.platforms.base import (
    AccountResult,
    Captured,
    Fetch,
    PlatformSettings,
    Post,
    Reply,
    blocked,
    checked_json,
    dig,
    from_posts,
    gone,
    post_words,
    unverified,
)
from crawlers.platforms.capture import capture_reply, captures, inpage_verdict

KEY = "rmh"
HOSTS = ("rmh.pdnews.cn", "wap.peopleapp.com")
NEEDS_BROWSER = True

AUTHOR_PAGE = "https://rmh.pdnews.cn/Pc/Author/index?author_id={author_id}"  # [unconfirmed]
LIST_CAPTURE = "/Pc/ArticleApi/authorList"  # [unconfirmed] the list the author page's script fetches
LIST_URL = (
    "https://rmh.pdnews.cn" + LIST_CAPTURE + "?author_id={author_id}&page=1&page_size=20"
)  # [unconfirmed]
ARTICLE_URL = "https://rmh.pdnews.cn/Pc/ArtInfoApi/article?id={id}"  # confirmed (article pages)
ID_IN_URL = re.compile(r"author_id=(\d+)|/author/(\d+)|/rmh/(\d+)", re.IGNORECASE)

# [unconfirmed] list answer: {"code":200,"msg":..,"data":{"author":{..},"list":[..],"total":N}}
CODE_OK = 200
CODES_GONE = {4004: "author does not exist", 4005: "account banned"}  # [unconfirmed]
GONE_PHRASES = ("作者不存在", "账号已注销", "已被封禁")  # [unconfirmed]
F_TIME_TEXT = "publish_time"  # "2024-09-26 10:00:00", or relative ("5小时前", "昨天 12:30")
F_TIME_STAMP = "publish_time_stamp"  # unix s/ms when present [unconfirmed]
F_PINNED = "is_top"  # 1 on a pinned (置顶) item [unconfirmed]


def _author_id(target: Target) -> str:
    if target.account_id and target.account_id.strip().isdigit():
        return target.account_id.strip()
    m = ID_IN_URL.search(target.url or "")
    return "".join(g for g in m.groups() if g) if m else ""  # one group matched (module shadows next)


def start(target: Target, settings: PlatformSettings) -> Fetch | AccountResult:
    author_id = _author_id(target)
    if not author_id:
        return unverified("no account id (author_id) in the target", url=target.url)
    return Fetch(
        url=AUTHOR_PAGE.format(author_id=author_id),
        step="page",
        browser=True,
        capture=LIST_CAPTURE,
        data={"author_id": author_id},
        requests=2,  # the author page and the list its script fetches (its platform budget counts both)
    )


def inpage(target: Target, settings: PlatformSettings) -> Fetch | None:
    """The author's list request as the author page's script makes it, for a warm page to run."""
    author_id = _author_id(target)
    if not author_id:
        return None
    return Fetch(
        url=LIST_URL.format(author_id=author_id),
        step="inpage",
        headers={"X-Requested-With": "XMLHttpRequest"},
        data={"author_id": author_id, "page_url": AUTHOR_PAGE.format(author_id=author_id)},
    )


def inpage_next(reply: Reply, target: Target, now: datetime) -> AccountResult:
    """The in-page list, read as the author page's capture (the spider keeps only ``latest``)."""
    return inpage_verdict(reply, lambda cap, r, ev: _from_list(r, cap, now), signed=_answered)


def _answered(data: Any) -> bool:
    """The list endpoint's own answer (any ``code``), not a refusal page."""
    return isinstance(data, dict) and "code" in data


def next(reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult:  # noqa: A001 - protocol
    # The page itself: network failures, anti-bot statuses, login redirects. Its rendered HTML holds
    # post titles, so the phrase check runs on the visible text only when no list was captured.
    stop = blocked(dataclasses.replace(reply, text=""))
    if stop:
        return stop
    lists = captures(reply, LIST_CAPTURE)
    if lists:
        return _from_list(reply, lists[-1], now)
    return _from_page_text(reply, now)


def _from_list(reply: Reply, cap: Captured, now: datetime) -> AccountResult:
    answer = capture_reply(reply, cap)
    data = checked_json(answer)
    if isinstance(data, AccountResult):
        return data
    code, msg = dig(data, "code"), str(dig(data, "msg", default="") or "")
    if code in CODES_GONE:
        return gone(CODES_GONE[code], answer, code=code, msg=msg)
    if code != CODE_OK and any(p in msg for p in GONE_PHRASES):
        return gone(f"account gone ({msg})", answer, code=code)
    if code != CODE_OK:
        return unverified(f"list code {code}", answer, code=code, msg=msg)
    items = dig(data, "data", "list")
    if not isinstance(items, list):
        return unverified("list answer without items", answer, code=code)
    posts = [p for p in (_post(i, now) for i in items) if p is not None]
    if items and not posts:
        return unverified("posts without dates", answer, items=len(items))
    if not posts and (not dig(data, "data", "author") or dig(data, "data", "total") not in (0, "0")):
        return unverified("empty list without a known, empty account", answer, code=code)
    result = from_posts(posts, answer, page=reply.url)
    result.name = str(dig(data, "data", "author", "name", default="") or "")
    return result


def _post(item: Any, now: datetime) -> Post | None:
    stamp, text = dig(item, F_TIME_STAMP), str(dig(item, F_TIME_TEXT, default="") or "")
    if str(stamp or "").isdigit() and int(stamp) > 0:
        date: datetime | None = parse_timestamp(stamp)
        raw = str(stamp)
    else:
        date, raw = parse_date(text, now), text
    if date is None:
        return None
    post_id = str(dig(item, "id", default="") or "")
    return Post(
        date=date,
        raw=raw,
        id=post_id,
        url=ARTICLE_URL.format(id=post_id) if post_id else "",
        title=str(dig(item, "title", default="") or ""),
        text=post_words(dig(item, "title"), dig(item, "summary")),
        pinned=dig(item, F_PINNED) in (1, "1", True),
        source="captured",
    )


def _from_page_text(reply: Reply, now: datetime) -> AccountResult:
    """No list captured: anti-bot text means we could not look; dates in the text are posts."""
    text = reply.page_text
    for phrase in reply.words.antibot_phrases:
        if phrase in text:
            return unverified(f"anti-bot page ({phrase})", reply)
    pinned = reply.words.pinned_markers
    posts = []
    for line in text.splitlines():
        for date, raw in find_dates(line, now):
            is_pinned = any(m in line for m in pinned)
            posts.append(
                Post(
                    date=date,
                    raw=raw,
                    title=line.strip()[:80],
                    pinned=is_pinned,
                    source="html",
                    text=line.strip(),
                )
            )
    if not posts:
        return unverified("no post list captured", reply, transient=True, page_text_chars=len(text))
    return from_posts(posts, reply, via="page_text")
