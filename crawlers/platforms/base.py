"""The page-object contract for new-media platforms, and helpers every platform shares.

A page object knows one platform: its hosts, endpoint paths, field names, date parsing, pinned,
"gone" and anti-bot markers. It knows nothing of Scrapy or storage: the account spider asks it for
the first :class:`Fetch`, performs it (rewriting the origin when configured, in Chromium when
``browser`` is set), hands back a :class:`Reply`, and repeats with whatever ``next`` returns until
it returns an :class:`AccountResult`. Recorded cases replay the same protocol without a network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from html import unescape
from typing import Any, Literal, Protocol

from crawlers.models import Record, Target
from crawlers.pagewords import PageWords, load_page_words

State = Literal["latest", "no_posts", "gone", "private", "unverified"]


@dataclass
class Fetch:
    """One request a page object wants made, on the platform's REAL host (the spider rewrites it)."""

    url: str
    step: str  # the page object's own name for this step: "index", "posts", "nav", ...
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None  # POST body (JSON or form), already encoded as text
    browser: bool = False  # open in Chromium and capture the JSON the page's own script fetches
    capture: str = ""  # with browser: a substring of the captured JSON request's URL path
    data: dict[str, Any] = field(default_factory=dict)  # state carried to the next step
    # requests the platform sees for this fetch, counted against its budget: 1, or for a browser
    # page the page itself and the data requests its own script makes (the page object declares it)
    requests: int = 1


@dataclass
class Captured(Record):
    """A JSON response the page's own script fetched while the page was open in Chromium."""

    url: str
    status: int
    text: str


@dataclass
class Reply:
    """What came back for a :class:`Fetch`. Redirects are NOT followed: 3xx arrive here as they are."""

    fetch: Fetch
    url: str  # the requested URL, on the platform's real host
    status: int | None  # None when the request failed below HTTP
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    text: str = ""
    error: str | None = None  # timeout | dns | refused | tls | other
    captured: list[Captured] = field(default_factory=list)  # browser fetches only
    page_text: str = ""  # browser fetches: the rendered page's visible text
    # the page vocabulary (anti-bot and pinned markers): the office's when the spider was given one
    words: PageWords = field(default_factory=load_page_words)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Post(Record):
    """One post with its own date (never its position) and where that date came from."""

    date: datetime
    raw: str  # the raw value the date was read from (unix seconds, "3天前", ...)
    id: str = ""
    url: str = ""
    title: str = ""
    pinned: bool = False
    source: str = "json"  # json | html | captured
    text: str = ""  # all the post's words the page object saw (title, description, text), untruncated
    comments_open: bool | None = None  # the post's comment switch, where the platform shows it
    links: list[str] = field(default_factory=list)  # URLs the post links to that its words do not show

    def to_dict(self) -> dict[str, Any]:
        """Without ``text``: it may hold personal numbers, and reaches storage only masked, through
        :func:`crawlers.contentwatch.observe_post`."""
        data = super().to_dict()
        data.pop("text", None)
        return data


@dataclass
class AccountResult(Record):
    """Exactly one outcome per account check."""

    state: State
    latest: Post | None = None  # the newest post: max date over the first page, pinned included
    posts: list[Post] = field(default_factory=list)  # every dated post seen on the first page
    reason: str = ""  # why, for unverified / gone / private ("captcha", "HTTP 432", "no public list")
    evidence: dict[str, Any] = field(default_factory=dict)  # url, status, markers, counts
    name: str = ""  # the account's display name, when the platform showed it
    verification: str = ""  # its verification text (认证信息), when the platform showed it
    transient: bool = False  # the page object suspects a passing cause (a slow render): worth one retry
    throttled: bool = False  # the platform's throttle or anti-bot answer: it wants us to ask slower


@dataclass(frozen=True)
class PlatformSettings:
    """What an office configured for one platform (cookies and credentials are secrets)."""

    cookies: dict[str, str] = field(default_factory=dict)
    credentials: dict[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"PlatformSettings(cookies={sorted(self.cookies)}, credentials={sorted(self.credentials)})"


class PageObject(Protocol):
    """What every platform module exposes (module-level names, registered in ``__init__``)."""

    KEY: str
    HOSTS: tuple[str, ...]  # every host its requests go to: the origin rewrite applies to all
    NEEDS_BROWSER: bool

    def start(self, target: Target, settings: PlatformSettings) -> Fetch | AccountResult: ...
    def next(self, reply: Reply, target: Target, now: datetime) -> Fetch | AccountResult: ...


# ---------------------------------------------------------------------------------------------- helpers


def newest(posts: list[Post]) -> Post | None:
    """The newest post by its own date: a pinned old post neither hides nor fakes activity."""
    return max(posts, key=lambda p: p.date) if posts else None


def from_posts(posts: list[Post], reply: Reply, **evidence: Any) -> AccountResult:
    """``latest`` over the posts, or ``no_posts`` when the platform showed an existing, empty list."""
    top = newest(posts)
    ev = {"url": reply.url, "status": reply.status, "posts_seen": len(posts), **evidence}
    if top is None:
        return AccountResult(state="no_posts", evidence=ev)
    return AccountResult(
        state="latest", latest=top, posts=sorted(posts, key=lambda p: p.date, reverse=True), evidence=ev
    )


def unverified(
    reason: str,
    reply: Reply | None = None,
    *,
    transient: bool = False,
    throttled: bool = False,
    **evidence: Any,
) -> AccountResult:
    ev = {"url": reply.url, "status": reply.status, **evidence} if reply else dict(evidence)
    return AccountResult(
        state="unverified", reason=reason, evidence=ev, transient=transient, throttled=throttled
    )


def gone(reason: str, reply: Reply, **evidence: Any) -> AccountResult:
    return AccountResult(
        state="gone", reason=reason, evidence={"url": reply.url, "status": reply.status, **evidence}
    )


def private(reason: str, reply: Reply, **evidence: Any) -> AccountResult:
    return AccountResult(
        state="private", reason=reason, evidence={"url": reply.url, "status": reply.status, **evidence}
    )


def blocked(reply: Reply) -> AccountResult | None:
    """The generic 'we could not look' cases: network failure, anti-bot statuses,
    login/passport redirects, captcha and rate-limit pages. ``None`` when none applies."""
    words = reply.words
    if reply.error:
        return unverified(f"network: {reply.error}", reply)
    if reply.status in words.antibot_statuses:
        return unverified(f"HTTP {reply.status}", reply, throttled=True)
    if reply.status is not None and 300 <= reply.status < 400:
        loc = reply.location.lower()
        if "passport" in loc or "login" in loc or "captcha" in loc or "verify" in loc:
            return unverified("login wall (redirect)", reply, location=reply.location)
    text = reply.text[:4000]
    if _looks_like_json(text):
        return None  # a post may well say 验证码: phrases count only on pages, not in data
    for phrase in words.antibot_phrases:
        if phrase in text:
            return unverified(f"anti-bot page ({phrase})", reply, throttled=True)
    if reply.status is not None and reply.status >= 500:
        return unverified(f"HTTP {reply.status}", reply)
    return None


def _looks_like_json(text: str) -> bool:
    head = text.lstrip()[:200]
    if head.startswith(("{", "[")):
        return True
    # JSONP: callback({...})
    paren = head.find("(")
    return (
        0 < paren < 80
        and head[:paren].replace("_", "").replace(".", "").replace("$", "").isalnum()
        and head[paren + 1 :].lstrip().startswith(("{", "["))
    )


def load_json(reply: Reply) -> Any | AccountResult:
    """The body as JSON, or an ``unverified`` result for an empty or malformed body (never 'gone').

    JSONP (``callback({...})``) is unwrapped."""
    text = reply.text.strip()
    if not text:
        return unverified("empty body", reply)
    if not text.startswith(("{", "[")) and "(" in text and text.endswith((")", ");")):
        text = text[text.index("(") + 1 : text.rindex(")")]
    try:
        return json.loads(text)
    except ValueError:
        return unverified("malformed JSON", reply, body_start=text[:80])


def post_words(*values: Any) -> str:
    """A post's words for the content watch: the non-empty values given, once each, tags removed."""
    seen: list[str] = []
    for value in values:
        text = _TAG.sub("", str(value or "")).strip()
        if text and text not in seen:
            seen.append(text)
    return "\n".join(seen)


_TAG = re.compile(r"<[^>]+>")
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.I)


def hrefs(*html: Any) -> list[str]:
    """The absolute http(s) link targets in HTML fragments (a post's text keeps only the anchor's
    words, e.g. 网页链接; the repost watch needs where it points), once each, in order."""
    found = [unescape(m) for value in html for m in _HREF.findall(str(value or ""))]
    return list(dict.fromkeys(u for u in found if u.lower().startswith(("http://", "https://"))))


def dig(data: Any, *path: str | int, default: Any = None) -> Any:
    """``data[a][b][c]`` that returns ``default`` instead of raising on a missing step."""
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return default
    return data


def rewrite_origin(url: str, hosts: tuple[str, ...], origin: str) -> str:
    """Send a platform URL to another origin (the simulated web, a mirror, a proxy), path and query
    unchanged; URLs on other hosts are returned as they are."""
    if not origin:
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if (parts.hostname or "") not in hosts:
        return url
    new = urlsplit(origin)
    return urlunsplit((new.scheme, new.netloc, parts.path or "/", parts.query, ""))


def checked_json(reply: Reply) -> Any | AccountResult:
    """The body as JSON (any shape, any status the generic checks let through), or why not.

    Statuses, network errors and login redirects come first; anti-bot phrases are looked for only in
    a body that is not JSON: post titles inside a valid answer may well say 验证码 (scam warnings).
    """
    stop = blocked(replace(reply, text=""))
    if stop:
        return stop
    data = load_json(reply)
    if isinstance(data, AccountResult):
        return blocked(reply) or data
    return data


def read_json(reply: Reply, page_check: Callable[[Reply], AccountResult | None] | None = None) -> Any:
    """A JSON (or JSONP) object body, or the :class:`AccountResult` saying why we could not look.

    Statuses, network errors and login redirects are checked first; anti-bot phrases only in a
    body that is not JSON (a police account's post may well say 验证码). ``page_check`` adds a
    platform's own markers for non-JSON pages (a visitor wall, a captcha title).
    """
    early = blocked(replace(reply, text=""))
    if early is not None:
        return early
    if reply.status is not None and reply.status != 200:
        return unverified(f"HTTP {reply.status}", reply, location=reply.location or None)
    data = load_json(reply)
    if isinstance(data, AccountResult):
        return (page_check(reply) if page_check else None) or blocked(reply) or data
    if not isinstance(data, dict):
        return unverified("unexpected JSON shape", reply)
    return data
