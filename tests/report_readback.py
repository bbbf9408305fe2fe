"""Read a 通报 back from each format into one shape: its paragraphs and its tables by title.

The cross-checks then run the same way on Markdown, HTML and DOCX, so a number that is right in one
format and wrong in another cannot pass.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from docx import Document


@dataclass
class ReadBack:
    paragraphs: list[str] = field(default_factory=list)  # headings and paragraphs, in order
    tables: dict[str, list[list[str]]] = field(default_factory=dict)  # title -> rows (header first)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def table(self, prefix: str) -> list[list[str]]:
        (title,) = [t for t in self.tables if t.startswith(prefix)]
        return self.tables[title]


def read_markdown(path: Path) -> ReadBack:
    out, title = ReadBack(), ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("**") and line.endswith("**"):
            title = html.unescape(line.strip("*"))
            out.tables[title] = []
        elif line.startswith("|"):
            if set(line) <= set("|-"):
                continue
            cells = [c.strip().replace("\\|", "|") for c in line.strip("|").split(" | ")]
            out.tables[title].append([html.unescape(c) for c in cells])
        elif line and line != "无。":
            out.paragraphs.append(html.unescape(line.lstrip("# ")))
    return out


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.out, self.title, self.buf, self.row = ReadBack(), "", "", []  # type: ignore[var-annotated]
        self.in_table = False

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
        if tag in ("h1", "h2", "h3", "h4", "p", "td", "th", "figcaption"):
            self.buf = ""
        if tag == "table":
            self.in_table = True
            self.out.tables[self.title] = []
        if tag == "tr":
            self.row = []

    def handle_endtag(self, tag: str) -> None:
        text = self.buf.strip()
        if tag in ("td", "th"):
            self.row.append(text)
        elif tag == "tr":
            self.out.tables[self.title].append(self.row)
        elif tag == "table":
            self.in_table = False
        elif tag == "h4":
            self.title = text
            self.out.tables[text] = []
        elif tag in ("h1", "h2", "h3", "p") and text != "无。":
            self.out.paragraphs.append(text)

    def handle_data(self, data: str) -> None:
        self.buf += data


def read_html(path: Path) -> ReadBack:
    parser = _Html()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.out


def read_docx(path: Path) -> ReadBack:
    doc = Document(str(path))
    out, title = ReadBack(), ""
    body = doc.element.body
    tables = iter(doc.tables)
    paragraphs = iter(doc.paragraphs)
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = next(paragraphs)
            if p.style is not None and p.style.name == "表题":
                title = p.text
                out.tables[title] = []
            elif p.text and p.text != "无。":
                out.paragraphs.append(p.text)
        elif tag == "tbl":
            out.tables[title] = [[c.text for c in row.cells] for row in next(tables).rows]
    return out


def read(path: Path) -> ReadBack:
    return {".md": read_markdown, ".html": read_html, ".docx": read_docx}[path.suffix](path)
