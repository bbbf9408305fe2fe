"""The targets registry: read the CSV / XLSX file of sites and accounts into ``Target`` records.

Offices keep this file by hand in Excel or WPS, so it arrives as XLSX, UTF-8 CSV (with or without a
BOM) or GBK CSV. The importer is strict because a wrong row silently drops a site from inspection:
every problem in the file is collected, reported one line each, and nothing is imported until the
file is clean.

The file type is told by content (XLSX is a zip starting ``PK\\x03\\x04``), not by extension. Text is
decoded as strict UTF-8 first (a BOM is dropped), then GB18030 (a superset of GBK). The first
non-blank row is the header, unless one or two title lines (a single non-empty cell, such as a
merged "2025年全省政府网站名录") stand above a row of known column names. Header names are trimmed
and case-insensitive and may be Chinese (网站名称, 主办单位, 网址 ...); ``kind`` and ``platform``
values may be Chinese too (网站/账号, 微博, 抖音 ...): the table is ``crawlers/data/registry_columns.toml``.
Every cell is trimmed, blank rows are skipped, and row numbers are spreadsheet rows. Only the first
XLSX sheet is read; another sheet with content is named in a warning (an instructions sheet such
as 填写说明 is not). Warnings go to :func:`read_registry`'s result and to the log.

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
    {path}: not a readable XLSX workbook: {reason}   (also a truncated or corrupt one)
    {path}: not a readable CSV file: {reason}
    {path}: more than 100,000 rows: not a targets registry
    {path}: file is larger than 50 MB: not a targets registry
    {path}: header: missing column {col}
    {path}: header: unknown column {col} (known: id, kind, ..., or Chinese names)
    {path}: header: duplicate column {col} ({header as written})
    {path}: no target rows

One row::

    {path}: row {n}: {k} values but the header has {m} columns
    {path}: row {n}, column {letter}: value under a column with no header: '{value}'
    {path}: row {n}, column {col}: required value is empty      (id, kind, name, owner, region, url)
    {path}: row {n}, column {col}: formula '{f}' has no saved value (open and save the file ...)
    {path}: row {n}, column id: duplicate id '{id}' (first used on row {m})
    {path}: row {n}, column kind: unknown kind '{kind}' (expected site or account)
    {path}: row {n}, column url: URL has no scheme or host: '{url}'
    {path}: row {n}, column url: URL scheme must be http or https, got '{scheme}': '{url}'
    {path}: row {n}, column url: URL contains whitespace: '{url}'
    {path}: row {n}, column url: URL has an invalid port: '{url}'
    {path}: row {n}, column url: URL is not valid ({reason}): '{url}'          (e.g. http://[::1/)
    {path}: row {n}, column url: URL contains a user name or password: 'http://***@...' (remove it ...)
    {path}: row {n}, column account_id: account_id is needed by {platform} (the URL does not name ...)
    {path}: row {n}, column platform: platform is required for an account (expected one of weibo, ...)
    {path}: row {n}, column platform: unknown platform '{p}' (expected one of weibo, wechat, ...)
    {path}: row {n}, column platform: platform given for a site (only accounts have one): '{p}'
    {path}: row {n}, column site_code: site_code must be 10 characters, got {k}: '{code}'

A column is named as its canonical key, with the header as written when that differs
(``column url (网址)``); URLs in messages never show a password.

Warnings (the file is still imported)::

    {path}: sheet '{title}' is not read (only the first sheet, '{first}', is)
    {path}: row {n}: '{id}' is an example row of the template (delete it)

Header problems do not stop the row checks: rows are still checked for the columns that are present
(a missing column is reported once, in the header line, not on every row).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers.models import PLATFORMS, Target
from crawlers.registry_read import RegistryError, Sheet, read_sheet
from crawlers.registry_rows import RowChecker, find_header
from crawlers.registry_vocab import KINDS, KNOWN_COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from crawlers.thresholds import load_thresholds

__all__ = [
    "KINDS",
    "KNOWN_COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Registry",
    "RegistryError",
    "load_targets",
    "read_registry",
    "summarize",
]

log = logging.getLogger(__name__)


@dataclass
class Registry:
    """A clean registry: its targets, and what a person should still know about the file."""

    targets: list[Target]
    warnings: list[str] = field(default_factory=list)


def read_registry(path: str | Path, *, indicators: str | Path | None = None) -> Registry:
    """Read and validate a targets file; raise ``RegistryError`` listing every problem in it.

    ``indicators`` is the office's indicators override file (config ``[indicators] file``), so the
    site_code length follows the same data as the footer rule.
    """
    shown = str(path)
    sheet = read_sheet(Path(path), shown)
    length = int(load_thresholds(indicators)["SITE-REQ-FOOTER-MARKS"]["site_code_length"])
    return _build(sheet, shown, length)


def load_targets(path: str | Path, *, indicators: str | Path | None = None) -> list[Target]:
    """The targets of a clean file (its warnings are logged); ``RegistryError`` otherwise."""
    registry = read_registry(path, indicators=indicators)
    for line in registry.warnings:
        log.warning("%s", line)
    return registry.targets


def summarize(targets: Iterable[Target]) -> dict[str, Any]:
    """Counts: ``{"total", "by_kind": {site, account}, "by_platform": {...}, "by_region": {...}}``.

    ``by_kind`` always has both kinds; ``by_platform`` lists only platforms present, in the order of
    ``crawlers.models.PLATFORMS``, and ``by_region`` regions by count, so it reads the same each run.
    """
    items = list(targets)
    kinds: Counter[str] = Counter(t.kind for t in items)
    platforms = Counter(t.platform for t in items if t.kind == "account" and t.platform)
    regions = Counter(t.region for t in items)
    return {
        "total": len(items),
        "by_kind": {kind: kinds[kind] for kind in KINDS},
        "by_platform": {p: platforms[p] for p in PLATFORMS if platforms.get(p)},
        "by_region": dict(sorted(regions.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def _build(sheet: Sheet, shown: str, site_code_length: int) -> Registry:
    numbered = [(n, [c.strip() for c in row]) for n, row in enumerate(sheet.rows, start=1)]
    numbered = [(n, cells) for n, cells in numbered if any(cells)]
    if not numbered:
        raise RegistryError([f"{shown}: file is empty"])
    start = find_header(numbered)
    (_, header), body = numbered[start], numbered[start + 1 :]
    checker = RowChecker(shown, header, site_code_length)
    if not body:
        checker.errors.append(f"{shown}: no target rows")
    targets = [t for t in (checker.check(n, cells, sheet.formulas) for n, cells in body) if t is not None]
    if checker.errors:
        raise RegistryError(checker.errors)
    return Registry(targets, [*sheet.warnings, *checker.warnings])
