"""The content watch's planted site: wrong expressions and personal numbers in pages and attachments.

One site of its own (its own host, not in ``World.sites``), so the ground truth of every other
indicator stays where it was. Its homepage lists the planted pages; the 公示 page links the
attachments (PDF, DOCX, XLSX, DOC, XLS, a scanned PNG, a scanned PDF, a broken PDF). Every plant is a
record here and the truth is computed from the same records: the expressions and unmasked numbers
that must be raised, and the look-alikes that must not (white-listed correct forms, masked numbers,
numbers failing their check digit, a page that names one gambling game while warning against it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from crawlers.privacy import id_check_char, luhn_ok, mask
from simweb import attachments as files
from simweb.docfile import doc_bytes
from simweb.model import Response, Route
from simweb.platforms.base import SimAccount

HOST = "www.gsjd.gov.cn"
TARGET_ID = "CW01"
NAME = "示范市政务公开网"
OWNER = "示范市人民政府办公室"
REGION = "江苏省示范市"


def id_number(first17: str) -> str:
    """A made-up ID number with its correct GB 11643 check character."""
    return first17 + id_check_char(first17)


def wrong_check(number: str) -> str:
    """The same number with a check character that does not fit."""
    return number[:17] + ("0" if number[17] != "0" else "1")


def card_number(prefix: str) -> str:
    """A made-up bank card number with its Luhn digit."""
    return next(prefix + str(d) for d in range(10) if luhn_ok(prefix + str(d)))


# Made-up numbers (regions and dates real, people not).
ID_A = id_number("32050519850312123")
ID_B = id_number("32058319900704214")
ID_C = id_number("11010519771101305")
ID_D = id_number("32050619920228046")
ID_BAD = wrong_check(id_number("32050819880515007"))
MOBILE_A = "13962001234"
MOBILE_B = "18851234567"
MOBILE_C = "15190067890"
CARD_A = card_number("621700123456789012")
CARD_BAD = CARD_A[:-1] + str((int(CARD_A[-1]) + 1) % 10)

MASKED_ID = "3205**********0021"
MASKED_MOBILE = "139****5678"


@dataclass
class Plant:
    """One thing that must be raised: a dictionary entry, or a personal number (masked in truth)."""

    indicator: str
    entry: str = ""  # dictionary/entry id for wording
    term: str = ""
    kind: str = ""  # id_card | mobile | bank_card for privacy
    number: str = ""  # the full number (never in the truth, only its masked form)

    def truth(self, url: str) -> dict[str, Any]:
        if self.indicator == "SITE-SEC-PRIVACY":
            return {
                "indicator": self.indicator,
                "url": url,
                "kind": self.kind,
                "masked": mask(self.kind, self.number),
            }
        return {"indicator": self.indicator, "url": url, "entry": self.entry, "term": self.term}


def wording(entry: str, term: str) -> Plant:
    return Plant("SITE-SEC-WORDING", entry=entry, term=term)


def personal(kind: str, number: str) -> Plant:
    return Plant("SITE-SEC-PRIVACY", kind=kind, number=number)


@dataclass
class Doc:
    """A page or an attachment of the planted site."""

    path: str
    title: str
    make: Callable[[], bytes] | str  # attachment bytes, or the page's body HTML
    content_type: str = "text/html"
    plants: list[Plant] = field(default_factory=list)
    unverified: str = ""  # the reason a reader must give ('' = readable)
    linked_from: str = "/"

    @property
    def attachment(self) -> bool:
        return not isinstance(self.make, str)


def _page(title: str, *paragraphs: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"<h1>{escape(title)}</h1>{body}"


def _table(rows: list[list[str]]) -> str:
    cells = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{cells}</table>"


def documents() -> list[Doc]:
    """Every planted page and attachment, with what each must (and must not) raise."""
    gs = "/gsgg/index.html"
    return [
        Doc(
            "/xwdt/a1.html",
            "关于开展市场主体年报工作的通知",
            _page(
                "关于开展市场主体年报工作的通知",
                "根据国家工商行政管理总局有关要求，各级农业部门和市场监管部门要加强协作。",
                "原国土资源部的有关文件继续参照执行。欢迎台湾等国家和地区的客商参会。",
                "会议邀请日本、韩国、台湾等国家的企业参展。",
            ),
            plants=[
                wording("outdated_names/saic", "国家工商行政管理总局"),
                wording("sovereignty/taiwan-country", "台湾等国家"),
            ],
        ),
        Doc(
            "/xwdt/a2.html",
            "警方提示：远离赌博",
            _page(
                "警方提示：远离赌博",
                "国家市场监督管理总局、香港特区政府有关部门和两岸关系研究机构联合发布提示。",
                "近期有不法分子以购买六合彩为名实施诈骗，请市民提高警惕。",
            ),
        ),
        Doc(
            "/xwdt/a3.html",
            "专题专栏",
            _page("专题专栏", "澳门新葡京 真人视讯 注册送彩金 ，点击进入。"),
            plants=[
                wording("harmful/casino-lisboa", "澳门新葡京"),
                wording("harmful/live-dealer", "真人视讯"),
                wording("harmful/betting-signup", "注册送彩金"),
            ],
        ),
        Doc(
            gs,
            "2024年公益性岗位拟录用人员公示",
            _page("2024年公益性岗位拟录用人员公示", "现将拟录用人员名单公示如下，公示期5个工作日。")
            + _table(
                [
                    ["姓名", "身份证号", "联系电话", "银行卡号"],
                    ["张某", ID_A, MASKED_MOBILE, CARD_A],
                    ["李某", MASKED_ID, MOBILE_A, CARD_BAD],
                    ["王某", ID_BAD, "0512-68001234", ""],
                ]
            )
            + _page("", "附件：名单（PDF、Word、Excel）及扫描件见下方链接。"),
            plants=[personal("id_card", ID_A), personal("bank_card", CARD_A), personal("mobile", MOBILE_A)],
        ),
        Doc(
            "/gsgg/files/mingdan.pdf",
            "拟录用人员名单（PDF）",
            lambda: files.pdf_bytes(
                [
                    ["拟录用人员名单", f"1 赵某 {ID_B}", f"2 钱某 {MASKED_ID}"],
                    ["说明", "本次招聘由环境保护部门指导", "依据环境保护部有关规定执行"],
                ]
            ),
            "application/pdf",
            plants=[personal("id_card", ID_B), wording("outdated_names/mep", "环境保护部")],
            linked_from=gs,
        ),
        Doc(
            "/gsgg/files/mingdan.docx",
            "拟录用人员名单（Word）",
            lambda: files.docx_bytes(
                ["根据国务院、中共中央有关文件精神，现公示如下。", "中共中央、国务院高度重视就业工作。"],
                [["姓名", "联系电话"], ["孙某", MOBILE_B], ["周某", MASKED_MOBILE]],
            ),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            plants=[
                personal("mobile", MOBILE_B),
                wording("leaders/order-cpc-state-council", "国务院、中共中央"),
            ],
            linked_from=gs,
        ),
        Doc(
            "/gsgg/files/mingdan.xlsx",
            "拟录用人员名单（Excel）",
            lambda: files.xlsx_bytes(
                {
                    "名单": [
                        ["姓名", "身份证号", "银行卡号"],
                        ["吴某", ID_C, CARD_BAD],
                        ["郑某", ID_BAD, ""],
                    ],
                    "说明": [["审核单位", "示范市卫生计生委"]],
                }
            ),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            plants=[personal("id_card", ID_C), wording("outdated_names/nhfpc-short", "卫生计生委")],
            linked_from=gs,
        ),
        Doc(
            "/gsgg/files/mingdan.xls",
            "拟录用人员名单（Excel 97）",
            lambda: files.xls_bytes([["姓名", "联系电话", "身份证号"], ["冯某", int(MOBILE_C), MASKED_ID]]),
            "application/vnd.ms-excel",
            plants=[personal("mobile", MOBILE_C)],
            linked_from=gs,
        ),
        Doc(
            "/gsgg/files/mingdan.doc",
            "拟录用人员名单（Word 97）",
            lambda: doc_bytes(
                [
                    "经国家质量监督检验检疫总局备案，现公示如下。",
                    f"联系人 孙某 {MOBILE_B}",
                    f"身份证号 {MASKED_ID}",
                ]
            ),
            "application/msword",
            plants=[
                personal("mobile", MOBILE_B),
                wording("outdated_names/aqsiq", "国家质量监督检验检疫总局"),
            ],
            linked_from=gs,
        ),
        Doc(
            "/gsgg/files/saomiao.png",
            "公示扫描件（图片）",
            lambda: files.png_bytes(["公示名单扫描件", f"陈某 身份证号 {ID_D}"]),
            "image/png",
            plants=[personal("id_card", ID_D)],
            linked_from=gs,
        ),
        Doc(
            "/gsgg/files/saomiao.pdf",
            "公示扫描件（PDF）",
            lambda: files.scanned_pdf_bytes(["公示名单扫描件", f"联系电话 {MOBILE_A}", "电话 139****5678"]),
            "application/pdf",
            plants=[personal("mobile", MOBILE_A)],
            linked_from=gs,
        ),
        Doc(
            "/gsgg/files/broken.pdf",
            "损坏的附件",
            lambda: files.truncated(files.pdf_bytes([["损坏的附件", ID_A]]), 0.3),
            "application/pdf",
            unverified="malformed",
            linked_from=gs,
        ),
    ]


# (platform, case) -> the newest post's title: a planted expression, or a correct look-alike (no entry)
POST_TITLES: dict[tuple[str, str], tuple[str, str, str]] = {
    ("weibo", "active"): ("转发：国家旅游局提示假日出行注意安全", "outdated_names/cnta", "国家旅游局"),
    ("douyin", "active"): ("香港政府发布最新通关安排", "sovereignty/hk-government", "香港政府"),
    ("bilibili", "active"): ("文化和旅游部提示假日出行注意安全", "", ""),
}


def plant_post(account: SimAccount) -> None:
    """Give a few accounts' newest post a planted title (dates untouched: other truth stays)."""
    planted = POST_TITLES.get((account.platform, account.case))
    if planted is None or not account.posts:
        return
    title, entry, term = planted
    account.posts[0].title = title
    if entry:
        account.planted.append({"indicator": "ACCOUNT-SEC-WORDING", "entry": entry, "term": term})


def planted_numbers() -> list[str]:
    """Every valid full number planted anywhere (tests grep all outputs for them)."""
    return [ID_A, ID_B, ID_C, ID_D, MOBILE_A, MOBILE_B, MOBILE_C, CARD_A]


@dataclass(frozen=True)
class PlantedSite:
    """A planted site of the content watch: its host, target id, names and documents."""

    host: str
    target_id: str
    name: str
    owner: str
    region: str
    docs: Callable[[], list[Doc]]


def _home(site: PlantedSite, docs: list[Doc], as_of_day: str) -> str:
    items = "".join(
        f'<li><a href="{d.path}">{escape(d.title)}</a><span>{as_of_day}</span></li>'
        for d in docs
        if d.linked_from == "/"
    )
    return f"<h1>{site.name}</h1><ul class='list'>{items}</ul>"


def page_html(site: PlantedSite, title: str, body: str) -> str:
    """A page of a planted site (its footer names the owner)."""
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title></head>'
        f"<body>{body}<div class='footer'>主办：{site.owner}</div></body></html>"
    )


def home_html(site: PlantedSite, docs: list[Doc], as_of_day: str) -> str:
    """The planted site's homepage: a list of its pages linked from "/"."""
    return page_html(site, site.name, _home(site, docs, as_of_day))


def site_routes(as_of_day: str, site: PlantedSite | None = None) -> dict[str, Route]:
    """The site's routes; attachments are generated when first asked for and then kept."""
    site = site or SITE
    docs = site.docs()
    routes: dict[str, Route] = {"/": Response(body=home_html(site, docs, as_of_day))}
    for doc in docs:
        if isinstance(doc.make, str):
            links = "".join(
                f'<li><a href="{d.path}">{escape(d.title)}</a></li>'
                for d in docs
                if d.linked_from == doc.path
            )
            routes[doc.path] = Response(
                body=page_html(site, doc.title, doc.make + (f"<ul>{links}</ul>" if links else ""))
            )
        else:
            routes[doc.path] = _lazy(doc.make, doc.content_type)
    return routes


def _lazy(make: Callable[[], bytes], content_type: str) -> Callable[[], Response]:
    made: list[bytes] = []

    def serve() -> Response:
        if not made:
            made.append(make())
        return Response(body=made[0], content_type=content_type, charset=None)

    return serve


def truth(url_of: Callable[[str, str], str], site: PlantedSite | None = None) -> dict[str, Any]:
    """What a correct content watch concludes about the planted site (numbers masked only)."""
    site = site or SITE
    host = site.host
    docs = site.docs()
    return {
        site.target_id: {
            "url": url_of(host, "/"),
            "host": host,
            "name": site.name,
            "pages": [url_of(host, d.path) for d in docs if not d.attachment] + [url_of(host, "/")],
            "attachments": [
                {
                    "url": url_of(host, d.path),
                    "found_on": url_of(host, d.linked_from),
                    "content_type": d.content_type,
                }
                for d in docs
                if d.attachment
            ],
            "expect": [p.truth(url_of(host, d.path)) for d in docs for p in d.plants],
            "unverified": [
                {"url": url_of(host, d.path), "reason": d.unverified} for d in docs if d.unverified
            ],
        }
    }


SITE = PlantedSite(HOST, TARGET_ID, NAME, OWNER, REGION, documents)
