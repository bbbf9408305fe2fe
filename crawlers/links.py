"""Links on a page: absolute URLs, host keys, in-site or not, and the kind of each link.

Run on every link of every page (hundreds of thousands in a province's sweep), so URLs are cut
with plain string operations where :func:`urllib.parse.urlsplit` would be the cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from crawlers.datastore import records_in
from crawlers.html import Doc, collapse, parse, words
from crawlers.models import LinkRef

IMAGE_EXT = words("jpg jpeg png gif bmp webp svg ico tif tiff")
ATTACHMENT_EXT = words(
    "pdf doc docx xls xlsx ppt pptx zip rar 7z gz tar wps et dps txt ofd csv xml rtf ceb caj mp4 "
    "mp3 avi flv wmv apk"
)
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "sms:", "vbscript:")

_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "sms:", "vbscript:")


@dataclass
class ColumnRef:
    """A column (栏目) of a site, found in its navigation, its site map or its meta tags."""

    url: str
    name: str
    level: int = 1  # 1 first-level (navigation / top sitemap heading), 2 second level
    source: str = "nav"  # nav | sitemap | meta


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


def _link_text(el: HtmlElement) -> str:
    if el.tag in ("a", "area"):
        text = collapse(el.text_content())
        if text:
            return text
        img = el.find(".//img")
        if img is not None:
            return collapse(img.get("alt") or img.get("title"))
    return collapse(el.get("alt") or el.get("title"))


def _link_elements(root: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """(element, raw URL) for every followable or loaded reference, in document order."""
    found: list[tuple[HtmlElement, str]] = []
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
    records = [m for s in root.iter("script") for m in records_in(s.text or "")]
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
            kind = _link_kind(str(el.tag), (el.get("rel") or "").lower(), url, site)
            seen[url] = LinkRef(url=url, text=text, kind=kind)
    return list(seen.values())
