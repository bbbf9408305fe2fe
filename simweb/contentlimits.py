"""The content watch's limits site: attachments no reader may be stalled by, next to a normal page.

A 公示 page links a 2,000-page PDF, a PNG that claims 10,000 x 10,000 pixels, a password-protected
PDF, a zip-bomb DOCX and a file larger than the download cap the truth assumes
(:data:`MAX_ATTACHMENT_BYTES`, which the sweep's config must set). Each must end as an
``unverified`` note for that file with its reason, and the sweep must go on: the site's normal page,
with a planted expression, is still read and raised. Served with the rest of the simulated web,
targeted only by the tests that ask for it (its truth is :func:`truth`, not the world's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simweb import attachments as files
from simweb.contentwatch import Doc, PlantedSite, site_routes, wording
from simweb.contentwatch import truth as planted_truth
from simweb.model import Route

HOST = "www.cwxz.gov.cn"
TARGET_ID = "CW02"
MAX_ATTACHMENT_BYTES = 1024 * 1024  # the cap the truth assumes ([content_watch] max_attachment_bytes)
BIG_BYTES = MAX_ATTACHMENT_BYTES + 512 * 1024
PAGES = 2000


def _big_pdf() -> bytes:
    """A PDF-looking file over the download cap (its bytes never reach a reader)."""
    return b"%PDF-1.4\n" + b"0" * (BIG_BYTES - 9)


def documents() -> list[Doc]:
    gs = "/gsgg/index.html"
    return [
        Doc(
            "/xwdt/ok.html",
            "关于假日旅游安全的提示",
            "<h1>关于假日旅游安全的提示</h1><p>根据国家旅游局有关通知，做好假日旅游安全工作。</p>",
            plants=[wording("outdated_names/cnta", "国家旅游局")],
        ),
        Doc(
            gs,
            "拟聘用人员名单公示",
            "<h1>拟聘用人员名单公示</h1><p>名单及附件见下方链接。</p>",
        ),
        Doc(
            "/gsgg/files/quanwen.pdf",
            f"名单全文（{PAGES}页）",
            lambda: files.many_pages_pdf_bytes(PAGES),
            "application/pdf",
            unverified="too_many_pages",
            linked_from=gs,
        ),
        Doc(
            "/gsgg/files/saomiao-da.png",
            "扫描件（超大图片）",
            lambda: files.png_header_bytes(10_000, 10_000),
            "image/png",
            unverified="image_too_large",
            linked_from=gs,
        ),
        Doc(
            "/gsgg/files/jiami.pdf",
            "名单（加密）",
            lambda: files.encrypted_pdf_bytes(["拟聘用人员名单"]),
            "application/pdf",
            unverified="encrypted",
            linked_from=gs,
        ),
        Doc(
            "/gsgg/files/yasuo.docx",
            "名单（Word）",
            lambda: files.zip_bomb_docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            unverified="zip_bomb",
            linked_from=gs,
        ),
        Doc(
            "/gsgg/files/dawenjian.pdf",
            "名单（超大文件）",
            _big_pdf,
            "application/pdf",
            unverified="too_large",
            linked_from=gs,
        ),
    ]


SITE = PlantedSite(HOST, TARGET_ID, "示范县政务公开网", "示范县人民政府办公室", "江苏省示范县", documents)


def routes(as_of_day: str) -> dict[str, Route]:
    return site_routes(as_of_day, SITE)


def truth(url_of: Callable[[str, str], str]) -> dict[str, Any]:
    """The limits site's truth in the world truth's ``content_watch`` shape."""
    return planted_truth(url_of, SITE)
