"""Facts read from one fetched government page: meta tags, footer marks and what kind of page it is.

Pure functions over a page parsed once by :func:`crawlers.html.parse`. They record what a page says,
never what it means: whether a page is a soft-404 is the dead-link rules' judgment, made from the
signals read here (title, main text and its length). Anti-bot walls are read with the page
vocabulary (:mod:`crawlers.pagewords`; pass the office's words to honour its override). Links are
read by :mod:`crawlers.links`, columns found by :mod:`crawlers.columns`.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from crawlers.html import CHROME_TAGS, Doc, _text_runs, collapse, is_chrome, parse, visible_text
from crawlers.pagewords import PageWords, load_page_words
from crawlers.privacy import mask_personal_numbers

META_NAMES: tuple[str, ...] = (
    "SiteName",
    "SiteDomain",
    "SiteIDCode",
    "ColumnName",
    "ColumnDescription",
    "ColumnKeywords",
    "ColumnType",
    "ArticleTitle",
    "PubDate",
    "ContentSource",
    "Keywords",
    "Author",
    "Description",
    "Url",
    "firstpublishedtime",
    "lastmodifiedtime",
)
_META_CANON = {name.lower(): name for name in META_NAMES}

_PROVINCE = "[京津冀晋蒙辽吉黑沪苏浙皖闽赣鲁豫鄂湘粤桂琼渝川蜀黔贵滇云藏陕秦甘陇青宁新港澳台]"
_SITE_CODE = re.compile(r"(?:政府)?网站标识码\s*[:：]?\s*((?i:bm)\d{8}|[A-Za-z]{0,2}\d+)")
_ICP = re.compile(rf"({_PROVINCE}?)\s*ICP\s*([备证])\s*[:：]?\s*(\d+)\s*号(?:\s*[-－—]\s*(\d+))?")
_BEIAN = re.compile(rf"({_PROVINCE}?)\s*公网安备\s*[:：]?\s*(\d{{6,20}})\s*号?")
_RECORDCODE = re.compile(r"recordcode=(\d+)")
_CONAC_HOSTS = re.compile(r"(?:bszs|dcs)\.conac\.cn", re.IGNORECASE)
_FETCH_JS = re.compile(
    r"\bfetch\s*\(|XMLHttpRequest|\$\.(?:ajax|get|getJSON|post)\s*\(|jQuery\.(?:ajax|get|getJSON|post)\s*\(|"
    r"\baxios\b"
)
_LOADING = re.compile(r"加载中|正在加载|数据加载|loading", re.IGNORECASE)
_LISTISH = re.compile(r"list|news|(?<![a-z])con(?!tainer|tact|trol|fig)", re.IGNORECASE)
_TEMPLATE_MARK = re.compile(r"\{\{.*?\}\}|\$\{.*?\}")
_COOKIE_CHALLENGE = re.compile(r"document\.cookie\s*=.*?(?:location|reload)", re.DOTALL)
_CONAC = etree.XPath("//@href[contains(., 'conac.cn')] | //@src[contains(., 'conac.cn')]")
_JIUCUO = etree.XPath(
    "//script[@id='_jiucuo_' or contains(@src, 'exposure/jiucuo.js')] | //a[contains(., '找错')]"
    " | //img[contains(@alt, '找错') or contains(@title, '找错')]"
)
_RECORDCODE_LINK = etree.XPath("//a[contains(@href, 'recordcode=')]")


def read_meta(html: Doc) -> dict[str, str]:
    """Government ``<meta name>`` tags (12.1), names matched case-insensitively, first non-empty wins."""
    found: dict[str, str] = {}
    for el in parse(html).iter("meta"):
        canon = _META_CANON.get((el.get("name") or "").strip().lower())
        content = collapse(el.get("content"))
        if canon and content and canon not in found:
            found[canon] = content
    return found


def read_footer(html: Doc) -> dict[str, Any]:
    """Footer identity marks (12.2): 标识码, ICP, 公网安备, 党政机关 badge, 找错 entry."""
    root = parse(html)
    text = visible_text(root)
    code = _SITE_CODE.search(text)
    icp = _ICP.search(text)
    beian_text = _BEIAN.search(text)
    beian: str | None = None
    if beian_text:
        beian = f"{beian_text.group(1)}公网安备 {beian_text.group(2)}号"
    else:
        for a in _RECORDCODE_LINK(root):
            if rc := _RECORDCODE.search(a.get("href") or ""):
                label = collapse(a.text_content())
                beian = label if "公网安备" in label else f"公网安备 {rc.group(1)}号"
                break
    conac = any(_CONAC_HOSTS.search(ref) for ref in _CONAC(root))
    jiucuo = bool(_JIUCUO(root))
    icp_text = None
    if icp:
        prov, kind, number, suffix = icp.groups()
        icp_text = f"{prov}ICP{kind}{number}号" + (f"-{suffix}" if suffix else "")
    return {
        "site_code": code.group(1) if code else None,
        "icp": icp_text,
        "beian": beian,
        "conac_badge": conac,
        "jiucuo": jiucuo,
    }


# ---------------------------------------------------------------- what kind of page this is


#: how much of a page's main text is kept as an excerpt: enough for any "little other text" limit
#: an indicator file sets for soft-404s, and for an empty list's placeholder
EXCERPT_CHARS = 1500


def _main_text(root: HtmlElement) -> str:
    """Visible text minus site chrome (nav, header, footer), so a templated 404 page still reads short."""
    return collapse("".join(_text_runs(root, leave_out=_is_chrome)))


def _is_chrome(el: etree._Element) -> bool:
    """Chrome by tag, or a block (div, ul, table) named as chrome: a span or link named "nav" is not."""
    return el.tag in CHROME_TAGS or (el.tag in ("div", "ul", "table") and is_chrome(el))


def main_text(html: Doc) -> str:
    """The page's visible text without its navigation, header and footer (whitespace collapsed)."""
    return _main_text(parse(html))


def text_signals(html: Doc, *, always: bool = False) -> tuple[int, str]:
    """``(length of the main text, its first EXCERPT_CHARS characters)``; the excerpt is '' when
    the text is longer than that and ``always`` is not set (no rule needs the start of a long page
    that lists its entries). Personal numbers in the excerpt are masked: it is stored, and a 公示
    page's start may list ID card and phone numbers."""
    text = main_text(html)
    keep = always or len(text) <= EXCERPT_CHARS
    return len(text), mask_personal_numbers(text[:EXCERPT_CHARS])[0] if keep else ""


def is_tagged(meta: dict[str, str]) -> bool:
    """The page carries the ArticleTitle or ColumnName meta of a real article or column page."""
    return "ArticleTitle" in meta or "ColumnName" in meta


def is_antibot(status: int | None, html: Doc, words: PageWords | None = None) -> bool:
    """An anti-bot wall (WAF status, captcha/verification page, cookie-setting JS challenge).

    A wall means *unverified*, never a verdict. The verification phrases only count on a short page,
    since real pages carry 验证码 in their message forms.
    """
    if status is None:
        return False
    vocab = words or load_page_words()
    if status in vocab.antibot_statuses:
        return True
    root = parse(html)
    text = visible_text(root)
    if len(text) <= vocab.antibot_max_text_chars and any(p in text for p in vocab.antibot_phrases):
        return True
    if not text:  # a JS challenge shows nothing and sets a cookie before reloading
        scripts = " ".join(s.text or "" for s in root.iter("script"))
        return bool(_COOKIE_CHALLENGE.search(scripts))
    return False


def looks_js_rendered(html: Doc) -> bool:
    """The page's list is filled by JavaScript: an empty list container plus a data fetch or spinner."""
    root = parse(html)
    empty_list = False
    for el in root.iter("ul", "ol", "div", "table", "tbody", "dl"):
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _LISTISH.search(attrs):
            continue
        if el.find(".//a[@href]") is None or _TEMPLATE_MARK.search(el.text_content()):
            body = collapse(el.text_content())
            if not body or _LOADING.search(body) or _TEMPLATE_MARK.search(body):
                empty_list = True
                break
    if not empty_list:
        return False
    inline = " ".join(s.text or "" for s in root.iter("script") if not s.get("src"))
    return bool(_FETCH_JS.search(inline) or _LOADING.search(visible_text(root)))
