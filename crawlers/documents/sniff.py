"""Which format a fetched file is, from its first bytes (then its name and declared type).

Sites serve attachments as ``application/octet-stream`` or with the wrong extension, so the bytes
decide; the name and the Content-Type only separate what the bytes cannot (a Word from an Excel
OLE file is told by its stream names).
"""

from __future__ import annotations

import io
import zipfile

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
_EXTENSIONS = {
    "pdf": "pdf",
    "docx": "docx",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "doc": "doc",
    "xls": "xls",
    "wps": "doc",
    "et": "xls",
    "png": "image",
    "jpg": "image",
    "jpeg": "image",
    "gif": "image",
    "bmp": "image",
    "tif": "image",
    "tiff": "image",
    "htm": "html",
    "html": "html",
    "txt": "text",
}
ATTACHMENT_EXTENSIONS = frozenset(_EXTENSIONS) - {"htm", "html"}


def extension(url: str) -> str:
    path = url.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    return path.rsplit(".", 1)[-1].lower() if "." in path else ""


def _zip_kind(data: bytes, hint: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return hint if hint in ("docx", "xlsx") else "unknown"  # a broken one: its reader says why
    if any(n.startswith("word/") for n in names):
        return "docx"
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    return hint if hint in ("docx", "xlsx") else "unknown"


def _ole_kind(data: bytes, hint: str) -> str:
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    return hint if hint in ("doc", "xls") else "unknown"


def sniff(data: bytes, url: str = "", content_type: str = "") -> str:
    """pdf | docx | xlsx | doc | xls | image | html | text | unknown."""
    hint = _EXTENSIONS.get(extension(url), "")
    head = data[:1024].lstrip()
    if data[:1024].find(b"%PDF-") >= 0:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data, hint)
    if data.startswith(_OLE):
        return _ole_kind(data, hint)
    if any(data.startswith(sig) for sig in _IMAGES):
        return "image"
    lowered = head[:200].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or "html" in content_type:
        return "html"
    if content_type.startswith("text/plain") or hint == "text":
        return "text"
    return hint or "unknown"
