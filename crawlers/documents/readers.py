"""The readers by format, run in this process: what a reader process does with one file.

:func:`extract_here` never raises for a bad file; it is the body of the isolating processes
(:mod:`crawlers.documents.worker`) and what tests of single readers call.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from crawlers.documents.caps import Caps, Extracted, clip, failed
from crawlers.documents.pagetext import page_text
from crawlers.documents.sniff import extension, sniff

# format -> (module, function). Imported when a file of that format is first read: openpyxl alone
# (with numpy) costs a reader process over a second to import.
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
