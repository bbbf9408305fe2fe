"""Where a list entry leads when its title carries no ``<a href>``: the address a script opens.

Some CMS templates write entries as ``<li onclick="window.open('./202409/t20240920_1.html')">`` or
``<div class="item" data-url="/art/2024/9/20/art_1.html">``, or put ``href="javascript:void(0)"``
on the anchor and the address in its ``onclick``. The entry is still a dated item on the homepage or
column; its address is the one the script would open.
"""

from __future__ import annotations

import re
from typing import Any

DATA_ATTRS = ("data-url", "data-href", "data-link")
# a quoted address in an onclick handler: a path or URL that names a page (not a bare word or number)
_QUOTED = re.compile(
    r"""['"]((?:https?:)?//[^'"\s]+|\.{0,2}/[^'"\s]*|[\w\-./]+\.(?:s?html?|jsp|php|aspx?)[^'"\s]*)['"]"""
)
_SCRIPT_HREF = re.compile(r"^\s*(?:javascript:|#|$)", re.I)


def script_url(el: Any) -> str:
    """The address an element's ``data-url``/``data-href`` or ``onclick`` names ('' when none)."""
    for name in DATA_ATTRS:
        value = (el.get(name) or "").strip()
        if value and not _SCRIPT_HREF.match(value):
            return value
    onclick = el.get("onclick") or ""
    match = _QUOTED.search(onclick)
    return match.group(1) if match else ""


def carries_script_url(el: Any) -> bool:
    """An element that is an entry's link by script: a ``javascript:``/``#`` anchor or any other
    element with a data address or an onclick address."""
    if el.tag == "a":
        href = el.get("href")
        if href is not None and not _SCRIPT_HREF.match(href):
            return False
    return bool(script_url(el))
