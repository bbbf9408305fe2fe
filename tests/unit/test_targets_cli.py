"""``govpatrol targets check|template``: a registry validated without sweeping, and the template an
office fills in reads back through the same importer."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from crawlers.registry import read_registry
from crawlers.registry_vocab import KNOWN_COLUMNS, vocabulary
from govpatrol.cli import COMMANDS, main


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_targets_is_a_command():
    assert "targets" in COMMANDS


def test_the_template_has_chinese_headers_an_example_per_kind_and_instructions(here, capsys):
    assert main(["targets", "template", "--out", "目标清单.xlsx"]) == 0
    book = openpyxl.load_workbook("目标清单.xlsx")
    sheet, notes = book.worksheets
    assert sheet.title == "目标清单"
    assert notes.title == "填写说明"
    header = [c.value for c in sheet[1]]
    assert header == [
        "编号*",
        "类型*",
        "名称*",
        "主办单位*",
        "地区*",
        "网址*",
        "平台",
        "账号ID",
        "网站标识码",
        "账号类型",
    ]
    kinds = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert kinds == ["网站", "账号"]
    text = "\n".join(str(c) for row in notes.iter_rows(values_only=True) for c in row if c)
    for column in KNOWN_COLUMNS:  # every column explained, by the header the template shows
        assert vocabulary().template["headers"][column] in text
    assert "govpatrol targets check" in text
    registry = read_registry("目标清单.xlsx")  # the importer reads the template as written
    assert [(t.kind, t.platform) for t in registry.targets] == [("site", None), ("account", "weibo")]
    assert len(registry.warnings) == 2  # the two example rows, and nothing about the 填写说明 sheet
    assert all("example row of the template" in w for w in registry.warnings)


def test_the_template_never_overwrites_without_force(here, capsys):
    Path("t.xlsx").write_bytes(b"keep")
    assert main(["targets", "template", "--out", "t.xlsx"]) == 2
    assert "exists (add --force" in capsys.readouterr().err
    assert Path("t.xlsx").read_bytes() == b"keep"
    assert main(["targets", "template", "--out", "t.csv"]) == 2


def test_check_counts_by_kind_region_and_platform(here, capsys):
    Path("reg.csv").write_text(
        "编号,类型,名称,主办单位,地区,网址,平台,账号ID,网站标识码\n"
        "S1,网站,苏州市人民政府,苏州市政府办,苏州市,https://www.suzhou.gov.cn/,,,3205000001\n"
        "S2,网站,无锡市人民政府,无锡市政府办,无锡市,https://www.wuxi.gov.cn/,,,3202000001\n"
        "A1,账号,苏州发布,苏州市委宣传部,苏州市,https://weibo.com/u/1234567890,微博,,\n",
        encoding="utf-8",
    )
    assert main(["targets", "check", "reg.csv"]) == 0
    out = capsys.readouterr().out
    assert "reg.csv: 3 targets: 2 sites, 1 accounts" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["苏州市", "2"] in lines
    assert ["无锡市", "1"] in lines
    assert ["微博", "(weibo)", "1"] in lines


def test_check_lists_every_problem_with_row_and_column_and_exits_2(here, capsys):
    Path("reg.csv").write_text(
        "编号,类型,名称,主办单位,地区,网址\n"
        "S1,网站,苏州市人民政府,苏州市政府办,苏州市,http://[::1/\n"
        "S2,网点,无锡市人民政府,无锡市政府办,无锡市,https://www.wuxi.gov.cn/\n",
        encoding="utf-8",
    )
    assert main(["targets", "check", "reg.csv"]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "reg.csv: row 2, column url (网址): URL is not valid (Invalid IPv6 URL): 'http://[::1/'",
        "reg.csv: row 3, column kind (类型): unknown kind '网点' (expected site or account, 网站 or 账号)",
    ]
    assert "2 problems; a sweep would import nothing" in captured.err
