"""DOCX (python-docx) and XLSX (openpyxl, read-only streaming) text, zip-bomb safe.

Both formats are zip files: the central directory's uncompressed sizes and ratios are checked
before any member is inflated (the reader never inflates past a member's declared size). A
spreadsheet becomes one page per sheet and one line per row, cells joined by tabs, so a finding's
line is the sheet's row number.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from typing import Any

import openpyxl
from docx import Document
from docx.table import Table

from crawlers.documents.caps import Caps, Extracted, failed

SMALL_MEMBER = 1024 * 1024  # members smaller than this may compress as well as they like


def zip_problem(data: bytes, caps: Caps) -> str:
    """'' when the zip may be opened; else why not (malformed, zip_bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return "malformed"
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > SMALL_MEMBER and ratio > caps.max_ratio:
            return "zip_bomb"
    return "zip_bomb" if total > caps.max_unzipped else ""


def cell_text(value: Any) -> str:
    """A cell as text: whole-number floats without '.0' (phone numbers are often numeric cells)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class RowLines:
    """Rows into lines under the cell cap."""

    def __init__(self, caps: Caps, out: Extracted) -> None:
        self.caps, self.out, self.cells = caps, out, 0

    def add(self, lines: list[str], row: Iterable[Any]) -> bool:
        values = list(row)
        self.cells += max(1, len(values))
        if self.cells > self.caps.max_cells:
            self.out.cut("too_many_cells")
            return False
        lines.append("\t".join(cell_text(v) for v in values).rstrip("\t"))
        return True


def read_docx(data: bytes, caps: Caps) -> Extracted:
    problem = zip_problem(data, caps)
    if problem:
        return failed("docx", problem)
    document = Document(io.BytesIO(data))
    out = Extracted(format="docx", pages=1)
    rows = RowLines(caps, out)
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            if not all(rows.add(lines, (c.text for c in row.cells)) for row in block.rows):
                break
        else:
            lines.append(block.text)
    out.text = "\n".join(lines)
    return out


def read_xlsx(data: bytes, caps: Caps) -> Extracted:
    problem = zip_problem(data, caps)
    if problem:
        return failed("xlsx", problem)
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    out = Extracted(format="xlsx")
    rows = RowLines(caps, out)
    pages: list[str] = []
    try:
        for number, sheet in enumerate(book.worksheets):
            if number >= caps.max_pages:
                out.cut("too_many_pages")
                break
            lines: list[str] = []
            full = all(rows.add(lines, row) for row in sheet.iter_rows(values_only=True))
            pages.append("\n".join(lines))
            if not full:
                break
    finally:
        book.close()
    out.text, out.pages = "\f".join(pages), len(pages)
    return out
