"""The targets registry: read the CSV / XLSX file of sites and accounts into ``Target`` records.

Offices keep this file by hand in Excel or WPS, so it arrives as XLSX, UTF-8 CSV (with or without a
BOM) or GBK CSV. The importer is strict because a wrong row silently drops a site from inspection:
every problem in the file is collected, reported one line each, and nothing is imported until the
file is clean.

The file type is told by content (XLSX is a zip starting ``PK\\x03\\x04``), not by extension. Text is
decoded as strict UTF-8 first (a BOM is dropped), then GB18030 (a superset of GBK). The first
non-blank row is the header; header names are trimmed and case-insensitive. Every cell is trimmed,
blank rows are skipped, and row numbers are spreadsheet rows (header = row 1, first data row = 2).
``kind`` and ``platform`` values are also case-insensitive and stored in lower case.

Error lines (``{path}`` is ``str(path)`` as the caller gave it):

Whole file::

    {path}: file does not exist
    {path}: is a directory, not a file
    {path}: cannot read file: {os error}
    {path}: file is empty                      (0 bytes, or only blank lines)
    {path}: first sheet '{title}' is empty     (XLSX with no non-blank row)
    {path}: not a CSV or XLSX file (binary content)
    {path}: legacy .xls workbook is not supported (save it as .xlsx or CSV)
    {path}: UTF-16 text is not supported (save it as CSV UTF-8 or GBK)
    {path}: not a readable XLSX workbook: {reason}
    {path}: not a readable CSV file: {reason}
    {path}: header: missing column {col}
    {path}: header: unknown column {col} (known: id, kind, ...)
    {path}: header: duplicate column {col}
    {path}: no target rows

One row::

    {path}: row {n}: {k} values but the header has {m} columns
    {path}: row {n}, column {letter}: value under a column with no header: '{value}'
    {path}: row {n}, column {col}: required value is empty      (id, kind, name, owner, region, url)
    {path}: row {n}, column id: duplicate id '{id}' (first used on row {m})
    {path}: row {n}, column kind: unknown kind '{kind}' (expected site or account)
    {path}: row {n}, column url: URL has no scheme or host: '{url}'
    {path}: row {n}, column url: URL scheme must be http or https, got '{scheme}': '{url}'
    {path}: row {n}, column url: URL contains whitespace: '{url}'
    {path}: row {n}, column url: URL has an invalid port: '{url}'
    {path}: row {n}, column platform: platform is required for an account (expected one of weibo, ...)
    {path}: row {n}, column platform: unknown platform '{p}' (expected one of weibo, wechat, ...)
    {path}: row {n}, column platform: platform given for a site (only accounts have one): '{p}'
    {path}: row {n}, column site_code: site_code must be 10 characters, got {k}: '{code}'

Header problems do not stop the row checks: rows are still checked for the columns that are present
(a missing column is reported once, in the header line, not on every row).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from crawlers.models import PLATFORMS, Target, TargetKind
from crawlers.thresholds import load_thresholds

REQUIRED_COLUMNS: tuple[str, ...] = ("id", "kind", "name", "owner", "region", "url")
OPTIONAL_COLUMNS: tuple[str, ...] = ("platform", "account_id", "site_code")
KNOWN_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
KINDS: tuple[str, ...] = ("site", "account")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # all but tab, LF, CR


class RegistryError(ValueError):
    """A targets file that cannot be imported; ``errors`` holds one line per problem."""

    def __init__(self, errors: Sequence[str]) -> None:
        self.errors: list[str] = list(errors)
        super().__init__("\n".join(self.errors))

    def __str__(self) -> str:
        return "\n".join(self.errors)


def load_targets(path: str | Path, *, indicators: str | Path | None = None) -> list[Target]:
    """Read and validate a targets file; raise ``RegistryError`` listing every problem in it.

    ``indicators`` is the office's indicators override file (config ``[indicators] file``), so the
    site_code length follows the same data as the footer rule.
    """
    shown = str(path)
    data = _read_bytes(Path(path), shown)
    if data[:4] == _ZIP_MAGIC:
        rows = _xlsx_rows(data, shown)
    else:
        rows = _csv_rows(_decode(data, shown), shown)
    length = int(load_thresholds(indicators)["SITE-REQ-FOOTER-MARKS"]["site_code_length"])
    return _build(rows, shown, length)


def summarize(targets: Iterable[Target]) -> dict[str, Any]:
    """Counts for the CLI summary: ``{"total", "by_kind": {site, account}, "by_platform": {...}}``.

    ``by_kind`` always has both kinds; ``by_platform`` lists only platforms present, in the order of
    ``crawlers.models.PLATFORMS``, so the summary reads the same from run to run.
    """
    items = list(targets)
    kinds: Counter[str] = Counter(t.kind for t in items)
    platforms = Counter(t.platform for t in items if t.kind == "account" and t.platform)
    return {
        "total": len(items),
        "by_kind": {kind: kinds.get(kind, 0) for kind in KINDS},
        "by_platform": {p: platforms[p] for p in PLATFORMS if platforms.get(p)},
    }


# --- reading ---------------------------------------------------------------------------------------


def _read_bytes(path: Path, shown: str) -> bytes:
    if not path.exists():
        raise RegistryError([f"{shown}: file does not exist"])
    if path.is_dir():
        raise RegistryError([f"{shown}: is a directory, not a file"])
    try:
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
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise RegistryError([f"{shown}: not a readable CSV file: {exc}"]) from exc


def _xlsx_rows(data: bytes, shown: str) -> list[list[str]]:
    """Cells of the first sheet; read from memory so openpyxl does not judge by the file extension."""
    from openpyxl import load_workbook  # imported only for XLSX registries (0.3 s)
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not need
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise RegistryError([f"{shown}: not a readable XLSX workbook: {exc}"]) from exc
    try:
        if not book.worksheets:
            raise RegistryError([f"{shown}: not a readable XLSX workbook: no worksheets"])
        sheet = book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not any(any(row) for row in rows):
        raise RegistryError([f"{shown}: first sheet '{sheet.title}' is empty"])
    return rows


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


# --- validation ------------------------------------------------------------------------------------


def _build(rows: list[list[str]], shown: str, site_code_length: int) -> list[Target]:
    numbered = [(n, [c.strip() for c in row]) for n, row in enumerate(rows, start=1)]
    numbered = [(n, cells) for n, cells in numbered if any(cells)]
    if not numbered:
        raise RegistryError([f"{shown}: file is empty"])
    (_, header), body = numbered[0], numbered[1:]
    checker = _RowChecker(shown, header, site_code_length)
    if not body:
        checker.errors.append(f"{shown}: no target rows")
    targets = [t for t in (checker.check(n, cells) for n, cells in body) if t is not None]
    if checker.errors:
        raise RegistryError(checker.errors)
    return targets


class _RowChecker:
    """Checks rows against one header, remembering ids seen so duplicates name their first row."""

    def __init__(self, shown: str, header: list[str], site_code_length: int) -> None:
        self.shown = shown
        self.header = header
        self.errors: list[str] = []
        self.first_row: dict[str, int] = {}
        self.site_code_length = site_code_length
        self.columns = self._columns()

    def _columns(self) -> dict[str, int]:
        """Map known column name -> cell index, reporting missing, unknown and duplicate names."""
        columns: dict[str, int] = {}
        for index, raw in enumerate(self.header):
            name = raw.lstrip("\ufeff").strip().lower()
            if not name:
                continue
            if name not in KNOWN_COLUMNS:
                known = ", ".join(KNOWN_COLUMNS)
                self.errors.append(f"{self.shown}: header: unknown column {raw} (known: {known})")
            elif name in columns:
                self.errors.append(f"{self.shown}: header: duplicate column {name}")
            else:
                columns[name] = index
        self.errors.extend(
            f"{self.shown}: header: missing column {c}" for c in REQUIRED_COLUMNS if c not in columns
        )
        return columns

    def check(self, n: int, cells: list[str]) -> Target | None:
        """Check one data row; record its problems and return a Target only if it is clean."""
        where = f"{self.shown}: row {n}"
        problems = list(self._layout_problems(cells))
        self.errors.extend(f"{where}{p}" for p in problems)
        values = {name: (cells[i] if i < len(cells) else "") for name, i in self.columns.items()}
        self.errors.extend(f"{where}, column {col}: {p}" for col, p in self._value_problems(n, values))
        if self.errors:  # this row or an earlier one is bad: the file will be refused anyway
            return None
        return Target(
            id=values["id"],
            kind=cast(TargetKind, values["kind"].lower()),
            name=values["name"],
            owner=values["owner"],
            region=values["region"],
            url=values["url"],
            platform=values.get("platform", "").lower() or None,
            account_id=values.get("account_id") or None,
            site_code=values.get("site_code") or None,
        )

    def _layout_problems(self, cells: list[str]) -> Iterator[str]:
        """Values outside the named columns: they would otherwise be dropped without a word."""
        width = len(self.header)
        if any(cells[width:]):
            last = max(i for i, c in enumerate(cells) if c) + 1
            yield f": {last} values but the header has {width} columns"
        for index, value in enumerate(cells[:width]):
            if value and not self.header[index].strip():
                from openpyxl.utils import get_column_letter

                letter = get_column_letter(index + 1)
                yield f", column {letter}: value under a column with no header: '{value}'"

    def _value_problems(self, n: int, values: dict[str, str]) -> Iterator[tuple[str, str]]:
        for name in REQUIRED_COLUMNS:
            if name in values and not values[name]:
                yield name, "required value is empty"
        target_id = values.get("id", "")
        if target_id in self.first_row:
            yield "id", f"duplicate id '{target_id}' (first used on row {self.first_row[target_id]})"
        elif target_id:
            self.first_row[target_id] = n
        kind = values.get("kind", "").lower()
        if kind and kind not in KINDS:
            yield "kind", f"unknown kind '{values['kind']}' (expected site or account)"
        if values.get("url"):
            problem = _url_problem(values["url"])
            if problem:
                yield "url", problem
        platform = values.get("platform", "")
        problem = _platform_problem(kind, platform)
        if problem:
            yield "platform", problem
        site_code = values.get("site_code", "")
        if site_code and len(site_code) != self.site_code_length:
            yield (
                "site_code",
                f"site_code must be {self.site_code_length} characters, got {len(site_code)}: '{site_code}'",
            )


def _platform_problem(kind: str, platform: str) -> str:
    """Why this platform value is wrong for this kind of target, or '' when it is right."""
    expected = f"expected one of {', '.join(PLATFORMS)}"
    if platform and platform.lower() not in PLATFORMS:
        return f"unknown platform '{platform}' ({expected})"
    if kind == "site" and platform:
        return f"platform given for a site (only accounts have one): '{platform}'"
    if kind == "account" and not platform:
        # Reported even when the whole column is missing: an account cannot be crawled without it.
        return f"platform is required for an account ({expected})"
    return ""


def _url_problem(url: str) -> str:
    """Why ``url`` cannot be fetched, or '' when it is a usable http(s) URL."""
    if any(ch.isspace() for ch in url):
        return f"URL contains whitespace: '{url}'"
    if "://" not in url:
        return f"URL has no scheme or host: '{url}'"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not scheme or not parts.hostname:
        return f"URL has no scheme or host: '{url}'"
    if scheme not in ("http", "https"):
        return f"URL scheme must be http or https, got '{parts.scheme}': '{url}'"
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return f"URL has an invalid port: '{url}'"
    return ""
