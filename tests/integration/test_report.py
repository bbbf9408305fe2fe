"""The 通报 from known sweeps, findings and a registry in the real Elasticsearch, read back from
Markdown, HTML and DOCX and cross-checked number by number against the ground truth below.

The truth (12 sites and 12 accounts in 2 regions; 9 accounts drawn at 75%):
  the full sweep of 2025-03-31 fails s03 (首页不更新), s09 (栏目不更新) and s02 (score 55), cannot
  reach s12, draws a01-a09 and fails a02 (内容不更新, open since December) and a08 (账号已注销);
  s04 has two dead homepage links (one 疑似) and s06 an HTTPS notice: deductions and notices,
  annex 6 only; in the quarter, a roll-up vetoed s11 (站点无法访问) on 2025-03-24 and a patrol
  found a12 (not drawn) a zombie in February: both fail the quarter, not the sweep;
  复查: s05 rectified by the sweep, s07 by a February re-check, s10 long before (out of the window).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from crawlers.dates import BEIJING
from crawlers.models import Finding, Target
from govpatrol.report import ReportSettings, write_report
from tests.report_readback import ReadBack, read

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
AS_OF = datetime(2025, 3, 31, 2, 0, tzinfo=BEIJING)
LAST_QUARTER = datetime(2024, 12, 31, 2, 0, tzinfo=BEIJING)
SWEEP = "full-20250331T020000-abc123"
OLD_SWEEP = "full-20241231T020000-aaa111"
SETTINGS = ReportSettings(scope="全省", office="省政府办公厅", report_date="2025-04-03")
PLATFORMS = {"weibo": "微博", "wechat": "微信公众号", "douyin": "抖音"}

# id, name, region, the sweep's verdict (score)
SITES = [
    ("s01", "甲市人民政府", "甲市", "pass", 100.0),
    ("s02", "甲市教育局", "甲市", "fail", 55.0),
    ("s03", "甲市交通运输局", "甲市", "fail", 100.0),
    ("s04", "甲市卫生健康委员会", "甲市", "pass", 98.0),
    ("s05", "甲市财政局", "甲市", "pass", 100.0),
    ("s06", "甲市民政局", "甲市", "pass", 100.0),
    ("s07", "甲市水利局", "甲市", "pass", 100.0),
    ("s08", "乙市人民政府", "乙市", "pass", 100.0),
    ("s09", "乙市农业农村局", "乙市", "fail", 100.0),
    ("s10", "乙市文化和旅游局", "乙市", "pass", 100.0),
    ("s11", "乙市应急管理局", "乙市", "pass", 100.0),
    ("s12", "乙市统计局", "乙市", "unverified", None),
]
# id, name, owner, region, platform, the sweep's verdict (None: not drawn)
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
    ("a10", "甲市交警", "甲市公安局交通警察支队", "甲市", "weibo", None),
    ("a11", "乙市文旅", "乙市文化和旅游局", "乙市", "douyin", None),
    ("a12", "乙市水务", "乙市水务局", "乙市", "douyin", None),
]
REGISTRY = [
    Target(s[0], "site", f"{s[1]}网站", s[1], s[2], f"https://{s[0]}.example.gov.cn/") for s in SITES
] + [
    Target(a[0], "account", a[1], a[2], a[3], f"https://{a[4]}.example.com/{a[0]}", platform=a[4])
    for a in ACCOUNTS
]
NAMES = {t.id: t.name for t in REGISTRY}


def _h(*entries: tuple[datetime, str, str]) -> list[dict]:
    return [
        {"at": at.isoformat(), "sweep_id": sid, "kind": sid.split("-")[0], "status": st}
        for at, sid, st in entries
    ]


def _finding(tid: str, indicator: str, message: str, *, seen: datetime = AS_OF, **kw: object) -> Finding:
    target = next(t for t in REGISTRY if t.id == tid)
    defaults: dict = {
        "severity": "veto",
        "status": "open",
        "subject_url": target.url,
        "evidence": {},
        "as_of": seen,
        "first_seen": seen,
        "last_seen": seen,
        "sweep_id": SWEEP,
        "history": _h((seen, SWEEP, "open")),
    }
    defaults.update(kw)
    return Finding(
        target_id=tid,
        indicator=indicator,
        message=message,
        target_name=target.name,
        owner=target.owner,
        region=target.region,
        kind=target.kind,
        platform=target.platform,
        **defaults,  # type: ignore[arg-type]
    )


ROLLUP = datetime(2025, 3, 24, 6, 0, tzinfo=BEIJING)
PATROL = datetime(2025, 2, 10, 10, 0, tzinfo=BEIJING)
FEB_RECHECK = datetime(2025, 2, 15, 8, 0, tzinfo=BEIJING)
FINDINGS = [
    _finding("s03", "SITE-VETO-HOME-STALE", "首页最近更新于2025年2月20日，已39天未更新"),
    _finding("s09", "SITE-VETO-COLUMN-STALE", "5个新闻、通知公告类栏目超过规定时间未更新"),
    _finding(
        "a02",
        "ACCOUNT-VETO-NO-UPDATE",
        "最近发布于2025年3月1日，已30天未更新",
        first_seen=LAST_QUARTER,
        history=_h((LAST_QUARTER, OLD_SWEEP, "open"), (AS_OF, SWEEP, "open")),
    ),
    _finding("a08", "ACCOUNT-GONE", "账号已注销或被封禁（account does not exist or is closed: 用户不存在）"),
    _finding(
        "s11",
        "SITE-VETO-UNREACHABLE",
        "近7天首页可用性探测168次，失败10次，失败率6.0%，达到5%的否决标准",
        seen=ROLLUP,
        sweep_id="rollup-20250323T220000Z",
        history=_h((ROLLUP, "rollup-20250323T220000Z", "open")),
    ),
    _finding(
        "a12",
        "ACCOUNT-VETO-NO-UPDATE",
        "最近发布于2025年1月2日，已39天未更新",
        seen=PATROL,
        sweep_id="patrol-20250210T100000-bbb",
        history=_h((PATROL, "patrol-20250210T100000-bbb", "open")),
    ),
    # deductions and notices: annex 6, never 二
    _finding(
        "s02",
        "SITE-DED-DEAD-LINK",
        "栏目页链接不可用：https://s02.example.gov.cn/a.html，HTTP 404",
        severity="deduction",
        points=45.0,
        subject="https://s02.example.gov.cn/a.html",
    ),
    _finding(
        "s04",
        "SITE-DED-DEAD-LINK-HOME",
        "首页链接不可用：https://s04.example.gov.cn/x.html，HTTP 404",
        severity="deduction",
        points=1.0,
        subject="https://s04.example.gov.cn/x.html",
        evidence={"confirmed": True},
    ),
    _finding(
        "s04",
        "SITE-DED-DEAD-LINK-HOME",
        "首页链接不可用（疑似，待复测确认）：https://s04.example.gov.cn/y.html，超时",
        severity="deduction",
        subject="https://s04.example.gov.cn/y.html",
        evidence={"confirmed": False},
    ),
    _finding("s06", "SITE-REQ-HTTPS", "网站未启用HTTPS", severity="notice"),
    # neither a warning nor an unverifiable check is a problem
    _finding("s01", "SITE-VETO-HOME-STALE", "预警：首页已11天未更新", level="warning"),
    _finding("s12", "SITE-VETO-HOME-STALE", "首页本次无法访问（timeout）", status="unverified"),
    # 复查: rectified by this sweep, by a February re-check, and long before the window
    _finding(
        "s05",
        "SITE-VETO-HOME-STALE",
        "首页已20天未更新",
        status="rectified",
        seen=LAST_QUARTER,
        rectified_at=AS_OF,
        history=_h((LAST_QUARTER, OLD_SWEEP, "open"), (AS_OF, SWEEP, "rectified")),
    ),
    _finding(
        "s07",
        "SITE-VETO-COLUMN-STALE",
        "6个栏目未更新",
        status="rectified",
        seen=LAST_QUARTER,
        rectified_at=FEB_RECHECK,
        sweep_id="recheck-20250215T080000-def456",
        history=_h(
            (LAST_QUARTER, OLD_SWEEP, "open"), (FEB_RECHECK, "recheck-20250215T080000-def456", "rectified")
        ),
    ),
    _finding(
        "s10",
        "SITE-VETO-HOME-STALE",
        "首页已30天未更新",
        status="rectified",
        seen=datetime(2024, 9, 30, tzinfo=BEIJING),
        rectified_at=datetime(2024, 11, 1, tzinfo=BEIJING),
        history=_h((datetime(2024, 9, 30, tzinfo=BEIJING), "full-20240930", "open")),
    ),
]
DRAWN = [a[0] for a in ACCOUNTS if a[5] is not None]
SAMPLE = {"ratio": 0.75, "seed": 2019, "population": 12, "sampled": 9, "forced": ["a02"], "ids": DRAWN}

# the ground truth of each report: target -> verdict (None: not inspected), problems of 二, 复查
TRUTH = {
    "sweep": {
        "verdicts": {**{s[0]: s[3] for s in SITES}, **{a[0]: a[5] for a in ACCOUNTS}},
        "vetoes": {
            "s03": ["首页不更新"],
            "s09": ["栏目不更新"],
            "a02": ["内容不更新"],
            "a08": ["账号已注销或被封禁"],
        },
        "rectified": ["s05", "s07"],
        "still_open": ["s11", "a02", "a12"],
    },
    "quarter": {
        "verdicts": {
            **{s[0]: s[3] for s in SITES},
            **{a[0]: a[5] for a in ACCOUNTS},
            "s11": "fail",
            "a12": "fail",
        },
        "vetoes": {
            "s03": ["首页不更新"],
            "s09": ["栏目不更新"],
            "s11": ["站点无法访问"],
            "a02": ["内容不更新"],
            "a08": ["账号已注销或被封禁"],
            "a12": ["内容不更新"],
        },
        "rectified": ["s05", "s07"],
        "still_open": ["a02"],
    },
}


@pytest.fixture
def known(store):  # type: ignore[no-untyped-def]
    store.upsert_findings(FINDINGS)
    verdicts = {
        s[0]: {
            "verdict": s[3],
            "score": s[4],
            "reasons": ["SITE-VETO-HOME-STALE: homepage not fetched (timeout) https://s12.example.gov.cn/"]
            if s[3] == "unverified"
            else [],
        }
        for s in SITES
    }
    verdicts |= {a[0]: {"verdict": a[5], "score": None, "reasons": []} for a in ACCOUNTS if a[5]}
    store.write_sweep(
        {"id": SWEEP, "kind": "full", "as_of": AS_OF.isoformat(), "sample": SAMPLE, "verdicts": verdicts}
    )
    for sid, kind, when in (
        ("rollup-20250323T220000Z", "rollup", ROLLUP),
        ("patrol-20250405T100000-f", "patrol", datetime(2025, 4, 5, 10, tzinfo=BEIJING)),
    ):
        store.write_sweep({"id": sid, "kind": kind, "as_of": when.isoformat()})
    store.refresh()
    return store


def _rate(passed: int, checked: int) -> str:
    return (
        f"{(Decimal(passed) * 100 / Decimal(checked)).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"
        if checked
        else "—"
    )


def _tally(ids: list[str], verdicts: dict) -> list[str]:
    got = Counter(verdicts.get(i) for i in ids)
    checked = got["pass"] + got["fail"]
    return [
        str(len(ids)),
        str(checked),
        str(got["pass"]),
        str(got["fail"]),
        str(got["unverified"]),
        _rate(got["pass"], checked),
    ]


def cross_check(back: ReadBack, which: str) -> None:
    """Every number, name and 复查 line of one report against the truth, in any format."""
    truth = TRUTH[which]
    verdicts = truth["verdicts"]
    sites = [t.id for t in REGISTRY if t.kind == "site"]
    accounts = [t.id for t in REGISTRY if t.kind == "account"]
    text = back.text
    # 一: the sentences agree with the tables, the sample record and each other
    s = _tally(sites, verdicts)
    assert (
        f"对全省正在运行的{int(s[1]) + int(s[4])}个政府网站进行了检查，其中{s[4]}个因无法访问等原因未能核实（见附件5），实际检查{s[1]}个，发现存在突出问题的政府网站{s[3]}个，检查合格率为{s[5]}。"
        in text
    )
    a = _tally(accounts, verdicts)
    extra = sum(1 for i in accounts if verdicts[i] == "fail" and i not in DRAWN)
    per_platform = "、".join(
        f"{label}{sum(1 for t in REGISTRY if t.platform == key)}个" for key, label in PLATFORMS.items()
    )
    sentence = f"全省共有政务新媒体账号12个（{per_platform}），按75%的比例分地区、分平台随机抽查了9个（含此前发现问题、必须复查的1个）"
    if extra:
        sentence += f"，另有日常巡查发现存在突出问题的未抽查账号{extra}个，一并计入"
    assert sentence + f"，发现存在突出问题的政务新媒体{a[3]}个，检查合格率为{a[5]}。" in text
    rows = [["政府网站", *s], ["政务新媒体", *a]]
    rows += [
        [label, *_tally([t.id for t in REGISTRY if t.platform == key], verdicts)]
        for key, label in PLATFORMS.items()
    ]
    assert back.table("表1")[0] == ["类别", "总数", "检查数", "合格数", "不合格数", "未能核实", "合格率"]
    assert back.table("表1")[1:] == rows
    assert back.table("表2")[0][0] == "地区"
    assert back.table("表2")[1:] == [
        [r, *_tally([t.id for t in REGISTRY if t.region == r], verdicts)] for r in ("乙市", "甲市")
    ]
    # 二: exactly the failing targets, each with its confirmed veto problems; score failures apart
    failing = {i for i, v in verdicts.items() if v == "fail"}
    section = text.split("二、发现的主要问题")[1].split("三、复查情况")[0]
    named = {t.id for t in REGISTRY if f"{t.name}（{t.owner}）" in section}
    assert named == failing
    for _tid, problems in truth["vetoes"].items():
        for name in problems:
            assert re.search(rf"（[一二三四五六七八九十]+）{name}（", section), name
    assert "首页不更新（1个网站）" in section
    assert f"内容不更新（{sum(1 for t in truth['vetoes'].values() if '内容不更新' in t)}个账号）" in section
    assert "综合得分低于合格线（1个网站）" in section
    assert "得分55分" in section
    assert "预警" not in section
    assert "HTTPS" not in section
    assert "链接不可用" not in section
    # the annexes name the same targets
    annex = {row[1] for row in back.table("附件1")[1:] + back.table("附件2")[1:]}
    assert annex == {NAMES[i] for i in failing}
    assert [row[1] for row in back.table("附件5")[1:]] == ["乙市统计局网站"]
    assert back.table("附件5")[1][5] == "首页无法访问（超时）"
    assert back.table("附件6")[0][0] == "序号"
    assert "首页链接不可用（1个网站，2条链接，其中疑似1条）" in next(
        t for t in back.tables if t.startswith("附件6")
    )
    # 三: rectified confirmed problems only, and what is still open
    review = text.split("三、复查情况")[1].split("四、下一步要求")[0]
    assert f"已整改{len(truth['rectified'])}个，仍未整改{len(truth['still_open'])}个。" in review
    assert [r[1] for r in back.table("附件3")[1:]] == [NAMES[i] for i in truth["rectified"]]
    assert sorted(r[1] for r in back.table("附件4")[1:]) == sorted(NAMES[i] for i in truth["still_open"])
    assert "于2025年4月24日前完成整改" in text
    # every sentence Chinese: no English outside URLs and HTTP codes
    words = re.sub(r"https?://\S+|HTTPS?|HTTP \d{3}", "", text + str(back.tables))
    assert not re.findall(r"[A-Za-z]{3,}", words), re.findall(r"[A-Za-z]{3,}.{0,20}", words)


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_the_sweep_report_in_every_format_agrees_with_the_truth(known, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    path = write_report(
        known, sweep_id=SWEEP, fmt=fmt, out=tmp_path / f"r.{fmt}", config=SETTINGS, registry=REGISTRY
    )
    back = read(path)
    cross_check(back, "sweep")
    assert "账号已注销或被封禁（用户不存在）" in back.text  # the page object's English left out


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_the_quarter_report_counts_every_veto_of_the_quarter(known, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    path = write_report(
        known, quarter="2025Q1", fmt=fmt, out=tmp_path / f"q.{fmt}", config=SETTINGS, registry=REGISTRY
    )
    back = read(path)
    assert "检查期间：2025年第一季度（2025年1月1日至2025年3月31日）。" in back.text
    cross_check(back, "quarter")


def test_other_problems_can_be_left_out(known, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = ReportSettings(report_date="2025-04-03", other_problems="omit")
    back = read(
        write_report(
            known, sweep_id=SWEEP, fmt="md", out=tmp_path / "r.md", config=settings, registry=REGISTRY
        )
    )
    assert not [t for t in back.tables if t.startswith("附件6")]
    assert "链接不可用" not in back.text
    assert "HTTPS" not in back.text


def test_the_docx_is_laid_out_as_a_government_document(known, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = Document(
        str(
            write_report(
                known, sweep_id=SWEEP, fmt="docx", out=tmp_path / "r.docx", config=SETTINGS, registry=REGISTRY
            )
        )
    )
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)  # A4
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.cm, 1) for m in margins] == [3.7, 3.5, 2.8, 2.6]  # GB/T 9704
    expected = {
        "Normal": ("仿宋_GB2312", 16),
        "Title": ("方正小标宋简体", 22),
        "Heading 1": ("黑体", 16),
        "Heading 2": ("楷体_GB2312", 16),
    }
    for name, (font, size) in expected.items():
        style = doc.styles[name]
        fonts = style.element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == font, name
        assert fonts.get(qn("w:asciiTheme")) is None, name
        assert style.font.size.pt == size, name
        color = style.element.rPr.find(qn("w:color"))
        assert color is not None, name
        assert (color.get(qn("w:val")), color.get(qn("w:themeColor"))) == ("000000", None), name
    assert doc.paragraphs[0].style.name == "Title"
    assert len(doc.inline_shapes) == 2
    assert doc.inline_shapes[0].width <= Cm(15.6) + 1


def test_html_report_opens_in_chromium(known, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    path = write_report(
        known, sweep_id=SWEEP, fmt="html", out=tmp_path / "r.html", config=SETTINGS, registry=REGISTRY
    )
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
            assert "实际检查11个，发现存在突出问题的政府网站3个，检查合格率为72.73%。" in page.inner_text(
                "body"
            )
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
            assert len(widths) == 2
            assert all(w > 100 for w in widths)
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
