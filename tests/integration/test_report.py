"""The 通报 from known sweeps, findings and a registry in the real Elasticsearch, read back from
Markdown, HTML and DOCX and cross-checked number by number against the ground truth (the world is tests/report_world.py).

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
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from govpatrol.report import ReportSettings, write_report
from tests.report_readback import ReadBack, read
from tests.report_world import DRAWN, NAMES, PLATFORMS, REGISTRY, SETTINGS, SWEEP, TRUTH, plant

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def known(store):  # type: ignore[no-untyped-def]
    return plant(store)


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
