"""Markdown: the outline as text (charts are left out: the HTML and DOCX versions carry them).

Every piece of text is HTML-escaped: names and messages come from the registry and from crawled
pages, and a Markdown viewer renders raw HTML (``<script>`` in a unit name must stay text).
"""

from __future__ import annotations

from html import escape

from govpatrol.report.outline import Block, Chart, Heading, Para, Table


def _text(text: str) -> str:
    return escape(text, quote=False).replace("\n", " ")


def _cell(text: str) -> str:
    return _text(text).replace("|", "\\|")


def render_md(blocks: list[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines += ["#" * (block.level + 1) + " " + _text(block.text), ""]
        elif isinstance(block, Para):
            lines += [_text(block.text), ""]
        elif isinstance(block, Table):
            lines += [f"**{_text(block.title)}**", ""]
            if not block.rows:
                lines += ["无。", ""]
                continue
            lines.append("| " + " | ".join(_cell(h) for h in block.headers) + " |")
            lines.append("|" + "---|" * len(block.headers))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
            lines.append("")
        elif isinstance(block, Chart):
            continue
    return "\n".join(lines).rstrip() + "\n"
