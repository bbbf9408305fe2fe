"""The registry as offices really keep it (Chinese headers and values, a title row, several sheets,
formulas) and as an attacker would write it: every outcome is targets or a RegistryError whose lines
name the file and, where there is one, the row and column. Never a parser's own exception."""

from __future__ import annotations

import io
import re
import string
import zipfile
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawlers.registry import RegistryError, load_targets, read_registry
from crawlers.registry_vocab import vocabulary

CN_HEADER = ["编号", "类型", "网站名称", "主办单位", "所属地区", "网址", "平台", "账号ID", "网站标识码"]
CN_SITE = [
    "S1",
    "网站",
    "苏州市人民政府",
    "苏州市人民政府办公室",
    "苏州市",
    "https://www.suzhou.gov.cn/",
    "",
    "",
    "3205000001",
]
CN_WEIBO = [
    "A1",
    "账号",
    "苏州发布",
    "苏州市委宣传部",
    "苏州市",
    "https://weibo.com/u/1234567890",
    "微博",
    "",
    "",
]
EN_HEADER = "id,kind,name,owner,region,url,platform,account_id,site_code"
LINE = re.compile(r"^reg\.(csv|xlsx): (header: |row \d+(, column [A-Za-z_]+( \([^)]*\))?)?: |\S)")


def xlsx(path: Path, rows: Sequence[Sequence[object]], *more: tuple[str, Sequence[Sequence[object]]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "名录"
    for row in rows:
        sheet.append(row)
    for title, extra in more:
        other = book.create_sheet(title)
        for row in extra:
            other.append(row)
    book.save(path)
    return Path(path.name)  # the tests run in its folder: error lines show the short name


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def errors(path: str | Path) -> list[str]:
    with pytest.raises(RegistryError) as caught:
        load_targets(path)
    return caught.value.errors


def test_chinese_headers_and_values_are_read_as_the_canonical_columns(here):
    targets = load_targets(xlsx(here / "reg.xlsx", [CN_HEADER, CN_SITE, CN_WEIBO]))
    site, weibo = targets
    assert (site.id, site.kind, site.name, site.owner, site.region) == (
        "S1",
        "site",
        "苏州市人民政府",
        "苏州市人民政府办公室",
        "苏州市",
    )
    assert site.site_code == "3205000001"
    assert (weibo.kind, weibo.platform, weibo.account_id) == ("account", "weibo", None)  # uid from the URL


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("微博", "weibo"),
        ("微信公众号", "wechat"),
        ("抖音", "douyin"),
        ("今日头条", "toutiao"),
        ("哔哩哔哩", "bilibili"),
        ("快手", "kuaishou"),
        ("百家号", "baijiahao"),
        ("企鹅号", "qqnews"),
        ("网易号", "netease"),
        ("澎湃号", "thepaper"),
        ("人民号", "rmh"),
        ("WeiBo", "weibo"),
    ],
)
def test_platforms_by_key_or_chinese_name(value, key):
    assert vocabulary().platform(value) == key


def test_a_title_row_above_the_header_is_skipped_and_rows_keep_their_numbers(here):
    bad = ["S2", *CN_SITE[1:5], "ftp://x.gov.cn/", "", "", ""]
    path = xlsx(here / "reg.xlsx", [["2025年某省政府网站名录"], CN_HEADER, CN_SITE, bad])
    book = openpyxl.load_workbook(path)
    book.active.merge_cells("A1:I1")
    book.save(path)
    (line,) = errors(path)
    assert (
        line
        == "reg.xlsx: row 4, column url (网址): URL scheme must be http or https, got 'ftp': 'ftp://x.gov.cn/'"
    )


def test_a_csv_title_row_is_skipped_too(here):
    Path("reg.csv").write_text(
        "政府网站名录,,,,,,,,\n" + ",".join(CN_HEADER) + "\n" + ",".join(CN_SITE) + "\n", "utf-8"
    )
    (target,) = load_targets("reg.csv")
    assert target.id == "S1"


def test_xu_hao_is_the_id_only_when_no_other_id_column_exists(here):
    header = ["序号", *CN_HEADER[1:]]
    (target,) = load_targets(xlsx(here / "reg.xlsx", [header, ["7", *CN_SITE[1:]]]))
    assert target.id == "7"
    both = ["序号", *CN_HEADER]
    (target,) = load_targets(xlsx(here / "reg2.xlsx", [both, ["1", *CN_SITE]]))
    assert target.id == "S1"  # 序号 is then a row counter, ignored


def test_an_ipv6_url_missing_its_bracket_is_a_row_error_not_a_crash(here):
    Path("reg.csv").write_text(f"{EN_HEADER}\nS1,site,a,b,c,http://[::1/,,,\n", "utf-8")
    (line,) = errors("reg.csv")
    assert line.startswith("reg.csv: row 2, column url: URL is not valid (")
    assert line.endswith("'http://[::1/'")


def test_a_url_with_credentials_is_refused_and_its_password_never_shown(here):
    Path("reg.csv").write_text(
        f"{EN_HEADER}\nS1,site,a,b,c,http://admin:S3cretPw@www.a.gov.cn/,,,\n", "utf-8"
    )
    (line,) = errors("reg.csv")
    assert line.startswith(
        "reg.csv: row 2, column url: URL contains a user name or password: 'http://***@www.a.gov.cn/'"
    )
    assert "S3cretPw" not in line


def test_an_account_without_any_id_is_an_error_where_the_platform_needs_one(here):
    rows = [
        EN_HEADER,
        "A1,account,a,b,c,https://weibo.com/someone,weibo,,",  # neither a uid in the URL nor account_id
        "A2,account,a,b,c,https://weibo.com/u/1234567890,weibo,,",  # the URL names it: fine
        "A3,account,a,b,c,https://weibo.com/someone,weibo,1234567890,",  # account_id names it: fine
        "A4,account,a,b,c,https://mp.weixin.qq.com/,wechat,,",
    ]
    Path("reg.csv").write_text("\n".join(rows) + "\n", "utf-8")
    lines = errors("reg.csv")
    assert [line.split(": account_id")[0] for line in lines] == [
        "reg.csv: row 2, column account_id",
        "reg.csv: row 5, column account_id",
    ]
    assert "account_id is needed by weibo" in lines[0]


def test_a_second_sheet_is_named_in_a_warning_but_the_instructions_sheet_is_not(here):
    path = xlsx(
        here / "reg.xlsx",
        [CN_HEADER, CN_SITE],
        ("第二批", [CN_HEADER, CN_WEIBO]),
        ("填写说明", [["说明文字"]]),
    )
    registry = read_registry(path)
    assert len(registry.targets) == 1
    assert registry.warnings == ["reg.xlsx: sheet '第二批' is not read (only the first sheet, '名录', is)"]


def test_a_formula_without_a_saved_value_is_named_not_called_empty(here):
    path = xlsx(here / "reg.xlsx", [CN_HEADER, [*CN_SITE[:2], '=CONCATENATE("苏州","市政府")', *CN_SITE[3:]]])
    (line,) = errors(path)
    assert line.startswith("reg.xlsx: row 2, column name (网站名称): formula '=CONCATENATE(")
    assert "has no saved value" in line


def test_a_truncated_workbook_is_a_file_error(here):
    good = xlsx(here / "good.xlsx", [CN_HEADER, CN_SITE] * 50).read_bytes()
    for cut in (len(good) // 3, len(good) // 2, len(good) - 30):
        Path("reg.xlsx").write_bytes(good[:cut])
        (line,) = errors("reg.xlsx")
        assert line.startswith("reg.xlsx: not a readable XLSX workbook: ")


def test_a_workbook_with_a_cut_sheet_xml_is_a_file_error(here):
    good = xlsx(here / "good.xlsx", [CN_HEADER, CN_SITE] * 50).read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    Path("reg.xlsx").write_bytes(out.getvalue())
    (line,) = errors("reg.xlsx")
    assert line.startswith("reg.xlsx: not a readable XLSX workbook: ")


# ------------------------------------------------------------------ fuzzing: the only outcomes


def _outcome(path: str) -> None:
    """Targets, or a RegistryError whose every line names the file (and row and column)."""
    lines: list[str] = []
    try:
        load_targets(path)
    except RegistryError as exc:
        lines = exc.errors or ["(a RegistryError without lines)"]
    for line in lines:
        assert LINE.match(line), line


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=st.binary(max_size=3000))
def test_fuzz_random_bytes(here, data):
    Path("reg.csv").write_bytes(data)
    _outcome("reg.csv")


@FUZZ
@given(data=st.binary(max_size=2000))
def test_fuzz_random_bytes_behind_a_zip_signature(here, data):
    Path("reg.xlsx").write_bytes(b"PK\x03\x04" + data)
    _outcome("reg.xlsx")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(min_value=0.0, max_value=1.0), flip=st.integers(min_value=0, max_value=10_000))
def test_fuzz_truncated_and_bit_flipped_workbooks(here, cut, flip):
    good = xlsx(here / "good.xlsx", [CN_HEADER, CN_SITE, CN_WEIBO]).read_bytes()
    data = bytearray(good[: max(4, int(len(good) * cut))])
    data[flip % len(data)] ^= 0x55
    Path("reg.xlsx").write_bytes(bytes(data))
    _outcome("reg.xlsx")


HOSTILE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "http://[::1/",
            "http://[::1]:99999/",
            "http://user:pw@a.gov.cn/",
            '=HYPERLINK("http://x")',
            "=cmd|' /C calc'!A0",
            "\x00\x1b[31m",
            "javascript:alert(1)",
            "https://weibo.com/u/" + "9" * 400,
            "微博",
            "账号",
            "",
        ]
    ),
    st.text(alphabet=string.printable, max_size=40),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(HOSTILE, min_size=9, max_size=11), min_size=1, max_size=4))
def test_fuzz_every_column_with_hostile_values(here, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(CN_HEADER)
    for row in rows:
        sheet.append([_cell_safe(v) for v in row])
    book.save("reg.xlsx")
    _outcome("reg.xlsx")
    Path("reg.csv").write_text(
        EN_HEADER + "\n" + "\n".join(",".join(f'"{v.replace(chr(34), "")}"' for v in row) for row in rows),
        encoding="utf-8",
        errors="replace",
    )
    _outcome("reg.csv")


def _cell_safe(value: str) -> str:
    """openpyxl refuses control characters in cells (Excel cannot store them): drop them."""
    return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")
