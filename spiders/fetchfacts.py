"""What one fetch showed, reduced to facts: how long it took, the failure class of an error, and
the page's text.

Inspectors read "超时" or "域名解析失败", not Twisted tracebacks, and the availability rule counts
DNS, TCP, TLS, timeout and HTTP failures alike; so every failure is named with one short class.
Government pages are often GBK and often mislabelled (a ``utf-8`` header over a GBK body), so the
text is decoded robustly rather than trusted to the declared charset.
"""

from __future__ import annotations

import re
import time
from typing import Any

from scrapy import Request, Spider
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.http import Response, TextResponse
from twisted.internet import error as tx_error
from twisted.python.failure import Failure

from crawlers.resolver import T0
from crawlers.ssrf import BlockedAddress
from spiders.budget import SiteBudgetSpent

# (failure class, exception types); checked in order along the exception's cause chain
_TYPES: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    ("blocked", (BlockedAddress,)),  # the SSRF guard refused the address (before "dns": a subclass)
    ("timeout", (DownloadTimeoutError, tx_error.TimeoutError, TimeoutError)),
    ("dns", (CannotResolveHostError, tx_error.DNSLookupError)),
    ("refused", (DownloadConnectionRefusedError, tx_error.ConnectionRefusedError)),
)
# (failure class, lower-case message fragments): Chromium net errors, OpenSSL, Scrapy messages
_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("blocked", ("[network] allow_hosts",)),  # the guard's words, when only its message survived
    ("redirect_loop", ("max redirections", "err_too_many_redirects")),
    ("too_large", ("max size", "maxsize", "larger than download")),
    ("timeout", ("timeout", "timed out", "took longer than")),
    ("dns", ("err_name_not_resolved", "dns lookup", "name resolution")),
    ("refused", ("connection refused", "err_connection_refused")),
    ("tls", ("ssl", "tls", "certificate", "err_cert", "handshake")),
)
_LATIN = frozenset(
    {"latin-1", "latin1", "iso-8859-1", "iso8859-1", "cp1252", "windows-1252", "ascii", "us-ascii"}
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def stamp(request: Request, spider: Spider) -> None:
    """``request_reached_downloader`` handler: start the request's clock (kept across redirects, so
    a redirected fetch is timed from its first hop)."""
    request.meta.setdefault(T0, time.monotonic())


def elapsed_ms(request: Request) -> float | None:
    """Milliseconds since the request was stamped (0.1 ms precision), ``None`` when never sent."""
    t0 = request.meta.get(T0)
    return round((time.monotonic() - t0) * 1000, 1) if t0 else None


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception, its causes, and the reasons Twisted wraps inside ResponseFailed & co."""
    seen: list[BaseException] = []
    todo: list[Any] = [exc]
    while todo and len(seen) < 12:
        item = todo.pop(0)
        if isinstance(item, Failure):
            item = item.value
        if not isinstance(item, BaseException) or item in seen:
            continue
        seen.append(item)
        todo += [item.__cause__, item.__context__, *getattr(item, "reasons", [])]
    return seen


def classify_failure(failure: Failure | BaseException) -> tuple[str, str]:
    """``(error class, detail)`` for a failed download; the class is one of the PageObservation ones."""
    exc = failure.value if isinstance(failure, Failure) else failure
    if exc is None:  # a Failure always carries its exception; the stubs allow None
        exc = RuntimeError("failure without an exception")
    chain = _chain(exc)
    detail = f"{type(exc).__name__}: {exc}"[:500]
    if any(isinstance(e, SiteBudgetSpent) for e in chain):
        return "site_budget", detail
    for name, types in _TYPES:
        if any(isinstance(e, types) for e in chain):
            return name, detail
    text = " ".join(f"{type(e).__name__} {e}" for e in chain).lower()
    for name, words in _WORDS:
        if any(w in text for w in words):
            return name, detail
    if isinstance(exc, DownloadCancelledError) and ("size" in text or not str(exc)):
        # Scrapy cancels a body that outgrows DOWNLOAD_MAXSIZE while streaming (no Content-Length)
        # with a bare cancellation; timeouts and budgets raise their own types above
        return "too_large", detail if str(
            exc
        ) else "body over the size cap while streaming (no Content-Length)"
    return "other", detail


def redirect_failure(urls: list[str], last: str, limit: int) -> tuple[str, str]:
    """Refine a redirect failure: a chain that comes back to a URL is a loop, else merely too long.
    The detail carries the chain an inspector can follow by hand."""
    chain = [*urls, last] if not urls or urls[-1] != last else list(urls)
    kind = "redirect_loop" if len(set(chain)) < len(chain) else "too_many_redirects"
    shown = chain if len(chain) <= 20 else [*chain[:10], "...", *chain[-9:]]
    return kind, f"more than {limit} redirects: " + " -> ".join(shown)


#: Content-Type main types and application subtypes that are never a web page
_NOT_PAGE_MAIN = frozenset({"image", "audio", "video", "font", "model"})
_PAGE_APPLICATION = frozenset({"xhtml+xml", "xml", "json", "javascript", "x-javascript"})


def non_html(response: Response) -> str:
    """The Content-Type of a response that is not a page (a PDF, an image, a Word file), else ''."""
    raw = (response.headers.get(b"Content-Type") or b"").decode("latin-1").split(";", 1)[0].strip().lower()
    main, _, sub = raw.partition("/")
    if main in _NOT_PAGE_MAIN or (main == "application" and sub not in _PAGE_APPLICATION):
        return raw
    return ""


def _bad(text: str) -> int:
    return text.count("\ufffd")


def decode_html(response: Response) -> tuple[str, str]:
    """``(text, encoding)``: the declared decoding unless it produced replacement characters (or
    is a Latin-1 default over non-ASCII bytes), then the ``<meta charset>`` of the body, then
    GB18030 (a superset of GB2312 and GBK), then UTF-8."""
    if not isinstance(response, TextResponse):
        return "", ""
    body = response.body
    text, encoding = response.text, response.encoding
    latin = encoding.lower().replace("_", "-") in _LATIN and not body.isascii()
    if not _bad(text) and not latin:
        return text, encoding
    candidates: list[str] = []
    match = _META_CHARSET.search(body[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii").lower())
    candidates += ["gb18030", "utf-8"]
    best_text, best_enc = text, encoding
    for enc in candidates:
        if enc in ("gb2312", "gbk"):
            enc = "gb18030"  # decode with the superset; a GB2312 label often hides GBK characters
        try:
            alt = body.decode(enc, errors="replace")
        except LookupError:
            continue
        if _bad(alt) < _bad(best_text) or (latin and best_enc == encoding and not _bad(alt)):
            best_text, best_enc = alt, enc
        if not _bad(best_text) and best_enc != encoding:
            break
    return best_text, best_enc
