"""Reading a profile page opened in Chromium: the JSON its own script fetched, then its wording.

Douyin, Toutiao, Kuaishou and 人民号 sign their post-list requests in page JavaScript, so their page
objects open the profile in a browser and read what the page captured (platforms.md §3, §4, §6, §8).
The mechanics are the same for all of them and live here; each platform module keeps its own
paths, field names, markers and the decisions about what its answers mean.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from crawlers.models import Target
from crawlers.platforms.base import (
    AccountResult,
    Captured,
    Fetch,
    Reply,
    blocked,
    gone,
    load_json,
    unverified,
)

# shape(parsed JSON) -> True when the answer is the platform's post list (in any of its forms)
Shape = Callable[[Any], bool]
# read(captured answer, page reply, evidence) -> the platform's verdict on that answer
CaptureReader = Callable[[Captured, Reply, dict[str, Any]], AccountResult]
# page_check(page reply, evidence) -> a verdict from the page's own wording, or None
PageCheck = Callable[[Reply, dict[str, Any]], AccountResult | None]


def first_marker(text: str, phrases: tuple[str, ...] | list[str]) -> str:
    """The first of ``phrases`` the text contains, '' when none (page objects shadow ``next``)."""
    for phrase in phrases:
        if phrase in text:
            return phrase
    return ""


def profile_page(
    target: Target, hosts: tuple[str, ...], path: re.Pattern[str], url_for: Callable[[str], str]
) -> tuple[str, str]:
    """``(account id, page URL)``: the id from ``account_id`` or the profile URL's path (``path``
    has an ``id`` group); with no id, a URL on one of ``hosts`` is opened as given (short links
    redirect to the profile). The URL is '' when the target names neither."""
    if target.account_id:
        ident = target.account_id.strip()
    else:
        m = path.match(urlsplit(target.url or "").path)
        ident = m.group("id") if m else ""
    if ident:
        return ident, url_for(ident)
    if (urlsplit(target.url or "").hostname or "") in hosts:
        return "", target.url
    return "", ""


# A profile page costs its platform's budget the page and the post list its own script fetches
# (a page seen to make more is charged more: spiders/account.py).
PAGE_REQUESTS = 2


def profile_fetch(
    target: Target,
    hosts: tuple[str, ...],
    path: re.Pattern[str],
    url_for: Callable[[str], str],
    capture: str,
    missing: str,
    data_key: str,
) -> Fetch | AccountResult:
    """Open the profile page in Chromium, capturing the answers whose URL contains ``capture`` (the
    account id carried as ``data[data_key]``); ``unverified`` with ``missing`` when the target names
    no account."""
    ident, url = profile_page(target, hosts, path, url_for)
    if not url:
        return unverified(missing, url=target.url)
    return Fetch(
        url=url, step="profile", browser=True, capture=capture, data={data_key: ident}, requests=PAGE_REQUESTS
    )


def _parsed(cap: Captured) -> Any:
    text = cap.text.lstrip()
    if not text.startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def captures(reply: Reply, path: str | tuple[str, ...], shape: Shape | None = None) -> list[Captured]:
    """The captured answers that are the post list: first those whose JSON has the platform's
    ``shape`` (whatever address the page asked: a REST path, a GraphQL endpoint), then those at the
    known ``path`` or paths (an error, an empty or malformed body has no shape), in the page's order."""
    paths = (path,) if isinstance(path, str) else path
    shaped = [c for c in reply.captured if shape is not None and shape(_parsed(c))] if shape else []
    return shaped + [c for c in reply.captured if any(p in c.url for p in paths) and c not in shaped]


def capture_reply(reply: Reply, cap: Captured) -> Reply:
    """A captured answer as a :class:`Reply` of its own (its URL and status), for the JSON helpers."""
    return Reply(fetch=reply.fetch, url=cap.url, status=cap.status, text=cap.text, words=reply.words)


def capture_refused(cap: Captured, reply: Reply, what: str, ev: dict[str, Any]) -> AccountResult | None:
    """``unverified`` when the platform refused the page's own request (anti-bot or any 4xx/5xx)."""
    if cap.status in reply.words.antibot_statuses or cap.status >= 400:
        throttled = cap.status in reply.words.antibot_statuses
        return unverified(f"{what} HTTP {cap.status}", reply, throttled=throttled, **ev)
    return None


def capture_json(cap: Captured, reply: Reply, ev: dict[str, Any]) -> Any | AccountResult:
    """The captured answer as JSON, or ``unverified`` (empty or malformed) carrying the page URL."""
    data = load_json(capture_reply(reply, cap))
    if isinstance(data, AccountResult):
        data.evidence.update(ev, page_url=reply.url)
    return data


def capture_data(cap: Captured, reply: Reply, what: str, ev: dict[str, Any]) -> Any | AccountResult:
    """:func:`capture_refused`, then :func:`capture_json`: the answer's JSON or why we could not look."""
    return capture_refused(cap, reply, what, ev) or capture_json(cap, reply, ev)


def judge_page(
    reply: Reply,
    capture: str | tuple[str, ...],
    read: CaptureReader,
    gone_markers: tuple[str, ...],
    missing: str,
    page_check: PageCheck | None = None,
    shape: Shape | None = None,
) -> AccountResult:
    """Judge an opened profile page: the first captured ``capture`` answer, read by ``read``, wins
    when it dates posts (the platform's own list beats any wording around it); otherwise the page's
    own anti-bot wording (``page_check``) and the generic blocks come first, then ``read``'s verdict;
    with nothing captured, a gone wording, an anti-bot phrase, or ``missing``."""
    ev: dict[str, Any] = {"captured": len(reply.captured)}
    if reply.error:
        return unverified(f"network: {reply.error}", reply, transient=reply.error == "timeout")
    caps = captures(reply, capture, shape)
    result = read(caps[0], reply, ev) if caps else None
    if result is not None and result.state == "latest":
        return result
    if page_check is not None and (stop := page_check(reply, ev)) is not None:
        return stop
    if (stop := blocked(reply)) is not None:
        stop.evidence.update(ev)
        return stop
    if result is not None:
        return result
    if marker := first_marker(reply.page_text, gone_markers):
        return gone(f"page says {marker}", reply, marker=marker, **ev)
    if marker := first_marker(reply.page_text, reply.words.antibot_phrases):
        return unverified(f"anti-bot page ({marker})", reply, throttled=True, **ev)
    return unverified(missing, reply, transient=not caps, **ev)  # nothing captured: maybe a slow page


# ---------------------------------------------------------------- the in-page path (a warm page)


def inpage_fetch(
    target: Target,
    hosts: tuple[str, ...],
    path: re.Pattern[str],
    url_for: Callable[[str], str],
    data_key: str,
    request: Callable[[str], Fetch],
) -> Fetch | None:
    """The account's post-list request as the platform's own profile page makes it (``request`` of
    the account id; the page's hook adds the signature), for a warm page of the platform to run; the
    account id travels as ``data[data_key]``. None when the target names no account id (a short
    link): only its profile page can tell which account it is."""
    ident, page_url = profile_page(target, hosts, path, url_for)
    if not ident:
        return None
    fetch = request(ident)
    fetch.data.update({data_key: ident, "page_url": page_url})
    return fetch


def inpage_signed(reply: Reply, shape: Shape | None = None) -> bool:
    """Whether the in-page answer is the platform's signed list answer (its ``shape``, or any JSON
    when the platform's answer names no account): not a refusal, an error or another shape."""
    if reply.error or not reply.captured:
        return False
    cap = reply.captured[0]
    if cap.status >= 400 or cap.status in reply.words.antibot_statuses:
        return False
    parsed = _parsed(cap)
    return shape(parsed) if shape is not None else parsed is not None


def inpage_verdict(
    reply: Reply, read: CaptureReader, shape: Shape | None = None, signed: Shape | None = None
) -> AccountResult:
    """The in-page answer read as the profile page's capture is. The spider keeps it only when it
    dates the account (``latest``): the list answer then carries every fact the profile page gives
    (name, verification, comment switches, posts). Anything else needs what only the account's own
    profile page shows (the wording of an empty list, a captcha) and is opened as before. ``signed``
    tells the platform's signed answers from its refusals when ``shape`` is narrower (an empty list)."""
    ev: dict[str, Any] = {"inpage": True, "signed": inpage_signed(reply, signed or shape)}
    if reply.error:
        return unverified(f"in-page fetch: {reply.error}", reply, **ev)
    if not reply.captured:
        return unverified("in-page fetch: no answer", reply, **ev)
    result = read(reply.captured[0], reply, ev)
    result.evidence.update(inpage=True, signed=ev["signed"])
    result.evidence.setdefault("page_url", reply.fetch.data.get("page_url", ""))
    return result
