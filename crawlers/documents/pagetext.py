"""A page's visible text with its lines kept: block elements end a line, so a finding can say on
which line of the page a term stands (the link and column facts collapse all whitespace instead).
"""

from __future__ import annotations

import re

from lxml import etree

from crawlers.html import Doc, parse, words

_INVISIBLE = words("script style noscript template head title select")
_BLOCK = words(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form h1 h2 "
    "h3 h4 h5 h6 header hr li main nav ol option p pre section table tbody td tfoot th thead tr ul"
)
_CELL = words("td th")
_SPACES = re.compile(r"[ \r\f\v\u00a0\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def page_text(html: Doc) -> str:
    """Visible text, one line per block (table cells separated by tabs), blank lines dropped."""
    runs: list[str] = []
    walker = etree.iterwalk(parse(html), events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            if tag in _INVISIBLE:
                walker.skip_subtree()
                continue
            if tag in _BLOCK and tag not in _CELL:
                runs.append("\n")
            if el.text:
                runs.append(el.text)
        else:
            runs.append("\t" if tag in _CELL else "\n" if tag in _BLOCK else "")
            if el.tail:
                runs.append(el.tail)
    text = "".join(runs)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()
