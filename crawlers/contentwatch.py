"""The content watch's facts: a page, attachment or post as a :class:`TextObservation`.

These are the functions the spiders call. Each reads the text, masks every unmasked personal number
at once (:mod:`crawlers.privacy`) and keeps only the masked text and the masked candidates, so
nothing a spider yields, logs or stores carries a full number. No judgment here: which numbers and
which dictionary entries are raised is decided by the rules in ``pipelines``.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from crawlers.documents import Caps, Extracted, extract, page_text
from crawlers.html import Doc
from crawlers.models import PrivacyCandidate, TextObservation
from crawlers.platforms.base import Post
from crawlers.privacy import mask_personal_numbers
from crawlers.textpos import PageLines


def observe_text(
    target_id: str,
    url: str,
    text: str,
    *,
    kind: str,
    fetched_at: datetime,
    found_on: str = "",
    fmt: str = "html",
    title: str = "",
    extraction: str = "ok",
    reason: str = "",
    pages: int = 1,
    ocr: bool = False,
    size: int = 0,
    today: date | None = None,
) -> TextObservation:
    """A text as a fact: personal numbers masked, each candidate with its page and line."""
    masked, hits = mask_personal_numbers(text, today or fetched_at.date())
    candidates = []
    where = PageLines(masked)
    for hit in hits:
        page, line = where.at(hit.start)
        candidates.append(PrivacyCandidate(hit.kind, hit.masked, hit.start, page, line, list(hit.checks)))
    safe_title, _ = mask_personal_numbers(title, today or fetched_at.date())
    return TextObservation(
        target_id=target_id,
        url=url,
        kind=kind,
        fetched_at=fetched_at,
        found_on=found_on,
        format=fmt,
        text=masked,
        privacy=candidates,
        extraction=extraction,
        reason=reason,
        title=safe_title,
        pages=pages,
        ocr=ocr,
        bytes=size,
        digest=text_digest(masked),
    )


def text_digest(text: str) -> str:
    """What the patrol remembers of a text it has read (of the masked text: no number in it)."""
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def observe_page(
    target_id: str, url: str, html: Doc, *, fetched_at: datetime, title: str = ""
) -> TextObservation:
    """A crawled HTML page's visible text (lines kept)."""
    size = len(html) if isinstance(html, str | bytes) else 0
    return observe_text(
        target_id, url, page_text(html), kind="page", fetched_at=fetched_at, title=title, size=size
    )


def observe_extracted(
    target_id: str, url: str, result: Extracted, *, fetched_at: datetime, found_on: str = "", size: int = 0
) -> TextObservation:
    """An attachment already read by :func:`crawlers.documents.extract`."""
    return observe_text(
        target_id,
        url,
        result.text,
        kind="attachment",
        fetched_at=fetched_at,
        found_on=found_on,
        fmt=result.format,
        extraction=result.status,
        reason=result.reason,
        pages=result.pages,
        ocr=result.ocr,
        size=size,
    )


def observe_document(
    target_id: str,
    url: str,
    data: bytes,
    *,
    fetched_at: datetime,
    found_on: str = "",
    content_type: str = "",
    caps: Caps | None = None,
    isolate: bool = True,
) -> TextObservation:
    """A fetched attachment or image: read within ``caps`` (in a bounded child process), masked.

    Blocking (seconds for a scan): a spider runs it off its event loop, e.g. in a thread.
    """
    result = extract(data, url, content_type, caps, isolate=isolate)
    return observe_extracted(target_id, url, result, fetched_at=fetched_at, found_on=found_on, size=len(data))


def post_text(post: Post) -> str:
    """Everything of a post its page object read: the title, then the text when it says more."""
    title, body = post.title.strip(), post.text.strip()
    if not body or body == title:
        return title
    if title and body.startswith(title):
        return body
    return f"{title}\n{body}" if title else body


def observe_post(
    target_id: str, post: Post, *, fetched_at: datetime, profile_url: str = ""
) -> TextObservation:
    """One post of an account (``url`` is the post's own URL, else the profile's)."""
    return observe_text(
        target_id,
        post.url or profile_url,
        post_text(post),
        kind="post",
        fetched_at=fetched_at,
        fmt="post",
        title=post.title,
    )
