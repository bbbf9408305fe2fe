"""The old binary formats: Word 97-2003 ``.doc`` through Debian's ``antiword`` (``catdoc`` when
antiword refuses a file), Excel 97-2003 ``.xls`` through ``xlrd``.

``antiword`` needs a file, so the bytes go to a private temporary file for the tool's one run.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import xlrd

from crawlers.documents.caps import Caps, Extracted, failed
from crawlers.documents.office import RowLines
from crawlers.documents.tools import run_tool


def read_doc(data: bytes, caps: Caps) -> Extracted:
    with tempfile.TemporaryDirectory(prefix="govpatrol-doc-") as tmp:
        path = Path(tmp) / "in.doc"
        path.write_bytes(data)
        run = run_tool(["antiword", "-m", "UTF-8.txt", "-w", "0", str(path)], caps.tool_timeout_s)
        if not run.ok and run.reason != "timeout":
            run = run_tool(["catdoc", "-d", "utf-8", "-w", str(path)], caps.tool_timeout_s)
    if not run.ok:
        reason = {"failed": "malformed", "tool_missing": "tool_missing"}.get(run.reason, run.reason)
        return failed("doc", reason, run.detail)
    return Extracted(format="doc", text=run.stdout.decode("utf-8", "replace"), pages=1)


def read_xls(data: bytes, caps: Caps) -> Extracted:
    # xlrd writes warnings to its logfile (stdout by default): keep them out of the worker's answer
    book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    out = Extracted(format="xls")
    rows = RowLines(caps, out)
    pages: list[str] = []
    try:
        for number in range(book.nsheets):
            if number >= caps.max_pages:
                out.cut("too_many_pages")
                break
            sheet = book.sheet_by_index(number)
            lines: list[str] = []
            full = all(rows.add(lines, sheet.row_values(r)) for r in range(sheet.nrows))
            pages.append("\n".join(lines))
            book.unload_sheet(number)
            if not full:
                break
    finally:
        book.release_resources()
    out.text, out.pages = "\f".join(pages), len(pages)
    return out
