"""The 通报 from a known set of sweeps, summaries and findings in the real Elasticsearch.

Hand-computed expectations (12 sites, 9 of 12 accounts sampled on 3 platforms, 2 regions):
  sites: 12 judged, 1 unverified -> 11 checked, 2 failing, 合格率 9/11 = 81.82%
  accounts: population 12 (微博4 微信公众号3 抖音5), 75% sampled = 9 checked, 2 failing, 7/9 = 77.78%
  platforms: 微博 2/3 = 66.67%, 微信公众号 3/3 = 100.00%, 抖音 2/3 = 66.67%
  regions: 甲市 10/12 = 83.33%, 乙市 6/8 = 75.00%
  复查: 2 rectified in the window (one by this sweep, one by a February re-check), 1 still open
  deadline: report date 2025-04-03 (Thursday) + 15 working days = 2025-04-24
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from docx import Document

from crawlers.dates import BEIJING
from crawlers.models import Finding, TargetSummary
from govpatrol.report import ReportSettings, write_report

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
AS_OF = datetime(2025, 3, 31, 2, 0, tzinfo=BEIJING)
LAST_QUARTER = datetime(2024, 12, 31, 2, 0, tzinfo=BEIJING)
SWEEP = "full-20250331T020000-abc123"
SETTINGS = ReportSettings(scope="全省", office="省政府办公厅", report_date="2025-04-03")

# id, name, owner, region, platform, verdict
SITES = [
    (f"s{i:02d}", f"{region}{unit}网站", f"{region}{unit}", region, None, verdict)
    for i, (region, unit, verdict) in enumerate(
        [
            ("甲市", "人民政府", "pass"),
            ("甲市", "教育局", "pass"),
            ("甲市", "交通运输局", "fail"),
            ("甲市", "卫生健康委员会", "pass"),
            ("甲市", "财政局", "pass"),
            ("甲市", "民政局", "pass"),
            ("甲市", "水利局", "pass"),
            ("乙市", "人民政府", "pass"),
            ("乙市", "农业农村局", "fail"),
            ("乙市", "文化和旅游局", "pass"),
            ("乙市", "应急管理局", "pass"),
            ("乙市", "统计局", "unverified"),
        ],
        1,
    )
]
ACCOUNTS = [
    ("a01", "甲市发布", "甲市人民政府新闻办公室", "甲市", "weibo", "pass"),
    ("a02", "甲市市场监管", "甲市市场监督管理局", "甲市", "weibo", "fail"),
    ("a03", "甲市公安", "甲市公安局", "甲市", "weibo", "pass"),
    ("a04", "甲市人社", "甲市人力资源和社会保障局", "甲市", "wechat", "pass"),
    ("a05", "甲市生态环境", "甲市生态环境局", "甲市", "wechat", "pass"),
    ("a06", "乙市发布", "乙市人民政府新闻办公室", "乙市", "wechat", "pass"),
    ("a07", "乙市税务", "乙市税务局", "乙市", "douyin", "pass"),
    ("a08", "乙市自然资源", "乙市自然资源局", "乙市", "douyin", "fail"),
    ("a09", "乙市住建", "乙市住房和城乡建设局", "乙市", "douyin", "pass"),
]
STRATA = [
    {"region": "甲市", "platform": "weibo", "population": 4, "drawn": 3},
    {"region": "甲市", "platform": "wechat", "population": 2, "drawn": 2},
    {"region": "乙市", "platform": "wechat", "population": 1, "drawn": 1},
    {"region": "乙市", "platform": "douyin", "population": 5, "drawn": 3},
]


def _summaries() -> list[TargetSummary]:
    out = []
    for kind, rows in (("site", SITES), ("account", ACCOUNTS)):
        for tid, name, owner, region, platform, verdict in rows:
            out.append(
                TargetSummary(
                    target_id=tid,
                    kind=kind,  # type: ignore[arg-type]
                    verdict=verdict,  # type: ignore[arg-type]
                    latest_update=None,
                    latest_update_source=None,
                    name=name,
                    owner=owner,
                    region=region,
                    url=f"https://{tid}.example.gov.cn/",
                    platform=platform,
                    as_of=AS_OF,
                    sweep_id=SWEEP,
                    unverified_reasons=["首页无法访问（timeout）"] if verdict == "unverified" else [],
                )
            )
    return out


def _finding(tid: str, indicator: str, message: str, **kw: object) -> Finding:
    row = next(r for r in SITES + ACCOUNTS if r[0] == tid)
    defaults: dict = {
        "severity": "veto",
        "status": "open",
        "subject_url": f"https://{tid}.example.gov.cn/",
        "evidence": {},
        "as_of": AS_OF,
        "first_seen": AS_OF,
        "last_seen": AS_OF,
        "sweep_id": SWEEP,
    }
    defaults.update(kw)
    return Finding(
        target_id=tid,
        indicator=indicator,
        message=message,
        target_name=row[1],
        owner=row[2],
        region=row[3],
        kind="site" if tid.startswith("s") else "account",
        platform=row[4],
        **defaults,  # type: ignore[arg-type]
    )


FINDINGS = [
    _finding("s03", "SITE-VETO-HOME-STALE", "首页最近更新于2025年2月20日，已39天未更新"),
    _finding("s09", "SITE-VETO-COLUMN-STALE", "5个新闻、通知公告类栏目超过规定时间未更新"),
    _finding(
        "a02", "ACCOUNT-VETO-NO-UPDATE", "最近发布于2025年3月1日，已30天未更新", first_seen=LAST_QUARTER
    ),
    _finding("a08", "ACCOUNT-GONE", "账号已注销或被封禁（已注销）"),
    # neither a warning nor an unverifiable check is a problem of section 二
    _finding("s01", "SITE-VETO-HOME-STALE", "预警：首页已11天未更新", level="warning"),
    _finding("s12", "SITE-VETO-HOME-STALE", "首页本次无法访问（timeout）", status="unverified"),
    # 复查: fixed by this sweep, fixed by a February re-check, and one fixed long before the window
    _finding(
        "s05",
        "SITE-VETO-HOME-STALE",
        "首页已20天未更新",
        status="rectified",
        first_seen=LAST_QUARTER,
        rectified_at=AS_OF,
    ),
    _finding(
        "s07",
        "SITE-VETO-COLUMN-STALE",
        "6个栏目未更新",
        status="rectified",
        first_seen=LAST_QUARTER,
        rectified_at=datetime(2025, 2, 15, 8, 0, tzinfo=BEIJING),
        sweep_id="recheck-20250215T080000-def456",
    ),
    _finding(
        "s10",
        "SITE-VETO-HOME-STALE",
        "首页已30天未更新",
        status="rectified",
        first_seen=datetime(2024, 9, 30, tzinfo=BEIJING),
        rectified_at=datetime(2024, 11, 1, tzinfo=BEIJING),
        sweep_id="recheck-20241101T000000-000000",
    ),
]

SITE_SENTENCE = "对全省正在运行的11个政府网站进行了检查，发现存在突出问题的政府网站2个，检查合格率为81.82%。"
ACCOUNT_SENTENCE = (
    "全省共有政务新媒体账号12个（微博4个、微信公众号3个、抖音5个），按75%的比例抽查了9个，"
    "发现存在突出问题的政务新媒体2个，检查合格率为77.78%。"
)
PROBLEM_LINES = [
    "甲市交通运输局网站（甲市交通运输局）：首页最近更新于2025年2月20日，已39天未更新（首次发现于2025年3月31日）",
    "乙市农业农村局网站（乙市农业农村局）：5个新闻、通知公告类栏目超过规定时间未更新（首次发现于2025年3月31日）",
    "甲市市场监管（甲市市场监督管理局）：最近发布于2025年3月1日，已30天未更新（首次发现于2024年12月31日）",
    "乙市自然资源（乙市自然资源局）：账号已注销或被封禁（已注销）（首次发现于2025年3月31日）",
]
HEADINGS = ["一、总体情况", "二、发现的主要问题", "三、复查情况", "四、下一步要求", "附件"]
REVIEW = "对此前检查发现的问题进行了复查，已整改2个，仍未整改1个。"
RECTIFIED = "已完成整改的：甲市财政局网站（甲市财政局）首页不更新；甲市水利局网站（甲市水利局）栏目不更新。"
STILL_OPEN = "仍未整改的：甲市市场监管（甲市市场监督管理局）内容不更新。"
DEADLINE = "于2025年4月24日前完成整改"
# 类别, 总数, 检查数, 合格数, 不合格数, 未能核实, 合格率
KIND_ROWS = [
    ["政府网站", "12", "11", "9", "2", "1", "81.82%"],
    ["政务新媒体", "12", "9", "7", "2", "0", "77.78%"],
    ["微博", "4", "3", "2", "1", "0", "66.67%"],
    ["微信公众号", "3", "3", "3", "0", "0", "100.00%"],
    ["抖音", "5", "3", "2", "1", "0", "66.67%"],
]
REGION_ROWS = [
    ["乙市", "", "8", "6", "2", "1", "75.00%"],
    ["甲市", "", "12", "10", "2", "0", "83.33%"],
]


@pytest.fixture
def known(store):  # type: ignore[no-untyped-def]
    store.write_targets(_summaries())
    store.upsert_findings(FINDINGS)
    store.write_sweep(
        {
            "id": SWEEP,
            "kind": "full",
            "as_of": AS_OF.isoformat(),
            "started_at": AS_OF.isoformat(),
            "sample": {"ratio": 0.75, "seed": 2019, "population": 12, "sampled": 9, "strata": STRATA},
        }
    )
    store.write_sweep(
        {"id": "patrol-20250405T100000-ffffff", "kind": "patrol", "as_of": "2025-04-05T10:00:00+08:00"}
    )
    store.refresh()
    return store


def _expect_text(text: str) -> None:
    for expected in [
        *HEADINGS,
        SITE_SENTENCE,
        ACCOUNT_SENTENCE,
        *PROBLEM_LINES,
        REVIEW,
        RECTIFIED,
        STILL_OPEN,
        DEADLINE,
    ]:
        assert expected in text, expected
    for heading in (
        "（一）首页不更新（1个）",
        "（二）栏目不更新（1个）",
        "（三）内容不更新（1个）",
        "（四）账号已注销或被封禁（1个）",
    ):
        assert heading in text
    assert "预警" not in text
    assert "乙市统计局网站（" not in text.split("附件")[0]  # unverified: named only in 附件5
    assert "乙市文化和旅游局网站（" not in text  # rectified long before the window


def test_markdown_report_for_the_sweep(known, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_report(known, sweep_id=SWEEP, fmt="md", out=tmp_path / "r.md", config=SETTINGS)
    text = path.read_text(encoding="utf-8")
    _expect_text(text)
    for row in KIND_ROWS + REGION_ROWS:
        assert "| " + " | ".join(row) + " |" in text
    assert "| 1 | 乙市统计局网站 | 网站 | 乙市统计局 | 乙市 | 首页无法访问（timeout） |" in text


def test_quarter_report_takes_the_sweeps_of_the_beijing_quarter(known, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_report(known, quarter="2025Q1", fmt="md", out=tmp_path / "q.md", config=SETTINGS)
    text = path.read_text(encoding="utf-8")
    assert "检查期间：2025年第一季度（2025年1月1日至2025年3月31日）。" in text
    _expect_text(text)


def test_docx_report_reads_back_with_tables_and_charts(known, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_report(known, sweep_id=SWEEP, fmt="docx", out=tmp_path / "r.docx", config=SETTINGS)
    doc = Document(str(path))
    _expect_text("\n".join(p.text for p in doc.paragraphs))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    assert tables[0][1:] == KIND_ROWS
    assert tables[1][1:] == REGION_ROWS
    annex_sites = next(t for t in tables if t[0][0] == "序号" and len(t) == 3 and t[1][2] == "网站")
    assert [r[1] for r in annex_sites[1:]] == ["甲市交通运输局网站", "乙市农业农村局网站"]
    assert len(doc.inline_shapes) == 2


def test_html_report_opens_in_chromium(known, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    path = write_report(known, sweep_id=SWEEP, fmt="html", out=tmp_path / "r.html", config=SETTINGS)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/lib/chromium/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu"],
        )
        try:
            page = browser.new_page()
            page.goto(path.as_uri())
            _expect_text(page.inner_text("body"))
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
            assert len(widths) == 2
            assert all(w > 100 for w in widths)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000
