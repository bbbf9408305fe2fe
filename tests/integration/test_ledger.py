"""The patrol ledger (巡网台账): a month's sweep records from the real Elasticsearch, exported
as XLSX (title row, Chinese headers, frozen header) and as CSV with a BOM; the month is Beijing's."""

from __future__ import annotations

import argparse
import csv
from datetime import datetime

import pytest
from openpyxl import load_workbook

from govpatrol.cli import ledger as cli_ledger
from govpatrol.ledger import COLUMNS, LedgerError, export_ledger, ledger_rows, month_bounds

HEADERS = [
    "序号",
    "巡检类型",
    "开始时间",
    "结束时间",
    "检查基准时间",
    "计划对象数",
    "完成数",
    "不合格数",
    "未能核实数",
    "新发现问题",
    "已整改问题",
    "抽样比例",
    "随机种子",
    "批次编号",
]


def sweep(sweep_id: str, kind: str, started: str, minutes: int = 20, **extra: object) -> dict:
    start = datetime.fromisoformat(started)
    end = start.replace(minute=(start.minute + minutes) % 60)
    doc = {
        "id": sweep_id,
        "kind": kind,
        "as_of": start.isoformat(),
        "started_at": start.isoformat(),
        "ended_at": end.isoformat(),
        "targets_planned": 10,
        "targets_done": 10,
        "targets_failed": 2,
        "targets_unverified": 1,
        "findings_opened": 3,
        "findings_closed": 1,
    }
    doc.update(extra)
    return doc


# Written out of order, across February, March and April; the edges are Beijing midnight.
SWEEPS = [
    sweep("recheck-0310", "recheck", "2025-03-10T08:00:00+08:00", findings_opened=0, findings_closed=4),
    sweep("patrol-0228", "patrol", "2025-02-28T22:00:00+08:00"),
    sweep("probe-0401", "probe", "2025-04-01T00:30:00+08:00"),  # still March 31 in UTC: April's
    sweep(
        "full-0301",
        "full",
        "2025-03-01T00:10:00+08:00",  # still February 28 in UTC: March's
        targets_planned=120,
        targets_done=118,
        targets_failed=9,
        targets_unverified=4,
        findings_opened=17,
        findings_closed=0,
        sample={"ratio": 0.2, "seed": 2019, "population": 500, "sampled": 104, "forced": ["A007"]},
    ),
    sweep("rollup-0331", "rollup", "2025-03-31T23:30:00+08:00"),
    sweep("patrol-0315", "patrol", "2025-03-15T14:00:00+08:00", targets_failed=0),
]


@pytest.fixture
def filled(store):
    for doc in SWEEPS:
        store.write_sweep(doc)
    store.refresh()
    return store


def test_rows_are_the_beijing_months_sweeps_in_start_order(filled):
    rows = ledger_rows(filled, "2025-03")
    assert [r["sweep_id"] for r in rows] == ["full-0301", "recheck-0310", "patrol-0315", "rollup-0331"]
    assert [r["seq"] for r in rows] == [1, 2, 3, 4]
    assert [r["kind_label"] for r in rows] == ["全面检查", "复查", "日常巡检(2小时)", "周汇总"]
    assert [r["sweep_id"] for r in ledger_rows(filled, "2025-04")] == ["probe-0401"]
    assert [r["sweep_id"] for r in ledger_rows(filled, "2025-02")] == ["patrol-0228"]
    assert ledger_rows(filled, "2025-05") == []


def test_xlsx_opens_in_openpyxl_with_title_headers_and_rows(filled, tmp_path):
    path = export_ledger(filled, "2025-03", "xlsx", tmp_path / "ledger.xlsx")
    sheet = load_workbook(path).active
    assert sheet["A1"].value == "巡网台账（2025年3月）"
    assert [c.value for c in sheet[2]] == HEADERS
    assert sheet.freeze_panes == "A3"
    assert sheet.max_row == 2 + 4
    full = [c.value for c in sheet[3]]
    assert full == [
        1,
        "全面检查",
        datetime(2025, 3, 1, 0, 10),
        datetime(2025, 3, 1, 0, 30),
        datetime(2025, 3, 1, 0, 10),
        120,
        118,
        9,
        4,
        17,
        0,
        0.2,
        2019,
        "full-0301",
    ]
    assert sheet.cell(row=3, column=12).number_format == "0%"
    recheck = [c.value for c in sheet[4]]
    assert recheck[1] == "复查"
    assert recheck[9:13] == [0, 4, None, None]  # no sample: blank ratio and seed
    assert sheet.cell(row=6, column=3).value == datetime(2025, 3, 31, 23, 30)
    assert all(sheet.column_dimensions[chr(ord("A") + i)].width >= 8 for i in range(len(HEADERS)))


def test_csv_has_a_bom_and_the_same_rows(filled, tmp_path):
    path = export_ledger(filled, "2025-03", "csv", tmp_path / "ledger.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    assert rows[0] == HEADERS
    assert len(rows) == 1 + 4
    assert rows[1] == [
        "1",
        "全面检查",
        "2025-03-01 00:10:00",
        "2025-03-01 00:30:00",
        "2025-03-01 00:10:00",
        "120",
        "118",
        "9",
        "4",
        "17",
        "0",
        "20%",
        "2019",
        "full-0301",
    ]
    assert rows[2][11:13] == ["", ""]


def test_the_month_must_be_yyyy_mm():
    with pytest.raises(LedgerError, match=r"--month: expected YYYY-MM, got '2025-3'"):
        month_bounds("2025-3")
    with pytest.raises(LedgerError):
        month_bounds("2025-13")
    start, end = month_bounds("2025-12")
    assert (start.isoformat(), end.isoformat()) == ("2025-12-01T00:00:00+08:00", "2026-01-01T00:00:00+08:00")
    assert len(COLUMNS) == len(HEADERS)


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="govpatrol")
    cli_ledger.add_cli(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_writes_the_ledger_and_refuses_a_bad_month(filled, es_url, tmp_path, capsys):
    config = tmp_path / "govpatrol.toml"
    config.write_text(
        f'[elasticsearch]\nurl = "{es_url}"\nindex_prefix = "{filled.prefix}"\n', encoding="utf-8"
    )
    out = tmp_path / "out" / "台账.xlsx"
    assert run_cli(["ledger", "--month", "2025-03", "--out", str(out), "--config", str(config)]) == 0
    assert "4 sweep(s)" in capsys.readouterr().out
    assert load_workbook(out).active.max_row == 6
    assert run_cli(["ledger", "--month", "2025-3", "--config", str(config)]) == 2
    assert "--month: expected YYYY-MM, got '2025-3'" in capsys.readouterr().err
