"""Limits on reading one attachment: size, pages, cells, characters, pixels, time and memory.

A crawler reads whatever a site links to, so every reader stops at a cap and says which one: a
file cut short is ``partial`` (what was read is still checked), a file not read at all is
``unverified``, both with the reason. Defaults suit a 公示 attachment; the crawl config may change
them. ``Extracted`` is what every format reader returns.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

MB = 1024 * 1024


@dataclass(frozen=True)
class Caps:
    max_bytes: int = 30 * MB  # the download itself
    max_pages: int = 300  # PDF pages, sheets read
    max_cells: int = 200_000  # spreadsheet cells (rows x columns read), all sheets together
    max_chars: int = 2_000_000  # extracted text
    max_unzipped: int = 200 * MB  # DOCX/XLSX: all members uncompressed, as the zip directory says
    max_ratio: int = 200  # DOCX/XLSX: uncompressed / compressed for any one member (zip bombs)
    max_pixels: int = 40_000_000  # an image (or a rendered page) larger than this is not decoded
    ocr: bool = True  # read images and scanned PDFs with tesseract
    ocr_pages: int = 10  # scanned PDF pages read by OCR
    ocr_dpi: int = 200
    ocr_languages: str = "chi_sim+eng"
    timeout_s: float = 120.0  # the whole extraction of one file, enforced by the isolating process
    tool_timeout_s: float = 60.0  # one external tool run (antiword, pdftoppm, tesseract)
    memory_mb: int = 1536  # address space of the isolating process

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Extracted:
    """Text of one file: pages separated by form feeds, lines by newlines."""

    format: str  # pdf | docx | xlsx | doc | xls | image | html | text | unknown
    text: str = ""
    status: str = "ok"  # ok | partial | unverified
    reason: str = ""  # the cap or the fault: too_large, too_many_pages, encrypted, malformed, timeout, ...
    pages: int = 0  # pages (sheets, images) read
    ocr: bool = False
    detail: str = ""  # the library's own words, for the log (never the document's text)
    notes: list[str] = field(default_factory=list)

    def cut(self, reason: str) -> None:
        """Mark the text as cut short by a cap (the first cap hit is the reason given)."""
        if self.status == "ok":
            self.status, self.reason = "partial", reason


def failed(fmt: str, reason: str, detail: str = "") -> Extracted:
    return Extracted(format=fmt, status="unverified", reason=reason, detail=detail[:300])


def clip(result: Extracted, caps: Caps) -> Extracted:
    """Hold the text to ``max_chars``."""
    if len(result.text) > caps.max_chars:
        result.text = result.text[: caps.max_chars]
        result.cut("text_cap")
    return result
