"""Attachment and image text, through the real parsers and Debian tools in the isolating process:
each format read, and every bad file an unverified (or partial) result with its reason, within
its caps, never a crash or a hang."""

from __future__ import annotations

import io
import zipfile

import pytest

from crawlers.documents import Caps, extract
from simweb import attachments as files
from simweb.docfile import doc_bytes

ID = "11010519491231002X"


def test_a_text_pdf_keeps_its_pages() -> None:
    result = extract(files.pdf_bytes([["第一页", f"身份证 {ID}"], ["第二页", "环境保护部"]]), "a.pdf")
    assert (result.format, result.status, result.pages) == ("pdf", "ok", 2)
    first, second = result.text.split("\f")
    assert ID in first
    assert "环境保护部" in second


def test_docx_paragraphs_and_table_rows_become_lines() -> None:
    data = files.docx_bytes(["根据国务院通知"], [["姓名", "电话"], ["张某", "13812345678"]])
    result = extract(data, "a.docx")
    assert (result.format, result.status) == ("docx", "ok")
    assert result.text.splitlines()[:3] == ["根据国务院通知", "姓名\t电话", "张某\t13812345678"]


def test_spreadsheets_are_one_page_per_sheet_one_line_per_row() -> None:
    xlsx = extract(
        files.xlsx_bytes({"名单": [["姓名", "电话"], ["张某", 13812345678]], "说明": [["无"]]}), "a.xlsx"
    )
    assert (xlsx.format, xlsx.pages) == ("xlsx", 2)
    assert xlsx.text == "姓名\t电话\n张某\t13812345678\f无"
    xls = extract(files.xls_bytes([["姓名", "电话"], ["李某", 13812345678]]), "a.xls")
    assert (xls.format, xls.text) == ("xls", "姓名\t电话\n李某\t13812345678")


def test_an_old_word_file_is_read_by_antiword() -> None:
    result = extract(doc_bytes(["经国家质量监督检验检疫总局备案", f"身份证号 {ID}"]), "a.doc")
    assert (result.format, result.status) == ("doc", "ok")
    assert "国家质量监督检验检疫总局" in result.text
    assert ID in result.text


def test_images_and_scanned_pdfs_are_read_by_ocr() -> None:
    png = extract(files.png_bytes([f"身份证号 {ID}"]), "scan.png")
    assert (png.format, png.ocr) == ("image", True)
    assert ID in png.text.replace(" ", "")
    scanned = extract(files.scanned_pdf_bytes(["联系电话 13812345678"]), "scan.pdf")
    assert (scanned.format, scanned.ocr) == ("pdf", True)
    assert "13812345678" in scanned.text.replace(" ", "")


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("encrypted.pdf", lambda: files.encrypted_pdf_bytes(["机密"]), "encrypted"),
        ("broken.pdf", lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nendobj\n", "malformed"),
        ("corrupt.docx", lambda: files.truncated(files.docx_bytes(["正文"]), 0.5), "malformed"),
        ("corrupt.xlsx", lambda: b"PK\x03\x04" + b"\x00" * 200, "malformed"),
        ("bomb.docx", files.zip_bomb_docx_bytes, "zip_bomb"),
        ("old.doc", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "malformed"),
        ("huge.png", lambda: files.png_header_bytes(10_000, 10_000), "image_too_large"),
        ("notes.bin", lambda: b"\x00\x01binary", "unsupported"),
    ],
)
def test_a_bad_file_is_unverified_with_its_reason(name: str, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    result = extract(make(), name)
    assert (result.status, result.reason) == ("unverified", reason), result.detail
    assert result.text == ""


def test_zip_sizes_are_checked_before_anything_is_inflated() -> None:
    bomb = files.zip_bomb_docx_bytes()
    with zipfile.ZipFile(io.BytesIO(bomb)) as zf:
        declared = sum(i.file_size for i in zf.infolist())
    assert declared > 60 * 1024 * 1024 > 50 * len(bomb)  # the file is small, its claim is not
    small_caps = Caps(max_unzipped=1024 * 1024, max_ratio=10_000)
    assert extract(files.docx_bytes(["正文"] * 3), "ok.docx", caps=small_caps).status == "ok"
    assert extract(bomb, "bomb.docx", caps=small_caps).reason == "zip_bomb"


def test_a_2000_page_pdf_is_read_up_to_the_page_cap() -> None:
    result = extract(files.many_pages_pdf_bytes(2000), "long.pdf", caps=Caps(max_pages=20))
    assert (result.status, result.reason, result.pages) == ("partial", "too_many_pages", 20)
    assert result.text.count("\f") == 19
    assert "第20页" in result.text
    assert "第21页" not in result.text


def test_a_huge_sheet_is_read_up_to_the_cell_cap() -> None:
    result = extract(files.huge_sheet_xlsx_bytes(400, 50), "big.xlsx", caps=Caps(max_cells=1000))
    assert (result.status, result.reason) == ("partial", "too_many_cells")
    assert result.text.count("\n") == 1000 // 50 - 1


def test_files_over_the_size_cap_are_not_read() -> None:
    result = extract(files.pdf_bytes([["x"]]), "a.pdf", caps=Caps(max_bytes=100))
    assert (result.status, result.reason) == ("unverified", "too_large")


def test_a_reader_that_runs_too_long_is_stopped_at_the_timeout() -> None:
    result = extract(files.scanned_pdf_bytes(["慢"]), "slow.pdf", caps=Caps(timeout_s=0.05))
    assert (result.status, result.reason) == ("unverified", "timeout")


def test_the_file_after_a_stopped_reader_is_read_as_usual() -> None:
    slow = extract(files.scanned_pdf_bytes(["慢"]), "slow.pdf", caps=Caps(timeout_s=0.05))
    after = extract(files.docx_bytes(["下一个文件"]), "next.docx")
    assert (slow.reason, after.status, after.text.strip()) == ("timeout", "ok", "下一个文件")
