"""DOCX (python-docx): headings, paragraphs, tables and chart images, ready to edit and file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from govpatrol.report.outline import Block, Chart, Heading, Para, Table

_FONT = "宋体"


def _east_asian(style: Any) -> None:
    """Word picks CJK glyphs from the eastAsia font slot, not the Latin name."""
    style.font.name = _FONT
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), _FONT)


def render_docx(blocks: list[Block], charts: dict[str, bytes], out: Path) -> Path:
    doc = Document()
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3"):
        _east_asian(doc.styles[name])
    doc.styles["Normal"].font.size = Pt(11)
    for block in blocks:
        if isinstance(block, Heading):
            doc.add_heading(block.text, level=block.level)
        elif isinstance(block, Para):
            doc.add_paragraph(block.text)
        elif isinstance(block, Table):
            doc.add_paragraph(block.title, style="Heading 3")
            if not block.rows:
                doc.add_paragraph("无。")
                continue
            table = doc.add_table(rows=1, cols=len(block.headers))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.headers, strict=True):
                cell.text = text
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
        elif isinstance(block, Chart):
            doc.add_picture(io.BytesIO(charts[block.key]), width=Cm(15))
            doc.add_paragraph(block.title)
    doc.save(str(out))
    return out
