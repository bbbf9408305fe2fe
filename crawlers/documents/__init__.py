"""Text of attachments and images: the readers, their caps, and the isolating processes.

:func:`extract` is what a spider calls for one fetched file. By default the reading runs in one of
a few long-lived reader processes (:mod:`crawlers.documents.isolation`) with an address-space limit
and a wall-clock timeout, because a parser can loop or balloon on a hostile file and a thread
cannot be stopped: whatever happens, the caller gets an :class:`Extracted` back (``unverified``
with the reason: ``timeout``, ``crashed``, ``malformed``, ...) within ``caps.timeout_s``.
"""

from __future__ import annotations

import logging

from crawlers.documents.caps import Caps, Extracted, failed
from crawlers.documents.isolation import read_isolated
from crawlers.documents.pagetext import page_text
from crawlers.documents.readers import extract_here
from crawlers.documents.sniff import ATTACHMENT_EXTENSIONS, extension, sniff

__all__ = [
    "ATTACHMENT_EXTENSIONS",
    "Caps",
    "Extracted",
    "extension",
    "extract",
    "extract_here",
    "page_text",
    "sniff",
]

log = logging.getLogger(__name__)


def extract(
    data: bytes, url: str = "", content_type: str = "", caps: Caps | None = None, isolate: bool = True
) -> Extracted:
    """Text of one fetched file, within ``caps``; never raises for a bad file.

    ``isolate`` reads it in a reader process bounded by ``caps.timeout_s`` and ``caps.memory_mb``
    (the default for anything fetched from a site).
    """
    caps = caps or Caps()
    if not isolate:
        return extract_here(data, url, content_type, caps)
    fmt = sniff(data, url, content_type)
    if len(data) > caps.max_bytes:  # no process needed to refuse it
        return failed(fmt, "too_large", f"{len(data)} bytes > {caps.max_bytes}")
    result = read_isolated(data, url, content_type, caps, fmt)
    if result.status != "ok":
        log.info("extract %s: %s (%s) %s", url, result.status, result.reason, result.detail)
    return result
