"""The security watch's facts of one fetched page: hosts, scripts, frames, redirects, hidden links,
program downloads, the text fingerprint and block structure.

Facts only. Which hosts are allowed, how much obfuscation is too much, what similarity means a
replaced page: the ``SITE-SEC-*`` rules decide that from the indicator data. The one decision taken
here is the crawler's own: whether a page is worth rendering in Chromium (:func:`render_reason`),
because only the browser shows what a script writes.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from crawlers.hiddenlinks import describe, hidden_links
from crawlers.html import page_title, visible_text
from crawlers.links import absolute, host_key, page_base
from crawlers.privacy import mask_personal_numbers
from crawlers.textprint import blocks, text_print
from crawlers.watchmodels import FrameFact, ScriptFact, WatchObservation

EXCERPT_CHARS = 600
MAX_SCRIPTS = 60
MAX_PROGRAM_LINKS = 50
# links to programs a visitor would run (a drive-by download); which of them a rule counts is its data
PROGRAM_EXTENSIONS = frozenset(
    {"exe", "apk", "msi", "bat", "cmd", "scr", "jar", "vbs", "ps1", "dmg", "pkg", "ipa", "hta", "com", "pif"}
)
_EVAL = re.compile(r"\beval\s*\(|\bnew\s+Function\s*\(|\bFunction\s*\(\s*['\"]")
_UNESCAPE = re.compile(r"\b(?:unescape|decodeURIComponent)\s*\(\s*['\"][^'\"]*%[0-9a-fA-F]{2}")
_FROMCHARCODE = re.compile(r"fromCharCode\s*\(")
_ATOB = re.compile(r"\batob\s*\(")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{60,}={0,2}")
_HEX = re.compile(r"\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}")
_WRITE = re.compile(r"document\.write(?:ln)?\s*\(|\.innerHTML\s*[+]?=|insertAdjacentHTML\s*\(")
_IFRAME = re.compile(r"<\s*['\"+\s]*i['\"+\s]*f['\"+\s]*r['\"+\s]*a['\"+\s]*m['\"+\s]*e", re.IGNORECASE)
_SCRIPT_TAG = re.compile(r"<\s*['\"+\s]*s['\"+\s]*c['\"+\s]*r['\"+\s]*i['\"+\s]*p['\"+\s]*t", re.IGNORECASE)
_LINKS = re.compile(r"<\s*a\s|href\s*=", re.IGNORECASE)
_REDIRECT = re.compile(
    r"(?:(?:window|top|self|parent|document)\s*\.\s*)?location(?:\s*\.\s*href)?\s*=\s*['\"]([^'\"]+)['\"]"
    r"|location\s*\.\s*(?:replace|assign)\s*\(\s*['\"]([^'\"]+)['\"]"
)
_REFERRER = re.compile(r"document\.referrer", re.IGNORECASE)
_ENGINES = re.compile(r"baidu|sogou|so\.com|sm\.cn|google|bing|360", re.IGNORECASE)
_AGENT = re.compile(r"navigator\.userAgent", re.IGNORECASE)
_CRAWLERS = re.compile(r"spider|bot|crawl", re.IGNORECASE)
_REFRESH = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.IGNORECASE)


def hostname(url: str) -> str:
    """The host of a URL, lower-case, without port ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def script_fact(code: str, src: str, base: str) -> ScriptFact:
    """The signals of one script's code (''for an external script: it is not fetched)."""
    fact = ScriptFact(src=src, host=hostname(src) if src else "", chars=len(code))
    if not code:
        return fact
    writes = bool(_WRITE.search(code))
    fact.eval = len(_EVAL.findall(code))
    fact.unescape = len(_UNESCAPE.findall(code))
    fact.fromcharcode = len(_FROMCHARCODE.findall(code))
    fact.atob = len(_ATOB.findall(code))
    fact.longest_base64 = max((len(m) for m in _BASE64.findall(code)), default=0)
    fact.hex_escapes = len(_HEX.findall(code))
    fact.writes_iframe = writes and bool(_IFRAME.search(code))
    fact.writes_script = writes and bool(_SCRIPT_TAG.search(code))
    fact.writes_links = writes and bool(_LINKS.search(code))
    fact.checks_referrer = bool(_REFERRER.search(code) and _ENGINES.search(code))
    fact.checks_agent = bool(_AGENT.search(code) and _CRAWLERS.search(code))
    targets = [a or b for a, b in _REDIRECT.findall(code)]
    fact.redirects = sorted({u for t in targets if (u := absolute(t, base))})[:10]
    fact.excerpt = code.strip()[:300]
    return fact


def _frame_hidden(el: HtmlElement) -> str:
    for name in ("width", "height"):
        value = (el.get(name) or "").strip().rstrip("px")
        if value.isdigit() and int(value) <= 1:
            return f'{name}="{el.get(name)}"'
    style = (el.get("style") or "").replace(" ", "").lower()
    for needle in ("display:none", "visibility:hidden", "width:0", "height:0"):
        if needle in style:
            return f'style="{el.get("style")}"'
    return ""


def read_watch(
    root: HtmlElement,
    *,
    target_id: str,
    url: str,
    page_role: str,
    variant: str,
    fetched_at: datetime,
    status: int | None,
    final_url: str,
    site_host: str,
) -> WatchObservation:
    """Every watch fact of one loaded page (``root``: its parsed HTML, or the rendered DOM)."""
    base = page_base(root, final_url or url)
    text = visible_text(root)
    obs = WatchObservation(
        target_id=target_id,
        url=url,
        page_role=page_role,
        variant=variant,
        fetched_at=fetched_at,
        status=status,
        final_url=final_url,
        site_host=site_host,
        title=page_title(root),
        text_chars=len(text),
        text_excerpt=mask_personal_numbers(text[:EXCERPT_CHARS])[0],  # stored: no full personal number
        text_print=text_print(text),
        blocks=blocks(root),
    )
    hosts: dict[str, set[str]] = {"script": set(), "iframe": set(), "style": set(), "link": set()}
    for el in root.iter("script"):
        src = absolute(el.get("src"), base) or "" if el.get("src") else ""
        if src:
            hosts["script"].add(hostname(src))
        if el.get("type", "").lower() in ("application/json", "application/ld+json", "text/template"):
            continue
        if len(obs.scripts) < MAX_SCRIPTS:
            obs.scripts.append(script_fact("" if src else el.text or "", src, base))
    for el in root.iter("iframe", "frame"):
        frame = absolute(el.get("src"), base)
        if frame:
            hosts["iframe"].add(hostname(frame))
            obs.frames.append(FrameFact(src=frame, host=hostname(frame), hidden=_frame_hidden(el)))
    for el in root.iter("link"):
        href = absolute(el.get("href"), base)
        if href and "stylesheet" in (el.get("rel") or "").lower():
            hosts["style"].add(hostname(href))
    for el in root.iter("a", "area"):
        href = absolute(el.get("href"), base)
        if not href:
            continue
        hosts["link"].add(hostname(href))
        last = urlsplit(href).path.rsplit("/", 1)[-1]
        ext = last.rsplit(".", 1)[-1].lower() if "." in last else ""
        if ext in PROGRAM_EXTENSIONS and len(obs.program_links) < MAX_PROGRAM_LINKS:
            text = " ".join((el.text_content() or "").split())[:100]
            obs.program_links.append({"url": href, "text": text, "element": describe(el)})
    obs.hosts = {kind: sorted(h for h in found if h) for kind, found in hosts.items()}
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").lower() == "refresh":
            match = _REFRESH.search(meta.get("content") or "")
            if match:
                obs.meta_refresh = absolute(match.group(1).strip(), base) or ""
    obs.hidden_links, obs.hidden_links_cut = hidden_links(
        root, final_url or url, rendered=variant == "rendered"
    )
    return obs


def render_reason(obs: WatchObservation, skip_hosts: tuple[str, ...]) -> str:
    """Why the page is worth rendering in Chromium ('' when it is not).

    Only the browser shows what a script writes, and a browser costs ~50 times a plain fetch; so a
    page is rendered when a script could be writing what the HTML does not show: a script from a
    host other than the site's that is not a well-known widget (``skip_hosts``, the crawler's
    vocabulary), obfuscated inline code, or inline code that writes links or frames.
    """
    own = host_key(obs.final_url or obs.url)
    for script in obs.scripts:
        if script.src and host_key(script.src) != own and not _listed(script.host, skip_hosts):
            return f"foreign_script:{script.host}"
    for script in obs.scripts:
        if script.eval or script.unescape or script.fromcharcode or script.atob or script.hex_escapes >= 20:
            return "obfuscated"
        if script.writes_links or script.writes_iframe or script.writes_script:
            return "writes_markup"
    return ""


def _listed(host: str, patterns: tuple[str, ...]) -> bool:
    return any(host == p or (p.startswith("*.") and host.endswith(p[1:])) for p in patterns)
