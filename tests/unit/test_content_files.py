"""The content watch's files: which links are read, the site's file allowance, and the sweep's OCR
allowance (real scans read by the real tesseract in the isolating child process)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from crawlers import html as html_facts
from crawlers.config import ContentWatchConfig
from crawlers.dates import BEIJING
from crawlers.models import Target, TextObservation
from simweb import attachments as files
from spiders.collectors import FetchedFile
from spiders.contentfiles import FileReader, SiteFiles, file_links

SITE = "http://www.example.gov.cn/"
TARGET = Target("CW09", "site", "示范网", "示范办", "", SITE)
AT = datetime(2024, 10, 1, 10, 0, tzinfo=BEIJING)
SCAN = ["拟聘用人员名单公示", "张三 电话 18812344567"]


def test_attachments_of_the_site_are_read_and_images_only_on_notice_pages() -> None:
    root = html_facts.parse(
        '<a href="/f/a.pdf">a</a><a href="/f/b.DOCX">b</a><a href="/f/a.pdf">again</a>'
        '<a href="http://other.example.com/c.xlsx">elsewhere</a><a href="/f/d.png">scan</a>'
        '<a href="/news/e.html">page</a>'
    )
    page = SITE + "gsgg/index.html"
    assert file_links(root, page, SITE, images=False) == [SITE + "f/a.pdf", SITE + "f/b.DOCX"]
    assert file_links(root, page, SITE, images=True)[-1] == SITE + "f/d.png"


def test_the_sites_file_allowance_caps_each_file_and_the_total() -> None:
    cw = ContentWatchConfig(max_attachment_bytes=4096, site_attachment_bytes=10_000, site_attachments=3)
    site = SiteFiles()
    assert site.allowance(cw) == 4096
    site.bytes = 8_000
    assert site.allowance(cw) == 2_000
    site.fetched = 3
    assert site.allowance(cw) == 0


def read(reader: FileReader, name: str, body: bytes, *, notice: bool) -> TextObservation:
    fetched = FetchedFile(TARGET, SITE + "f/" + name, SITE + "gsgg/index.html", body=body, status=200)
    return asyncio.run(reader.read(fetched, notice=notice, fetched_at=AT))


def test_ocr_reads_scans_within_the_sweeps_allowance_of_files() -> None:
    reader = FileReader(ContentWatchConfig(ocr_files=1))
    try:
        first = read(reader, "a.png", files.png_bytes(SCAN), notice=True)
        second = read(reader, "b.png", files.png_bytes(SCAN), notice=True)
    finally:
        reader.close()
    assert first.ocr
    assert first.extraction == "ok"
    assert "名单" in first.text
    assert "18812344567" not in first.text  # masked before it is a fact
    assert (second.extraction, second.reason) == ("unverified", "ocr_budget")


def test_a_scanned_pdf_off_a_notice_page_is_noted_not_read_and_ocr_can_be_switched_off() -> None:
    reader = FileReader(ContentWatchConfig(ocr=False))
    try:
        scanned = read(reader, "s.pdf", files.scanned_pdf_bytes(SCAN), notice=False)
        image = read(reader, "s.png", files.png_bytes(SCAN), notice=True)
    finally:
        reader.close()
    assert (scanned.extraction, scanned.reason) == ("unverified", "scanned")
    assert (image.extraction, image.reason) == ("unverified", "ocr_off")
