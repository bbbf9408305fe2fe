"""Text of attachments and images: the readers, their caps, and an isolating process.

:func:`extract` is what a spider calls for one fetched file. By default the reading runs in a
child process (``python -m crawlers.documents.worker``) with an address-space limit and a
wall-clock timeout, because a parser can loop or balloon on a hostile file and a thread cannot be
stopped: whatever happens, the caller gets an :class:`Extracted` back (``unverified`` with the
reason: ``timeout``, ``crashed``, ``malformed``, ...) within ``caps.timeout_s``.
"""

from __future__ import annotations

import importlib
import json
import logging
import subprocess
import sys
from collections.abc import Callable

from crawlers.documents.caps import Caps, Extracted, clip, failed
from crawlers.documents.pagetext import page_text
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

# format -> (module, function). Imported when a file of that format is read: the isolating process
# starts for every attachment, and openpyxl alone (with numpy) costs it over a second to import.
_READERS = {
    "pdf": ("crawlers.documents.pdf", "read_pdf"),
    "docx": ("crawlers.documents.office", "read_docx"),
    "xlsx": ("crawlers.documents.office", "read_xlsx"),
    "doc": ("crawlers.documents.legacy", "read_doc"),
    "xls": ("crawlers.documents.legacy", "read_xls"),
    "image": ("crawlers.documents.ocr", "read_image"),
}


def _reader(fmt: str) -> Callable[[bytes, Caps], Extracted] | None:
    where = _READERS.get(fmt)
    return getattr(importlib.import_module(where[0]), where[1]) if where else None


_OLE_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def _text(data: bytes, fmt: str) -> Extracted:
    if fmt == "html":
        return Extracted(format="html", text=page_text(data), pages=1)
    return Extracted(format="text", text=data.decode("utf-8", "replace"), pages=1)


def extract_here(data: bytes, url: str = "", content_type: str = "", caps: Caps | None = None) -> Extracted:
    """Read one file in this process (the worker's body; tests of single readers)."""
    caps = caps or Caps()
    fmt = sniff(data, url, content_type)
    if len(data) > caps.max_bytes:
        return failed(fmt, "too_large", f"{len(data)} bytes > {caps.max_bytes}")
    if _OLE_ENCRYPTED in data[:65536]:
        hinted = extension(url) if extension(url) in ("docx", "xlsx") else fmt
        return failed(hinted, "encrypted", "password-protected Office file")
    if fmt in ("html", "text"):
        return clip(_text(data, fmt), caps)
    reader = _reader(fmt)
    if reader is None:
        return failed(fmt, "unsupported", f"not a format the content watch reads ({fmt})")
    try:
        return clip(reader(data, caps), caps)
    except MemoryError:
        return failed(fmt, "too_large", "out of memory")
    except Exception as exc:  # every parser has its own errors; any of them means a broken file
        return failed(fmt, "malformed", f"{type(exc).__name__}: {exc}")


def extract(
    data: bytes, url: str = "", content_type: str = "", caps: Caps | None = None, isolate: bool = True
) -> Extracted:
    """Text of one fetched file, within ``caps``; never raises for a bad file.

    ``isolate`` runs the readers in a child process bounded by ``caps.timeout_s`` and
    ``caps.memory_mb`` (the default for anything fetched from a site).
    """
    caps = caps or Caps()
    if not isolate:
        return extract_here(data, url, content_type, caps)
    fmt = sniff(data, url, content_type)
    if len(data) > caps.max_bytes:  # no process needed to refuse it
        return failed(fmt, "too_large", f"{len(data)} bytes > {caps.max_bytes}")
    args = [sys.executable, "-m", "crawlers.documents.worker", json.dumps(caps.to_json()), url, content_type]
    try:
        done = subprocess.run(args, input=data, capture_output=True, timeout=caps.timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return failed(fmt, "timeout", f"reading took over {caps.timeout_s:g} s")
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = "too_large" if any("MemoryError" in line for line in err) else "crashed"
        return failed(fmt, reason, f"reader exit {done.returncode}: {err[-1] if err else ''}")
    try:
        result = Extracted(**json.loads(done.stdout))
    except (ValueError, TypeError) as exc:
        return failed(fmt, "crashed", f"unreadable answer from the reader: {exc}")
    if result.status != "ok":
        log.info("extract %s: %s (%s) %s", url, result.status, result.reason, result.detail)
    return result
