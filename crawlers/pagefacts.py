"""Facts read from one fetched government page: meta tags, footer marks, text, links, page kind.

Pure functions over decoded HTML (no network), run on every page of every site, so each parses
with lxml once; every function also accepts a tree from :func:`parse` so a caller asking several
questions of one page parses it only once. Marker words come from ``[markers]`` of the indicator
data file (pass the table to use an office override). Column discovery lives in
:mod:`crawlers.columns`; :func:`discover_columns` here is its public entry point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from crawlers.models import LinkRef
from crawlers.thresholds import markers as default_markers

Doc = str | bytes | lxml.html.HtmlElement


def words(text: str) -> frozenset[str]:
    """A word list written as one spaced string (keeps long constant lists readable)."""
    return frozenset(text.split())


_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)

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

# Text of these elements is never shown to a visitor.
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "title", "select"})
# Elements that break text into separate runs (so adjacent cells do not glue words together).
_BLOCK = words(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form h1 h2 "
    "h3 h4 h5 h6 header hr li main nav ol option p pre section table tbody td tfoot th thead tr ul"
)

IMAGE_EXT = words("jpg jpeg png gif bmp webp svg ico tif tiff")
ATTACHMENT_EXT = words(
    "pdf doc docx xls xlsx ppt pptx zip rar 7z gz tar wps et dps txt ofd csv xml rtf ceb caj mp4 "
    "mp3 avi flv wmv apk"
)
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "sms:", "vbscript:")

_WS = re.compile(r"\s+")
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
_CHROME = re.compile(r"nav|menu|foot|header|copyright|bottom")
_COOKIE_CHALLENGE = re.compile(r"document\.cookie\s*=.*?(?:location|reload)", re.DOTALL)
_CONAC = etree.XPath("//@href[contains(., 'conac.cn')] | //@src[contains(., 'conac.cn')]")
_JIUCUO = etree.XPath(
    "//script[@id='_jiucuo_' or contains(@src, 'exposure/jiucuo.js')] | //a[contains(., '找错')]"
    " | //img[contains(@alt, '找错') or contains(@title, '找错')]"
)
_RECORDCODE_LINK = etree.XPath("//a[contains(@href, 'recordcode=')]")
_HANWEB_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)


_last_text: tuple[etree._Element | None, str] = (None, "")


@dataclass
class ColumnRef:
    """A column (栏目) of a site, found in its navigation, its site map or its meta tags."""

    url: str
    name: str
    level: int = 1  # 1 first-level (navigation / top sitemap heading), 2 second level
    source: str = "nav"  # nav | sitemap | meta


# ---------------------------------------------------------------- parsing and text


def parse(html: Doc) -> lxml.html.HtmlElement:
    """The page's root element; a tree passed in is returned as is (parse once, ask many times).

    Text is decoded by the caller (bytes must be UTF-8); a stray encoding declaration is ignored.
    """
    if isinstance(html, etree._Element):
        return html
    data = html.encode("utf-8", "replace") if isinstance(html, str) else html
    root = etree.fromstring(data, _PARSER) if data.strip() else None
    if root is None:
        root = lxml.html.document_fromstring("<html><body></body></html>")
    return root


def collapse(text: str | None) -> str:
    """Whitespace runs (including full-width spaces and nbsp) become one space; ends stripped."""
    return _WS.sub(" ", text or "").strip()


def _text_runs(root: etree._Element) -> list[str]:
    """Text pieces in document order, invisible subtrees skipped, blocks padded with spaces."""
    runs: list[str] = []
    add = runs.append
    walker = etree.iterwalk(root, events=("start", "end"))
    skip = walker.skip_subtree
    for event, el in walker:
        tag = el.tag  # the parser drops comments and PIs, so every tag is a str
        if event == "start":
            if tag in _BLOCK:
                add(" ")
            if tag in _INVISIBLE:
                skip()
            elif el.text:
                add(el.text)
        else:
            if tag in _BLOCK:
                add(" ")
            if el.tail and el is not root:
                add(el.tail)
    return runs


def visible_text(html: Doc) -> str:
    """Text a visitor sees (no scripts, styles or head), whitespace collapsed.

    The last tree's text is remembered: footer, soft-404 and anti-bot checks of one parsed page
    all need it (trees from :func:`parse` are treated as read-only).
    """
    global _last_text
    root = parse(html)
    if _last_text[0] is root:
        return _last_text[1]
    text = collapse("".join(_text_runs(root)))
    _last_text = (root, text)
    return text


def page_title(html: Doc) -> str:
    """The ``<title>`` text, collapsed ('' when absent)."""
    title = parse(html).find(".//title")
    return collapse(title.text_content()) if title is not None else ""


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


def _markers(table: dict | None) -> dict:
    return table if table is not None else default_markers()


def _main_text(root: etree._Element) -> str:
    """Visible text minus site chrome (nav, header, footer), so a templated 404 page still reads short."""
    chrome = [el for el in root.iter() if isinstance(el.tag, str) and _is_chrome(el)]
    text = visible_text(root)
    for el in chrome:
        if not any(_is_chrome(a) for a in el.iterancestors()):
            part = collapse("".join(_text_runs(el)))
            if part:
                text = text.replace(part, " ", 1)
    return collapse(text)


def _is_chrome(el: etree._Element) -> bool:
    if el.tag in ("nav", "header", "footer"):
        return True
    attrs = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    return el.tag in ("div", "ul", "table") and bool(_CHROME.search(attrs))


def is_soft404(status: int | None, html: Doc, markers: dict | None = None) -> bool:
    """HTTP 2xx page saying 'not found' with little else on it: the link is dead though it answered 200.

    The phrase must be in the page text (or a title phrase in ``<title>``) *and* the page must carry at
    most ``soft404_max_text_chars`` of text outside its navigation/footer, and no article or column
    meta: an article that mentions 404 is long (or tagged) and is not a soft-404.
    """
    if status is None or not 200 <= status < 300:
        return False
    table = _markers(markers)
    root = parse(html)
    text = visible_text(root)
    title = page_title(root)
    said = any(_contains(text, p) for p in table["soft404_phrases"]) or any(
        _contains(title, p) for p in table["soft404_title_phrases"]
    )
    if not said:
        return False
    meta = read_meta(root)
    if "ArticleTitle" in meta or "ColumnName" in meta:  # a real article or column page of the site
        return False
    limit = int(table["soft404_max_text_chars"])
    return len(text) <= limit or len(_main_text(root)) <= limit


def _contains(text: str, phrase: str) -> bool:
    """Substring test, case-insensitive for Latin phrases ('404 not found')."""
    return phrase.lower() in text.lower() if phrase.isascii() else phrase in text


def is_antibot(status: int | None, html: Doc, markers: dict | None = None) -> bool:
    """An anti-bot wall (WAF status, captcha/verification page, cookie-setting JS challenge).

    A wall means *unverified*, never a verdict. The verification phrases only count on a short page,
    since real pages carry 验证码 in their message forms.
    """
    if status is None:
        return False
    table = _markers(markers)
    if status in table["antibot_statuses"]:
        return True
    root = parse(html)
    text = visible_text(root)
    limit = int(table.get("antibot_max_text_chars", table["soft404_max_text_chars"]))
    if len(text) <= limit and any(p in text for p in table["antibot_phrases"]):
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


# ---------------------------------------------------------------- links


def _split(url: str) -> tuple[str, str]:
    """(netloc, path) of an absolute URL by plain string cuts: urlsplit is the cost on link-heavy pages."""
    rest = url.split("://", 1)[-1]
    cut = len(rest)
    for mark in "/?#":
        at = rest.find(mark)
        if at != -1 and at < cut:
            cut = at
    path = rest[cut:].split("?", 1)[0].split("#", 1)[0]
    return rest[:cut], path


@lru_cache(maxsize=4096)
def _host_key_of(netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1]
    host = (urlsplit(f"//{host}").hostname or "") if host.startswith("[") else host.split(":", 1)[0]
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def host_key(url: str) -> str:
    """Hostname without port or a leading 'www.': www.a.gov.cn and a.gov.cn:8080 are one site."""
    return _host_key_of(_split(url)[0])


def is_internal(url: str, base_url: str) -> bool:
    """Same site as the page (see :func:`host_key`)."""
    return host_key(url) == host_key(base_url)


def extension(url: str) -> str:
    """Lower-case file extension of the URL's path ('' when none)."""
    last = _split(url)[1].rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def page_base(root: etree._Element, base_url: str) -> str:
    """The URL relative links resolve against: ``<base href>`` when present."""
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(base_url, href)
    return base_url


@lru_cache(maxsize=256)
def _base_parts(base: str) -> tuple[str, str, str]:
    """(scheme, origin, directory) of a page URL, for joining the common href shapes by hand."""
    scheme = base.split(":", 1)[0].lower()
    netloc, path = _split(base)
    origin = f"{scheme}://{netloc}"
    return scheme, origin, origin + path[: path.rfind("/") + 1] if "/" in path else origin + "/"


@lru_cache(maxsize=8192)
def _join(base: str, href: str) -> str | None:
    """urljoin, with the frequent shapes (absolute, /root, ./relative) done without it."""
    href = href.replace("\\", "/").split("#", 1)[0]
    scheme, origin, directory = _base_parts(base)
    lower = href[:8].lower()
    while href.startswith("./"):
        href = href[2:]
    if lower.startswith(("http://", "https://")):
        url = href if href.startswith(("http://", "https://")) else ""
    elif href.startswith("//"):
        url = f"{scheme}:{href}"
    elif href.startswith("/"):
        url = origin + href
    elif href and href[0] not in "?." and ":" not in href.split("/", 1)[0]:
        url = directory + href
    else:
        url = ""
    if not url or "/./" in url or "/../" in url or url.endswith(("/.", "/..")):
        try:
            url = urljoin(base, href).split("#", 1)[0]
        except ValueError:
            return None
    return url if url[:8].lower().startswith(("http://", "https://")) else None


def absolute(href: str | None, base: str) -> str | None:
    """Absolute http(s) URL without fragment, or None for hrefs nobody can follow."""
    href = (href or "").strip()
    if not href or href.startswith("#") or href[:11].lower().startswith(_SKIP_SCHEMES):
        return None
    return _join(base, href)


def _link_kind(tag: str, rel: str, url: str, site: str) -> str:
    """What the link is: by tag, then file extension, then whether it leaves the site (``host_key``)."""
    if tag == "script":
        return "script"
    if tag == "link":
        return "style" if "stylesheet" in rel else "image"
    netloc, path = _split(url)
    last = path.rsplit("/", 1)[-1]
    ext = last.rsplit(".", 1)[-1].lower() if "." in last else ""
    if tag == "img" or ext in IMAGE_EXT:
        return "image"
    if ext in ATTACHMENT_EXT:
        return "attachment"
    return "page" if _host_key_of(netloc) == site else "external"


def _link_text(el: etree._Element) -> str:
    if el.tag in ("a", "area"):
        text = collapse(el.text_content())
        if text:
            return text
        img = el.find(".//img")
        if img is not None:
            return collapse(img.get("alt") or img.get("title"))
    return collapse(el.get("alt") or el.get("title"))


def _link_elements(root: etree._Element) -> list[tuple[etree._Element, str]]:
    """(element, raw URL) for every followable or loaded reference, in document order."""
    found: list[tuple[etree._Element, str]] = []
    for el in root.iter("a", "area", "img", "link", "script", "iframe", "frame", "embed", "source"):
        if el.tag in ("a", "area"):
            raw = el.get("href")
        elif el.tag == "link":
            rel = (el.get("rel") or "").lower()
            raw = el.get("href") if ("stylesheet" in rel or "icon" in rel) else None
        elif el.tag == "img":
            raw = el.get("src") or el.get("data-src") or el.get("data-original")
        else:
            raw = el.get("src")
        if raw:
            found.append((el, raw))
    return found


def extract_links(html: Doc, base_url: str) -> list[LinkRef]:
    """Every link a visitor could follow or the page loads, absolute, deduplicated, with a kind.

    Hanweb list records kept in an inline ``<datastore>`` are read too: they are the column's list.
    """
    root = parse(html)
    base = page_base(root, base_url)
    trees = [root]
    records = [m for s in root.iter("script") for m in _HANWEB_RECORD.findall(s.text or "")]
    if records:
        trees.append(parse("<html><body>" + "".join(records) + "</body></html>"))
    site = host_key(base_url)
    seen: dict[str, LinkRef] = {}
    for tree in trees:
        for el, raw in _link_elements(tree):
            url = absolute(raw, base)
            if url is None:
                continue
            text = _link_text(el)
            if url in seen:
                if not seen[url].text and text:
                    seen[url].text = text
                continue
            kind = _link_kind(el.tag, (el.get("rel") or "").lower(), url, site)
            seen[url] = LinkRef(url=url, text=text, kind=kind)
    return list(seen.values())


def find_sitemap_url(html: Doc, base_url: str, markers: dict | None = None) -> str | None:
    """URL of the 网站地图 page linked from this page (exact link text first, then containing it)."""
    texts = _markers(markers)["sitemap_link_texts"]
    root = parse(html)
    base = page_base(root, base_url)
    partial: str | None = None
    for a in root.iter("a"):
        label = _WS.sub("", _link_text(a))
        if not any(t in label for t in texts):
            continue
        url = absolute(a.get("href"), base)
        if url is None:
            continue
        if label in texts:
            return url
        partial = partial or url
    return partial


def discover_columns(html: Doc, base_url: str, *, from_sitemap: bool = False) -> list[ColumnRef]:
    """The site's columns from its navigation or (``from_sitemap``) its 网站地图 page."""
    from crawlers.columns import find_columns

    return find_columns(parse(html), base_url, from_sitemap=from_sitemap)
