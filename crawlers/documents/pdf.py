"""PDF text with pypdf, page by page (five times faster than pdfminer.six here); pdfminer.six, with
its full set of Adobe CMaps, reads a PDF whose fonts pypdf gets nothing from. A PDF without a text
layer but with images is a scan, read by OCR.

Pages beyond ``max_pages`` are not read (``partial``); an encrypted PDF that opens with the empty
password (restrictions only) is read, one that needs a password is ``unverified``.
"""

from __future__ import annotations

import io

import pypdf
from pdfminer.high_level import extract_text

from crawlers.documents.caps import Caps, Extracted, failed
from crawlers.documents.ocr import ocr_pdf_pages

MIN_CHARS_PER_PAGE = 10  # fewer visible characters than this on average: a scan, not a text PDF


def _has_images(page: pypdf.PageObject) -> bool:
    resources = page.get("/Resources")
    if resources is None:
        return False
    xobjects = resources.get_object().get("/XObject")
    if xobjects is None:
        return False
    return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values())


def _visible(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


def read_pdf(data: bytes, caps: Caps) -> Extracted:
    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
        return failed("pdf", "encrypted", "needs a password")
    total = len(reader.pages)
    wanted = min(total, caps.max_pages)
    text = "\f".join((reader.pages[i].extract_text() or "").replace("\f", "\n") for i in range(wanted))
    head = [reader.pages[i] for i in range(min(total, caps.ocr_pages))]
    scanned_looking = _visible(text) < MIN_CHARS_PER_PAGE * max(wanted, 1)
    if scanned_looking and not any(_has_images(p) for p in head):
        text = extract_text(io.BytesIO(data), maxpages=wanted).rstrip("\f")  # fonts pypdf cannot map
    elif scanned_looking:
        if not caps.ocr:
            return failed("pdf", "ocr_unavailable", "scanned PDF, OCR disabled")
        sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in head]
        scanned = ocr_pdf_pages(data, sizes, caps)
        if total > len(head) and scanned.status != "unverified":
            scanned.cut("too_many_pages")
        return scanned
    out = Extracted(format="pdf", text=text, pages=wanted)
    if total > wanted:
        out.cut("too_many_pages")
    return out
