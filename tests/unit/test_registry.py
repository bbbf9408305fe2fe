"""The targets registry: what a good file gives, and the exact line each bad input is reported with."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from crawlers.models import PLATFORMS, Target
from crawlers.registry import RegistryError, load_targets, summarize

FIXTURES = Path(__file__).parent.parent / "fixtures" / "registry"
HEADER = "id,kind,name,owner,region,url,platform,account_id,site_code"
SITE = "S001,site,苏州市人民政府,苏州市人民政府办公室,江苏省苏州市,https://www.suzhou.gov.cn/,,,3205000001"
ACCOUNT = "A001,account,苏州发布,苏州市委宣传部,江苏省苏州市,https://weibo.com/u/1234567890,weibo,1234567890,"
EXPECTED_PLATFORMS = ", ".join(PLATFORMS)

SUZHOU = Target(
    id="S001",
    kind="site",
    name="苏州市人民政府",
    owner="苏州市人民政府办公室",
    region="江苏省苏州市",
    url="https://www.suzhou.gov.cn/",
    site_code="3205000001",
)
SUZHOU_WEIBO = Target(
    id="A001",
    kind="account",
    name="苏州发布",
    owner="苏州市委宣传部",
    region="江苏省苏州市",
    url="https://weibo.com/u/1234567890",
    platform="weibo",
    account_id="1234567890",
)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in tmp_path so error lines show the short path the user typed ('targets.csv')."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_csv(lines: list[str], encoding: str = "utf-8", name: str = "targets.csv") -> str:
    Path(name).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return name


def errors_of(path: str | Path) -> list[str]:
    with pytest.raises(RegistryError) as caught:
        load_targets(path)
    return caught.value.errors


def only_error(path: str | Path) -> str:
    errors = errors_of(path)
    assert len(errors) == 1, errors
    return errors[0]


# --- good files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_with_chinese_names_reads_in_every_supported_encoding(here: Path, encoding: str) -> None:
    path = write_csv([HEADER, SITE, ACCOUNT], encoding)
    assert load_targets(path) == [SUZHOU, SUZHOU_WEIBO]


def test_gbk_fixture_is_not_utf8_and_still_reads() -> None:
    data = (FIXTURES / "targets_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert load_targets(FIXTURES / "targets_gbk.csv") == [SUZHOU, SUZHOU_WEIBO]


def test_account_row_keeps_platform_and_account_id(here: Path) -> None:
    [account] = load_targets(write_csv([HEADER, ACCOUNT]))
    assert (account.kind, account.platform, account.account_id) == ("account", "weibo", "1234567890")
    assert account.site_code is None


def test_optional_columns_may_be_left_out_for_sites(here: Path) -> None:
    path = write_csv(
        ["id,kind,name,owner,region,url", "S001,site,苏州市人民政府,办公室,苏州,http://a.gov.cn"]
    )
    [site] = load_targets(path)
    assert (site.platform, site.account_id, site.site_code) == (None, None, None)


def test_header_names_are_case_insensitive_and_trimmed_and_cells_trimmed(here: Path) -> None:
    path = write_csv(
        [
            " ID , Kind,NAME ,owner,Region,URL ,Platform,account_id,SITE_CODE",
            "  S001 , site ,　苏州市人民政府　,苏州市人民政府办公室,江苏省苏州市, https://www.suzhou.gov.cn/ ,, ,3205000001 ",
        ]
    )
    assert load_targets(path) == [SUZHOU]


def test_kind_and_platform_values_are_case_insensitive(here: Path) -> None:
    path = write_csv([HEADER, ACCOUNT.replace(",account,", ",Account,").replace(",weibo,", ",WeiBo,")])
    assert load_targets(path) == [SUZHOU_WEIBO]


def test_blank_lines_are_skipped_and_row_numbers_stay_true(here: Path) -> None:
    path = write_csv([HEADER, "", SITE, ",,,,,,,,", "S001,site,x,y,z,http://x.gov.cn,,,"])
    assert errors_of(path) == ["targets.csv: row 5, column id: duplicate id 'S001' (first used on row 3)"]


def test_xlsx_first_sheet_with_numeric_site_code(here: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(HEADER.split(","))
    sheet.append(
        ["S001", "site", "苏州市人民政府", "苏州市人民政府办公室", "江苏省苏州市"]
        + ["https://www.suzhou.gov.cn/", None, None, 3205000001]
    )
    sheet.append(ACCOUNT.split(",")[:7] + [1234567890, None])
    book.create_sheet("notes").append(["not", "targets"])
    book.active = 1  # the first sheet is read, not the active one
    book.save("targets.xlsx")
    assert load_targets("targets.xlsx") == [SUZHOU, SUZHOU_WEIBO]


def test_xlsx_is_detected_by_content_not_extension(here: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(HEADER.split(","))
    book.active.append(SITE.split(","))
    book.save("registry.csv")
    assert load_targets("registry.csv") == [SUZHOU]


def test_summarize_counts_by_kind_and_platform() -> None:
    wechat = Target("A002", "account", "n", "o", "r", "https://mp.weixin.qq.com/x", platform="wechat")
    assert summarize([SUZHOU, SUZHOU_WEIBO, wechat, SUZHOU_WEIBO]) == {
        "total": 4,
        "by_kind": {"site": 1, "account": 3},
        "by_platform": {"weibo": 2, "wechat": 1},
        "by_region": {"江苏省苏州市": 3, "r": 1},
    }
    assert summarize([]) == {
        "total": 0,
        "by_kind": {"site": 0, "account": 0},
        "by_platform": {},
        "by_region": {},
    }


# --- whole-file problems ---------------------------------------------------------------------------


def test_missing_file(here: Path) -> None:
    assert only_error("targets.csv") == "targets.csv: file does not exist"


def test_directory(here: Path) -> None:
    Path("targets").mkdir()
    assert only_error("targets") == "targets: is a directory, not a file"


def test_zero_byte_file(here: Path) -> None:
    Path("targets.csv").write_bytes(b"")
    assert only_error("targets.csv") == "targets.csv: file is empty"


def test_only_blank_lines_is_empty(here: Path) -> None:
    Path("targets.csv").write_text("\n \n,,,\n", encoding="utf-8")
    assert only_error("targets.csv") == "targets.csv: file is empty"


def test_header_only(here: Path) -> None:
    assert only_error(write_csv([HEADER, ""])) == "targets.csv: no target rows"


def test_binary_file_with_nul_bytes(here: Path) -> None:
    Path("targets.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert only_error("targets.csv") == "targets.csv: not a CSV or XLSX file (binary content)"


def test_undecodable_bytes(here: Path) -> None:
    Path("targets.csv").write_bytes(HEADER.encode() + b"\n\xff\xfe\xfd\x80\x81")
    assert only_error("targets.csv") == "targets.csv: not a CSV or XLSX file (binary content)"


def test_legacy_xls(here: Path) -> None:
    Path("targets.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    assert only_error("targets.xls") == (
        "targets.xls: legacy .xls workbook is not supported (save it as .xlsx or CSV)"
    )


def test_zip_that_is_not_a_workbook(here: Path) -> None:
    import zipfile

    with zipfile.ZipFile("targets.xlsx", "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert only_error("targets.xlsx").startswith("targets.xlsx: not a readable XLSX workbook: ")


def test_missing_column(here: Path) -> None:
    path = write_csv(["id,kind,name,owner,region", "S001,site,a,b,c"])
    assert only_error(path) == "targets.csv: header: missing column url"


def test_unknown_column(here: Path) -> None:
    path = write_csv([HEADER + ",foo", SITE + ",x"])
    known = "id, kind, name, owner, region, url, platform, account_id, site_code, account_type"
    assert only_error(path) == f"targets.csv: header: unknown column foo (known: {known}, or Chinese names)"


def test_duplicate_column(here: Path) -> None:
    path = write_csv([HEADER + ",URL", SITE + ",http://b.gov.cn"])
    assert only_error(path) == "targets.csv: header: duplicate column url (URL)"


# --- row problems ----------------------------------------------------------------------------------


def test_empty_id(here: Path) -> None:
    path = write_csv([HEADER, SITE, SITE.replace("S001", "")])
    assert only_error(path) == "targets.csv: row 3, column id: required value is empty"


def test_duplicate_id_names_the_first_row(here: Path) -> None:
    path = write_csv([HEADER, SITE, ACCOUNT, SITE])
    assert only_error(path) == "targets.csv: row 4, column id: duplicate id 'S001' (first used on row 2)"


def test_url_without_scheme(here: Path) -> None:
    path = write_csv([HEADER, ACCOUNT, SITE.replace("https://www.suzhou.gov.cn/", "www.example.gov.cn")])
    assert (
        only_error(path) == "targets.csv: row 3, column url: URL has no scheme or host: 'www.example.gov.cn'"
    )


def test_url_without_host(here: Path) -> None:
    path = write_csv([HEADER, SITE.replace("https://www.suzhou.gov.cn/", "http:///index.html")])
    assert (
        only_error(path) == "targets.csv: row 2, column url: URL has no scheme or host: 'http:///index.html'"
    )


def test_url_with_other_scheme(here: Path) -> None:
    path = write_csv([HEADER, SITE.replace("https://", "ftp://")])
    assert only_error(path) == (
        "targets.csv: row 2, column url: URL scheme must be http or https, got 'ftp': 'ftp://www.suzhou.gov.cn/'"
    )


def test_unknown_kind(here: Path) -> None:
    path = write_csv([HEADER, SITE.replace(",site,", ",website,")])
    assert (
        only_error(path)
        == "targets.csv: row 2, column kind: unknown kind 'website' (expected site or account, 网站 or 账号)"
    )


def test_account_without_platform(here: Path) -> None:
    path = write_csv([HEADER, ACCOUNT.replace(",weibo,", ",,")])
    assert only_error(path) == (
        f"targets.csv: row 2, column platform: platform is required for an account (expected one of {EXPECTED_PLATFORMS} or their Chinese names)"
    )


def test_unknown_platform(here: Path) -> None:
    path = write_csv([HEADER, ACCOUNT.replace(",weibo,", ",facebook,")])
    assert only_error(path) == (
        f"targets.csv: row 2, column platform: unknown platform 'facebook' (expected one of {EXPECTED_PLATFORMS} or their Chinese names)"
    )


def test_platform_given_for_a_site(here: Path) -> None:
    path = write_csv([HEADER, SITE.replace(",,,3205000001", ",weibo,,3205000001")])
    assert only_error(path) == (
        "targets.csv: row 2, column platform: platform given for a site (only accounts have one): 'weibo'"
    )


def test_site_code_of_wrong_length(here: Path) -> None:
    path = write_csv([HEADER, SITE.replace("3205000001", "320500000")])
    assert (
        only_error(path)
        == "targets.csv: row 2, column site_code: site_code must be 10 characters, got 9: '320500000'"
    )


@pytest.mark.parametrize("column", ["name", "owner", "region"])
def test_empty_required_value(here: Path, column: str) -> None:
    cells = dict(zip(HEADER.split(","), SITE.split(","), strict=True))
    cells[column] = "  "
    path = write_csv([HEADER, ",".join(cells.values())])
    assert only_error(path) == f"targets.csv: row 2, column {column}: required value is empty"


def test_values_beyond_the_header(here: Path) -> None:
    path = write_csv([HEADER, SITE + ",extra"])
    assert only_error(path) == "targets.csv: row 2: 10 values but the header has 9 columns"


def test_xlsx_bad_row_names_the_row(here: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(SITE.split(","))
    sheet.append([])
    sheet.append(
        ["S002", "site", "无锡市人民政府", "办公室", "无锡", "www.wuxi.gov.cn", None, None, 3202000001]
    )
    book.save("targets.xlsx")
    assert only_error("targets.xlsx") == (
        "targets.xlsx: row 4, column url: URL has no scheme or host: 'www.wuxi.gov.cn'"
    )


def test_every_error_in_the_file_is_reported_and_nothing_is_imported(here: Path) -> None:
    path = write_csv(
        [
            HEADER + ",foo",
            SITE + ",",
            "S002,website,无锡市人民政府,办公室,无锡,http://www.wuxi.gov.cn,,,",
            SITE + ",",
            "A002,account,,宣传部,无锡,https://weibo.com/u/1,,,",
        ]
    )
    known = "id, kind, name, owner, region, url, platform, account_id, site_code, account_type"
    with pytest.raises(RegistryError) as caught:
        load_targets(path)
    expected = [
        f"targets.csv: header: unknown column foo (known: {known}, or Chinese names)",
        "targets.csv: row 3, column kind: unknown kind 'website' (expected site or account, 网站 or 账号)",
        "targets.csv: row 4, column id: duplicate id 'S001' (first used on row 2)",
        "targets.csv: row 5, column name: required value is empty",
        f"targets.csv: row 5, column platform: platform is required for an account (expected one of {EXPECTED_PLATFORMS} or their Chinese names)",
    ]
    assert caught.value.errors == expected
    assert str(caught.value) == "\n".join(expected)
    assert isinstance(caught.value, ValueError)


def test_path_is_shown_as_given(tmp_path: Path) -> None:
    missing = tmp_path / "sub" / "名单.csv"
    assert only_error(missing) == f"{missing}: file does not exist"


def test_utf16_text_is_refused_with_advice(here: Path) -> None:
    Path("targets.csv").write_bytes("\r\n".join([HEADER, SITE]).encode("utf-16"))
    assert (
        only_error("targets.csv") == "targets.csv: UTF-16 text is not supported (save it as CSV UTF-8 or GBK)"
    )


def test_xlsx_with_empty_first_sheet(here: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.create_sheet("second").append(HEADER.split(","))
    book.save("targets.xlsx")
    assert only_error("targets.xlsx") == "targets.xlsx: first sheet 'Sheet1' is empty"


def test_url_with_bad_port(here: Path) -> None:
    path = write_csv([HEADER, SITE.replace("www.suzhou.gov.cn/", "www.suzhou.gov.cn:99999/")])
    assert (
        only_error(path)
        == "targets.csv: row 2, column url: URL has an invalid port: 'https://www.suzhou.gov.cn:99999/'"
    )


def test_site_code_length_follows_the_indicators_override(here: Path) -> None:
    Path("office.toml").write_text('["SITE-REQ-FOOTER-MARKS"]\nsite_code_length = 9\n', encoding="utf-8")
    path = write_csv([HEADER, SITE.replace("3205000001", "320500000")])
    assert load_targets(path, indicators="office.toml")[0].site_code == "320500000"
