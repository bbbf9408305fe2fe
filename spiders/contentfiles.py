"""The content watch's files: which links of a page are read, within which allowances, and reading
them off the crawl's event loop.

Attachments (PDF, DOCX, XLSX, DOC, XLS and the WPS look-alikes) linked from a page the watch reads
are fetched under ``[content_watch] max_attachment_bytes``, at most ``site_attachments`` files and
``site_attachment_bytes`` bytes per site. Images are fetched only from 公示-type pages, and images
and scanned PDFs are read by OCR within the sweep's allowance (``ocr_files`` files, ``ocr_seconds``
of reading). Every file is read by :func:`crawlers.contentwatch.observe_document` in a worker thread
that drives the isolating child process (its own time and memory caps), so a 2,000-page PDF or a
10,000 x 10,000 image costs the crawl nothing but a thread's wait. A file that cannot be read, or
is not read because an allowance is spent, is still recorded, ``unverified`` with the reason.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime

from lxml.html import HtmlElement

from crawlers.config import ContentWatchConfig
from crawlers.contentwatch import observe_document, observe_text
from crawlers.documents import Caps, extension, sniff
from crawlers.links import absolute, is_internal
from crawlers.models import TextObservation
from spiders.collectors import FetchedFile

FILE_EXTENSIONS = frozenset({"pdf", "doc", "docx", "xls", "xlsx", "xlsm", "wps", "et"})
IMAGE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff"})
READ_MARGIN_S = 30.0  # beyond the child process's own timeout, before a read is given up


def file_links(root: HtmlElement, page_url: str, site_url: str, *, images: bool) -> list[str]:
    """In-site attachment URLs the page links with ``<a href>`` (and linked images when ``images``),
    in page order, each once."""
    found: dict[str, None] = {}
    for anchor in root.iter("a"):
        url = absolute(anchor.get("href"), page_url)
        if url is None or not is_internal(url, site_url):
            continue
        ext = extension(url)
        if ext in FILE_EXTENSIONS or (images and ext in IMAGE_EXTENSIONS):
            found.setdefault(url, None)
    return list(found)


@dataclass
class SiteFiles:
    """One site's files this sweep: asked for, fetched, and their bytes."""

    asked: set[str] = field(default_factory=set)
    fetched: int = 0
    bytes: int = 0

    def allowance(self, cw: ContentWatchConfig) -> int:
        """Bytes the next file may have (0: the site's file allowance is spent)."""
        if self.fetched >= cw.site_attachments:
            return 0
        left = cw.site_attachment_bytes - self.bytes
        return max(0, min(cw.max_attachment_bytes, left))


class OcrAllowance:
    """The sweep's OCR allowance: files and seconds of reading, shared by the reading threads."""

    def __init__(self, files: int, seconds: float) -> None:
        self.files, self.seconds = files, seconds
        self.used_files, self.used_seconds = 0, 0.0
        self._lock = threading.Lock()

    def take(self) -> float:
        """Seconds one OCR read may take (0: the allowance is spent); counts the file."""
        with self._lock:
            left = self.seconds - self.used_seconds
            if self.used_files >= self.files or left <= 0:
                return 0.0
            self.used_files += 1
            return left

    def spend(self, seconds: float) -> None:
        with self._lock:
            self.used_seconds += seconds


def note(
    target_id: str, url: str, found_on: str, reason: str, fetched_at: datetime, size: int = 0
) -> TextObservation:
    """A file that was not read, as a fact: ``unverified`` with the reason, no text."""
    return observe_text(
        target_id,
        url,
        "",
        kind="attachment",
        fetched_at=fetched_at,
        found_on=found_on,
        fmt=sniff(b"", url),
        extraction="unverified",
        reason=reason,
        pages=0,
        size=size,
    )


class FileReader:
    """Reads fetched files in worker threads, each driving one isolating child process."""

    def __init__(self, cw: ContentWatchConfig) -> None:
        self.cw = cw
        self.pool = ThreadPoolExecutor(cw.extract_workers, thread_name_prefix="govpatrol-read")
        self.ocr = OcrAllowance(cw.ocr_files, cw.ocr_seconds)
        self.caps = Caps(
            max_bytes=cw.max_attachment_bytes, max_pages=cw.max_pages, timeout_s=cw.extract_timeout, ocr=False
        )

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

    async def read(self, fetched: FetchedFile, *, notice: bool, fetched_at: datetime) -> TextObservation:
        """The file's text as a fact (or an unverified note), read off the event loop."""
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(self.pool, self._read, fetched, notice, fetched_at)
        # the child process is killed at its own timeout; OCR may take a second run
        limit = 2 * self.cw.extract_timeout + READ_MARGIN_S
        try:
            return await asyncio.wait_for(work, limit)
        except TimeoutError:
            return note(
                fetched.target.id, fetched.url, fetched.found_on, "timeout", fetched_at, len(fetched.body)
            )

    def _read(self, fetched: FetchedFile, notice: bool, fetched_at: datetime) -> TextObservation:
        """Blocking: one file. Images and scanned PDFs of 公示-type pages go to OCR if allowed."""
        fmt = sniff(fetched.body, fetched.url, fetched.content_type)
        if fmt == "image":
            return self._ocr(fetched, fetched_at, fmt)
        text = self._observe(fetched, fetched_at, self.caps)
        if text.extraction == "unverified" and text.reason == "ocr_unavailable" and fmt == "pdf":
            if notice:  # a scan: text only by OCR
                return self._ocr(fetched, fetched_at, fmt)
            return replace(text, reason="scanned")
        return text

    def _ocr(self, fetched: FetchedFile, fetched_at: datetime, fmt: str) -> TextObservation:
        size = len(fetched.body)
        if not self.cw.ocr:
            return note(fetched.target.id, fetched.url, fetched.found_on, "ocr_off", fetched_at, size)
        seconds = self.ocr.take()
        if seconds <= 0:
            return note(fetched.target.id, fetched.url, fetched.found_on, "ocr_budget", fetched_at, size)
        caps = replace(self.caps, ocr=True, timeout_s=min(self.cw.extract_timeout, seconds))
        clock = time.monotonic()
        try:
            return self._observe(fetched, fetched_at, caps)
        finally:
            self.ocr.spend(time.monotonic() - clock)

    @staticmethod
    def _observe(fetched: FetchedFile, fetched_at: datetime, caps: Caps) -> TextObservation:
        return observe_document(
            fetched.target.id,
            fetched.url,
            fetched.body,
            fetched_at=fetched_at,
            found_on=fetched.found_on,
            content_type=fetched.content_type,
            caps=caps,
        )
