"""Spreadsheet and CSV cells that stay data: registry names and crawled text never become formulas.

OWASP's CSV-injection guidance: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is a formula to Excel and LibreOffice (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``),
so CSV cells get a leading ``'``. XLSX cells keep the text exactly but are stored as strings
(never ``<f>``) with Excel's quote prefix, so editing the cell does not turn it into a formula.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell: text that Excel would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def xlsx_cell(sheet: Any, row: int, column: int, value: Any, number_format: str = "") -> Any:
    """Write one XLSX cell: datetimes as Excel dates (Beijing wall time), text as text, always."""
    if isinstance(value, datetime):
        value = value.replace(tzinfo=None)  # Excel has no time zones
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store "=..." as a live formula
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    if isinstance(value, datetime):
        cell.number_format = number_format or "yyyy-mm-dd hh:mm"
    elif number_format:
        cell.number_format = number_format
    return cell
