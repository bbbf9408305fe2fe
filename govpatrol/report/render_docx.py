"""DOCX (python-docx) in the layout of a government document (公文, GB/T 9704-2012): A4, margins
3.7 / 3.5 / 2.8 / 2.6 cm, body 仿宋_GB2312 三号 on a 28.95 pt line pitch, title 方正小标宋简体 二号,
first-level headings 黑体 and second-level 楷体_GB2312, all black. The fonts are named in the
styles themselves (never Word's blue theme headings), so an office that edits the draft keeps them.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from govpatrol.report.outline import Block, Chart, Heading, Para, Table

BODY, TITLE, HEI, KAI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"
SANHAO, ERHAO, XIAOSI = Pt(16), Pt(22), Pt(12)  # 三号, 二号, 小四
LINE_PITCH = Pt(28.95)  # 22 lines on the type area
MARGINS = {"top_margin": 3.7, "bottom_margin": 3.5, "left_margin": 2.8, "right_margin": 2.6}  # cm
TABLE_TEXT = "表格文字"
TABLE_TITLE = "表题"

# style -> (font, size, bold, alignment, first-line indent in characters)
STYLES: dict[str, tuple[str, Any, bool, Any, int]] = {
    "Normal": (BODY, SANHAO, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 2),
    "Title": (TITLE, ERHAO, False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    "Heading 1": (HEI, SANHAO, False, WD_ALIGN_PARAGRAPH.LEFT, 2),
    "Heading 2": (KAI, SANHAO, False, WD_ALIGN_PARAGRAPH.LEFT, 2),
    TABLE_TITLE: (HEI, Pt(14), False, WD_ALIGN_PARAGRAPH.CENTER, 0),
    TABLE_TEXT: (BODY, XIAOSI, False, WD_ALIGN_PARAGRAPH.LEFT, 0),
}


def _font(style: Any, name: str, size: Any, bold: bool) -> None:
    """One font in every slot (Word takes CJK glyphs from eastAsia) and no theme font or colour."""
    style.font.name = name
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _styles(doc: Any) -> None:
    for name in (TABLE_TITLE, TABLE_TEXT):
        if name not in [s.name for s in doc.styles]:
            doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH).base_style = doc.styles["Normal"]
    for name, (font, size, bold, align, indent) in STYLES.items():
        style = doc.styles[name]
        _font(style, font, size, bold)
        fmt = style.paragraph_format
        fmt.alignment = align
        fmt.first_line_indent = Pt(size.pt * indent) if indent else Pt(0)
        fmt.space_before = fmt.space_after = Pt(0)
        if name == TABLE_TEXT:
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        else:
            fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE_PITCH
    border = doc.styles["Title"].element.pPr.find(qn("w:pBdr"))  # the template's rule under titles
    if border is not None:
        doc.styles["Title"].element.pPr.remove(border)


def _page(doc: Any) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    for name, cm in MARGINS.items():
        setattr(section, name, Cm(cm))


def render_docx(blocks: list[Block], charts: dict[str, bytes], out: Path) -> Path:
    doc = Document()
    _page(doc)
    _styles(doc)
    for block in blocks:
        if isinstance(block, Heading):
            if block.level == 0:
                doc.add_paragraph(block.text, style="Title")
            else:
                doc.add_paragraph(block.text, style="Heading 1" if block.level == 1 else "Heading 2")
        elif isinstance(block, Para):
            doc.add_paragraph(block.text)
        elif isinstance(block, Table):
            doc.add_paragraph(block.title, style=TABLE_TITLE)
            if not block.rows:
                doc.add_paragraph("无。", style=TABLE_TEXT)
                continue
            table = doc.add_table(rows=1, cols=len(block.headers))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for cell, text in zip(table.rows[0].cells, block.headers, strict=True):
                cell.paragraphs[0].style = doc.styles[TABLE_TEXT]
                cell.paragraphs[0].add_run(text).bold = True
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.paragraphs[0].style = doc.styles[TABLE_TEXT]
                    cell.paragraphs[0].add_run(text)
        elif isinstance(block, Chart):
            doc.add_picture(io.BytesIO(charts[block.key]), width=Cm(15.6))
            doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            doc.add_paragraph(block.title, style=TABLE_TITLE)
    doc.save(str(out))
    return out
