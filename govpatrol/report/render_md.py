"""Markdown: the outline as text (charts are left out: the HTML and DOCX versions carry them)."""

from __future__ import annotations

from govpatrol.report.outline import Block, Chart, Heading, Para, Table


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_md(blocks: list[Block]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            lines += ["#" * (block.level + 1) + " " + block.text, ""]
        elif isinstance(block, Para):
            lines += [block.text, ""]
        elif isinstance(block, Table):
            lines += [f"**{block.title}**", ""]
            if not block.rows:
                lines += ["无。", ""]
                continue
            lines.append("| " + " | ".join(block.headers) + " |")
            lines.append("|" + "---|" * len(block.headers))
            lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in block.rows]
            lines.append("")
        elif isinstance(block, Chart):
            continue
    return "\n".join(lines).rstrip() + "\n"
