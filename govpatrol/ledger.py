"""The patrol ledger (巡网台账 / 值守日志): one row per sweep of a month, as offices file it.

Read from the ``govpatrol-sweeps`` index (every sweep, probe, re-check and roll-up writes a record
there) and exported as CSV or XLSX. The month is the Beijing calendar month an office files: a sweep
started at 2025-04-01T00:30+08:00 (still March in UTC) is on April's ledger.
"""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.dates import BEIJING
from govpatrol.exports import csv_cell, xlsx_cell
from pipelines.store import Store

FORMATS = ("csv", "xlsx")

KIND_LABELS = {
    "full": "全面检查",
    "patrol": "日常巡检(2小时)",
    "probe": "可用性探测",
    "recheck": "复查",
    "rollup": "周汇总",
}

# (header, row key, column width in characters); the order is the ledger's column order.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("序号", "seq", 6),
    ("巡检类型", "kind_label", 16),
    ("开始时间", "started_at", 20),
    ("结束时间", "ended_at", 20),
    ("检查基准时间", "as_of", 20),
    ("计划对象数", "planned", 11),
    ("完成数", "done", 9),
    ("不合格数", "failed", 9),
    ("未能核实数", "unverified", 11),
    ("新发现问题", "findings_opened", 11),
    ("已整改问题", "findings_closed", 11),
    ("抽样比例", "sample_ratio", 9),
    ("随机种子", "sample_seed", 10),
    ("批次编号", "sweep_id", 34),
)

_MONTH = re.compile(r"(\d{4})-(\d{2})")
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class LedgerError(ValueError):
    """Bad ledger input (the month, the format): printed as is, exit code 2."""


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a ``YYYY-MM`` month in Beijing time."""
    match = _MONTH.fullmatch(month.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise LedgerError(f"--month: expected YYYY-MM, got {month!r}")
    year, mon = int(match.group(1)), int(match.group(2))
    start = datetime(year, mon, 1, tzinfo=BEIJING)
    end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=BEIJING)
    return start, end


def _beijing(value: Any) -> datetime | None:
    if not value:
        return None
    when = datetime.fromisoformat(str(value))
    return (when if when.tzinfo else when.replace(tzinfo=BEIJING)).astimezone(BEIJING)


def _row(seq: int, doc: dict[str, Any]) -> dict[str, Any]:
    sample = doc.get("sample") or {}
    kind = str(doc.get("kind", ""))
    return {
        "seq": seq,
        "kind": kind,
        "kind_label": KIND_LABELS.get(kind, kind),
        "started_at": _beijing(doc.get("started_at")),
        "ended_at": _beijing(doc.get("ended_at")),
        "as_of": _beijing(doc.get("as_of")),
        "planned": doc.get("targets_planned"),
        "done": doc.get("targets_done"),
        "failed": doc.get("targets_failed"),
        "unverified": doc.get("targets_unverified"),
        "findings_opened": doc.get("findings_opened"),
        "findings_closed": doc.get("findings_closed"),
        "sample_ratio": sample.get("ratio"),
        "sample_seed": sample.get("seed"),
        "sweep_id": doc.get("id", ""),
    }


def ledger_rows(store: Store, month: str) -> list[dict[str, Any]]:
    """The month's sweeps (started in the Beijing month), ordered by start, numbered from 1."""
    start, end = month_bounds(month)
    query = {"range": {"started_at": {"gte": start.isoformat(), "lt": end.isoformat()}}}
    docs = store.search_all("sweeps", query, [{"started_at": "asc"}, {"id": "asc"}])
    return [_row(i, doc) for i, doc in enumerate(docs, start=1)]


def _title(month: str) -> str:
    start, _ = month_bounds(month)
    return f"巡网台账（{start.year}年{start.month}月）"


def _csv_value(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(_TIME_FORMAT)
    if key == "sample_ratio":
        return f"{float(value):.0%}"
    return str(value)


def _write_csv(rows: list[dict[str, Any]], out: Path) -> None:
    # UTF-8 with a BOM: Excel opens the Chinese headers correctly only with it.
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([header for header, _, _ in COLUMNS])
        for row in rows:
            writer.writerow([csv_cell(_csv_value(key, row[key])) for _, key, _ in COLUMNS])


def _write_xlsx(rows: list[dict[str, Any]], month: str, out: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = month
    width = len(COLUMNS)
    xlsx_cell(sheet, 1, 1, _title(month)).font = Font(bold=True, size=14)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for col, (header, _, chars) in enumerate(COLUMNS, start=1):
        cell = xlsx_cell(sheet, 2, col, header)
        cell.font, cell.fill = Font(bold=True), fill
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[get_column_letter(col)].width = chars + 2
    for r, row in enumerate(rows, start=3):
        for col, (_, key, _) in enumerate(COLUMNS, start=1):
            value = row[key]
            fmt = "0%" if key == "sample_ratio" and value is not None else "yyyy-mm-dd hh:mm:ss"
            xlsx_cell(
                sheet, r, col, value, fmt if isinstance(value, datetime) or key == "sample_ratio" else ""
            )
    sheet.freeze_panes = "A3"
    book.save(out)


def export_ledger(store: Store, month: str, fmt: str, out: Path) -> Path:
    """Write the month's ledger as ``csv`` or ``xlsx`` to ``out`` and return the path."""
    return write_ledger(ledger_rows(store, month), month, fmt, out)


def write_ledger(rows: list[dict[str, Any]], month: str, fmt: str, out: Path) -> Path:
    """Write rows from :func:`ledger_rows` as ``csv`` or ``xlsx``."""
    if fmt not in FORMATS:
        raise LedgerError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        _write_csv(rows, out)
    else:
        _write_xlsx(rows, month, out)
    return out
