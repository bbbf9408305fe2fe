"""Attachment files made in code, at serve time: PDF, DOCX, XLSX, XLS, scanned PNG and PDF.

Each generator takes the lines (or rows) to show and returns the file's bytes, written by the
well-kept library for the format (reportlab, python-docx, openpyxl, xlwt, Pillow), so no opaque
binary is checked in. The hostile files (encrypted, truncated, zip bomb, huge sheet, 2,000 pages,
a 10,000 x 10,000 image header) are made here too, for the readers' tests.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import openpyxl
import pypdf
import xlwt
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

PDF_FONT = "STSong-Light"  # an Adobe CID font: no font file needed, pdfminer reads it back
pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A text PDF: one list of lines per page."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for lines in pages:
        pdf.setFont(PDF_FONT, 12)
        for n, line in enumerate(lines):
            pdf.drawString(60, 780 - 22 * n, line)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A Word document: paragraphs, then a table (rows of cells)."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=max(len(r) for r in table))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def xlsx_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def xls_bytes(rows: list[list[object]], sheet: str = "Sheet1") -> bytes:
    """An Excel 97-2003 file (xlwt), numbers kept as numbers (as offices type phone numbers)."""
    book = xlwt.Workbook(encoding="utf-8")
    page = book.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            page.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in CJK_FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    raise FileNotFoundError("no CJK font: install fonts-noto-cjk (scripts/install.sh)")


def scan_image(lines: list[str], width: int = 1100) -> Image.Image:
    """A scanned notice: black text on white, large enough for OCR to read every digit."""
    size = 40
    image = Image.new("L", (width, 60 + len(lines) * (size + 30)), 255)
    draw = ImageDraw.Draw(image)
    font = _font(size)
    for n, line in enumerate(lines):
        draw.text((40, 30 + n * (size + 30)), line, font=font, fill=0)
    return image


def png_bytes(lines: list[str]) -> bytes:
    buf = io.BytesIO()
    scan_image(lines).save(buf, "PNG")
    return buf.getvalue()


def scanned_pdf_bytes(lines: list[str]) -> bytes:
    """A PDF holding only an image of the text (no text layer), as a scanner makes it."""
    buf = io.BytesIO()
    scan_image(lines).convert("RGB").save(buf, "PDF", resolution=150)
    return buf.getvalue()


# ---------------------------------------------------------------- hostile files


def encrypted_pdf_bytes(lines: list[str], password: str = "secret") -> bytes:
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes([lines])))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def truncated(data: bytes, keep: float = 0.4) -> bytes:
    """The first part of a file: a download cut short, a broken upload."""
    return data[: max(16, int(len(data) * keep))]


def many_pages_pdf_bytes(pages: int) -> bytes:
    """A long PDF, one short line per page."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for n in range(pages):
        pdf.setFont(PDF_FONT, 12)
        pdf.drawString(60, 780, f"第{n + 1}页")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def zip_bomb_docx_bytes(inflated: int = 64 * 1024 * 1024) -> bytes:
    """A DOCX whose document.xml inflates to ``inflated`` bytes from a few dozen kilobytes."""
    real = docx_bytes(["正文"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(real)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "word/document.xml":
                dst.writestr(info.filename, b" " * inflated)
            else:
                dst.writestr(info, src.read(info))
    return out.getvalue()


def huge_sheet_xlsx_bytes(rows: int, cols: int) -> bytes:
    return xlsx_bytes({"名单": [[f"r{r}c{c}" for c in range(cols)] for r in range(rows)]})


def png_header_bytes(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels in a few hundred bytes (its data is one row):
    the size is all a reader should need to refuse it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" + b"\xff" * min(width, 4096))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
