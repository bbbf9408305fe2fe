"""Hanweb's inline datastore: a column's list kept as CDATA records inside ``<datastore>`` XML.

Hanweb (大汉) pages ship their list entries in a script as ``<datastore><record><![CDATA[<li>...</li>]]>
</record>...<totalrecord>N</totalrecord></datastore>`` and let JavaScript render them. The records
are the column's list, so the list extractor and the link finder both read them as plain markup.
"""

from __future__ import annotations

import re

_DATASTORE = re.compile(
    r"(?:<script[^>]*>\s*)?<datastore>(?P<body>.*?)</datastore>(?:\s*</script>)?", re.I | re.S
)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.I | re.S)
_TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>", re.I)
DATASTORE_CLASS = "govpatrol-datastore"  # the element unpacked records are put in


def records_in(text: str) -> list[str]:
    """The records' markup, in order (from a script's text or a whole page)."""
    return _RECORD.findall(text)


def unpack_datastores(html: str) -> tuple[str, int, int]:
    """The page with each datastore replaced by its records in a ``div.govpatrol-datastore``.

    Returns the rewritten HTML, the number of datastores and how many of them were empty.
    """
    counts = [0, 0]

    def replace(m: re.Match[str]) -> str:
        body = m["body"]
        records = records_in(body)
        total = _TOTAL.search(body)
        counts[0] += 1
        if not records or (total and int(total.group(1)) == 0):
            counts[1] += 1
        return f'<div class="{DATASTORE_CLASS}">' + "".join(records) + "</div>"

    if "<datastore" in html.lower():
        html = _DATASTORE.sub(replace, html)
    return html, counts[0], counts[1]
