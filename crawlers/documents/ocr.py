"""Text from images and scanned PDF pages, through Debian's tesseract (``tesseract-ocr`` with
``tesseract-ocr-chi-sim``), after checking the pixel count from the image header alone.

An image's header says its size before anything is decoded, so a 10,000 x 10,000 image is refused
by arithmetic, not by running out of memory. Scanned PDF pages are rendered by ``pdftoppm``
(poppler-utils) at a resolution lowered until the page fits the pixel cap.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from crawlers.documents.caps import Caps, Extracted, failed
from crawlers.documents.tools import ToolRun, run_tool

MIN_DPI = 72


def ocr_image_bytes(data: bytes, caps: Caps) -> ToolRun:
    """tesseract over one image given as bytes (stdin to stdout)."""
    args = ["tesseract", "stdin", "stdout", "-l", caps.ocr_languages, "--psm", "6"]
    return run_tool(args, caps.tool_timeout_s, data)


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header only; None when Pillow cannot identify the image."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def read_image(data: bytes, caps: Caps) -> Extracted:
    size = image_size(data)
    if size is None:
        return failed("image", "malformed", "not an image Pillow can identify")
    if size[0] * size[1] > caps.max_pixels:
        return failed("image", "image_too_large", f"{size[0]}x{size[1]} pixels")
    if not caps.ocr:
        return failed("image", "ocr_unavailable", "OCR disabled")
    run = ocr_image_bytes(data, caps)
    if not run.ok:
        reason = "ocr_unavailable" if run.reason == "tool_missing" else run.reason
        return failed("image", reason, run.detail)
    return Extracted(format="image", text=run.stdout.decode("utf-8", "replace"), pages=1, ocr=True)


def dpi_for(width_pt: float, height_pt: float, caps: Caps) -> int:
    """The resolution at which a page fits the pixel cap (at most ``ocr_dpi``; 0 when even
    ``MIN_DPI`` does not fit)."""
    dpi = caps.ocr_dpi
    while dpi >= MIN_DPI:
        if (width_pt / 72 * dpi) * (height_pt / 72 * dpi) <= caps.max_pixels:
            return dpi
        dpi = int(dpi * 0.75)
    return 0


def ocr_pdf_pages(data: bytes, sizes: list[tuple[float, float]], caps: Caps) -> Extracted:
    """OCR of a scanned PDF's first ``ocr_pages`` pages (``sizes``: each page's points)."""
    out = Extracted(format="pdf", ocr=True)
    pages: list[str] = []
    with tempfile.TemporaryDirectory(prefix="govpatrol-ocr-") as tmp:
        pdf = Path(tmp) / "in.pdf"
        pdf.write_bytes(data)
        for number, (w, h) in enumerate(sizes[: caps.ocr_pages], start=1):
            dpi = dpi_for(w, h, caps)
            if not dpi:
                out.cut("image_too_large")
                pages.append("")
                continue
            prefix = Path(tmp) / f"p{number}"
            args = ["pdftoppm", "-r", str(dpi), "-f", str(number), "-l", str(number), "-png", "-singlefile"]
            render = run_tool([*args, str(pdf), str(prefix)], caps.tool_timeout_s)
            if not render.ok:
                return failed(
                    "pdf",
                    "ocr_unavailable" if render.reason == "tool_missing" else render.reason,
                    render.detail,
                )
            run = ocr_image_bytes(prefix.with_suffix(".png").read_bytes(), caps)
            if not run.ok:
                return failed(
                    "pdf", "ocr_unavailable" if run.reason == "tool_missing" else run.reason, run.detail
                )
            pages.append(run.stdout.decode("utf-8", "replace"))
    out.text = "\f".join(p.strip("\f") for p in pages)
    out.pages = len(pages)
    if len(sizes) > caps.ocr_pages:
        out.cut("too_many_pages")
    return out
