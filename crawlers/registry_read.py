"""Reading a registry file into rows of text: CSV (UTF-8 or GB18030) or the first sheet of an XLSX.

Whatever the bytes, the outcome is rows or a :class:`RegistryError` naming the file: a truncated
or corrupt workbook, random bytes and oversized files are reported, never raised as a parser's
own exception. Besides the rows it reports what a person should know (warnings: a second sheet
that is not read) and, for XLSX, formula cells Excel never saved a value for (the importer names
them on their row and column instead of calling them empty).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from crawlers.registry_vocab import header_name, vocabulary

MAX_ROWS = 100_000  # a province's registry has about 10,000 rows
MAX_BYTES = 50 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # all but tab, LF, CR


class RegistryError(ValueError):
    """A targets file that cannot be imported; ``errors`` holds one line per problem."""

    def __init__(self, errors: list[str]) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))

    def __str__(self) -> str:
        return "\n".join(self.errors)


@dataclass
class Sheet:
    """The rows of a registry (spreadsheet numbering: row 1 first) and what was noticed reading it."""

    rows: list[list[str]]
    warnings: list[str] = field(default_factory=list)
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col index): formula


def read_sheet(path: Path, shown: str) -> Sheet:
    """The rows of the file at ``path`` (``shown`` is how error lines name it)."""
    data = _read_bytes(path, shown)
    if data[:4] == _ZIP_MAGIC:
        return _xlsx(data, shown)
    return Sheet(_csv_rows(_decode(data, shown), shown))


def _read_bytes(path: Path, shown: str) -> bytes:
    try:
        if not path.exists():
            raise RegistryError([f"{shown}: file does not exist"])
        if path.is_dir():
            raise RegistryError([f"{shown}: is a directory, not a file"])
        if path.stat().st_size > MAX_BYTES:
            raise RegistryError(
                [f"{shown}: file is larger than {MAX_BYTES // 2**20} MB: not a targets registry"]
            )
        data = path.read_bytes()
    except OSError as exc:
        raise RegistryError([f"{shown}: cannot read file: {exc.strerror or exc}"]) from exc
    if not data:
        raise RegistryError([f"{shown}: file is empty"])
    return data


def _decode(data: bytes, shown: str) -> str:
    """UTF-8 (BOM or not) first, because valid UTF-8 is almost never meant as GBK; then GB18030."""
    if data.startswith(_OLE2_MAGIC):
        raise RegistryError([f"{shown}: legacy .xls workbook is not supported (save it as .xlsx or CSV)"])
    if data.startswith(_UTF16_BOMS):
        raise RegistryError([f"{shown}: UTF-16 text is not supported (save it as CSV UTF-8 or GBK)"])
    binary = [f"{shown}: not a CSV or XLSX file (binary content)"]
    if b"\x00" in data:
        raise RegistryError(binary)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # GB18030 decodes much random binary; control characters give it away.
        if _CONTROL_CHARS.search(text):
            raise RegistryError(binary)
        return text
    raise RegistryError(binary)


def _csv_rows(text: str, shown: str) -> list[list[str]]:
    """One list of cells per spreadsheet row (blank lines kept as ``[]`` so numbers stay true)."""
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            rows.append(row)
            if len(rows) > MAX_ROWS:
                raise RegistryError([f"{shown}: more than {MAX_ROWS:,} rows: not a targets registry"])
    except csv.Error as exc:
        raise RegistryError([f"{shown}: not a readable CSV file: {exc}"]) from exc
    return rows


def _xlsx(data: bytes, shown: str) -> Sheet:
    """The first sheet's values, its unsaved formulas, and a warning per other sheet with content.

    Read from memory so openpyxl does not judge by the file extension; any failure of the zip or
    XML layers (a truncated download, a corrupt sheet) is the file's problem, reported as such.
    """
    try:
        return _read_workbook(data, shown)
    except RegistryError:
        raise
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors alike: the file is unreadable
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise RegistryError([f"{shown}: not a readable XLSX workbook: {reason}"]) from exc


def _read_workbook(data: bytes, shown: str) -> Sheet:
    from openpyxl import load_workbook  # only XLSX registries pay for it (0.3 s)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles it does not need
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not book.worksheets:
                raise RegistryError([f"{shown}: not a readable XLSX workbook: no worksheets"])
            first = book.worksheets[0]
            rows = _values(first, shown)
            if not any(any(row) for row in rows):
                raise RegistryError([f"{shown}: first sheet '{first.title}' is empty"])
            notes = [
                f"{shown}: sheet '{ws.title}' is not read (only the first sheet, '{first.title}', is)"
                for ws in book.worksheets[1:]
                if header_name(ws.title) not in vocabulary().instruction_sheets and _has_content(ws)
            ]
        finally:
            book.close()
        formulas = _unsaved_formulas(data, rows)
    return Sheet(rows, notes, formulas)


def _values(ws: Any, shown: str) -> list[list[str]]:
    rows: list[list[str]] = []
    for row in ws.iter_rows(values_only=True):
        rows.append([_cell_text(v) for v in row])
        if len(rows) > MAX_ROWS:
            raise RegistryError([f"{shown}: more than {MAX_ROWS:,} rows: not a targets registry"])
    return rows


def _has_content(ws: Any, look: int = 1000) -> bool:
    for n, row in enumerate(ws.iter_rows(values_only=True)):
        if n >= look:
            return False
        if any(v not in (None, "") for v in row):
            return True
    return False


def _unsaved_formulas(data: bytes, rows: list[list[str]]) -> dict[tuple[int, int], str]:
    """Cells holding a formula but no saved value (a file written by a program, never opened in
    Excel or WPS): their value reads as empty, which would be a misleading "required value"."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    found: dict[tuple[int, int], str] = {}
    try:
        for n, row in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            if n > len(rows):
                break
            for col, value in enumerate(row):
                text = getattr(value, "text", value)  # an array formula carries its text
                saved = rows[n - 1][col] if col < len(rows[n - 1]) else ""
                if isinstance(text, str) and text.startswith("=") and not saved:
                    found[(n, col)] = text
    finally:
        book.close()
    return found


def _cell_text(value: object) -> str:
    """Cell value as the text the user typed: 3205000001 stays '3205000001', not '3205000001.0'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
