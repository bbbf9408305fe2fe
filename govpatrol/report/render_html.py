"""Self-contained HTML (inline CSS, charts as base64 PNG): one file an inspector can mail or open."""

from __future__ import annotations

import base64
from html import escape

from govpatrol.report.outline import Block, Chart, Heading, Para, Table

_CSS = """
body{font-family:"Noto Serif CJK SC","Noto Sans CJK SC",serif;max-width:60em;margin:2em auto;line-height:1.7}
h1{text-align:center;font-size:1.6em} h2{font-size:1.25em} h3{font-size:1.05em}
table{border-collapse:collapse;margin:.5em 0 1.2em;width:100%;font-size:.9em}
th,td{border:1px solid #777;padding:.2em .4em;text-align:left} th{background:#eef}
figure{text-align:center;margin:1em 0} figcaption{font-size:.9em}
"""


def render_html(blocks: list[Block], charts: dict[str, bytes], title: str) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
    ]
    for block in blocks:
        if isinstance(block, Heading):
            tag = f"h{block.level + 1}"
            parts.append(f"<{tag}>{escape(block.text)}</{tag}>")
        elif isinstance(block, Para):
            parts.append(f"<p>{escape(block.text)}</p>")
        elif isinstance(block, Table):
            parts.append(f"<h4>{escape(block.title)}</h4>")
            if not block.rows:
                parts.append("<p>无。</p>")
                continue
            head = "".join(f"<th>{escape(h)}</th>" for h in block.headers)
            body = "".join(
                "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in block.rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(block, Chart):
            data = base64.b64encode(charts[block.key]).decode("ascii")
            parts.append(
                f'<figure><img alt="{escape(block.title)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{escape(block.title)}</figcaption></figure>"
            )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
