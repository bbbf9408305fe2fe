"""The security watch's records: what one fetch of a watched page showed, its snapshot, its baseline.

A watched page (the homepage and the configured key pages) is fetched as a visitor sees it, and
for the cloaking check again as Baiduspider and with a Baidu search Referer; a page that loads
scripts from unknown hosts or obfuscated code is also rendered in Chromium. Each of those fetches
is one :class:`WatchObservation` (``variant``): facts only -- the hosts the page loads, the links a
visitor cannot see and the CSS that hides them, the signals of each script, redirects, the text's
fingerprint and block structure. Whether any of it is an incident is for the ``SITE-SEC-*`` rules.

A :class:`PageSnapshot` travels with the crawl's items but is not an observation: the sweep keeps
the capped HTML (and a screenshot when Chromium was used) on disk only for pages a finding or a
baseline points at. A :class:`Baseline` is the accepted look of one watched page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawlers.models import Record

VARIANTS = ("static", "rendered", "spider", "referer")


@dataclass
class HiddenLink(Record):
    """A link to another host that a visitor cannot see, and how it is hidden."""

    url: str
    text: str = ""
    technique: str = ""  # display_none | visibility | offscreen | zero_size | font_size | same_colour
    #                      | marquee | script | opacity | hidden_attr (rendered: as Chromium computed)
    css: str = ""  # the declaration (or attribute, or script line) that hides it
    element: str = ""  # the hiding element: tag#id.class
    revealed_by: str = ""  # hover | handler: shown when a visitor points at a menu ('' = never)
    in_static: bool = True  # False: only in the rendered page (written by a script)


@dataclass
class ScriptFact(Record):
    """One script of a page: where it comes from and what its code does (inline code only)."""

    src: str = ""  # '' for an inline script
    host: str = ""
    chars: int = 0
    eval: int = 0  # eval( / new Function( calls
    unescape: int = 0  # unescape( / decodeURIComponent( of %-escaped text
    fromcharcode: int = 0  # String.fromCharCode( calls
    atob: int = 0
    longest_base64: int = 0  # longest run of base64 characters
    hex_escapes: int = 0  # \xNN and \uNNNN escapes
    writes_iframe: bool = False  # document.write / innerHTML of an <iframe
    writes_script: bool = False  # ... of a <script
    writes_links: bool = False  # ... of an <a or href
    checks_referrer: bool = False  # reads document.referrer and names a search engine
    checks_agent: bool = False  # reads navigator.userAgent and names a crawler
    redirects: list[str] = field(default_factory=list)  # location = / location.replace( targets
    excerpt: str = ""  # the start of the code (inline), for evidence


@dataclass
class FrameFact(Record):
    src: str
    host: str = ""
    hidden: str = ""  # why a visitor cannot see it (width=0, display:none, ...) or ''


@dataclass
class WatchObservation(Record):
    """One fetch of one watched page, reduced to the facts the security rules judge."""

    target_id: str
    url: str  # the watched page as configured (homepage: the registry URL after redirects)
    page_role: str  # homepage | keypage
    variant: str  # static | rendered | spider (Baiduspider UA) | referer (Baidu search Referer)
    fetched_at: datetime
    status: int | None = None
    error: str | None = None
    final_url: str = ""
    site_host: str = ""  # the site's own host (what "another host" means)
    title: str = ""
    text_chars: int = 0
    text_excerpt: str = ""  # the start of the visible text (words rules look for)
    text_print: list[int] = field(default_factory=list)  # bottom-k sketch of the normalised text
    blocks: list[str] = field(default_factory=list)  # container signatures: the page's structure
    hosts: dict[str, list[str]] = field(default_factory=dict)  # script | iframe | style | link -> hosts
    scripts: list[ScriptFact] = field(default_factory=list)
    frames: list[FrameFact] = field(default_factory=list)
    hidden_links: list[HiddenLink] = field(default_factory=list)
    hidden_links_cut: int = 0  # hidden links beyond the cap, not listed
    meta_refresh: str = ""  # the URL a <meta http-equiv=refresh> sends the visitor to
    program_links: list[dict[str, str]] = field(default_factory=list)  # {url, text} of .exe/.apk/...
    rendered_because: str = ""  # why Chromium was used (variant "rendered"), e.g. "foreign_script:x.com"
    snapshot: str = ""  # the snapshot's digest (PageSnapshot.digest) when one was taken

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400


@dataclass
class PageSnapshot(Record):
    """The page as fetched (HTML capped), and a PNG screenshot (base64) when Chromium was used."""

    target_id: str
    url: str
    variant: str
    taken_at: datetime
    digest: str  # sha256 of the HTML kept: names the snapshot on disk
    html: str = ""
    truncated: bool = False
    screenshot_b64: str = ""


@dataclass
class Baseline(Record):
    """The accepted look of one watched page: what ``SITE-SEC-TAMPER`` compares each patrol with."""

    target_id: str
    url: str
    page_role: str
    accepted_at: datetime
    title: str = ""
    final_host: str = ""
    hosts: dict[str, list[str]] = field(default_factory=dict)
    text_print: list[int] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)  # hosts the page already sent visitors to
    accepted_by: str = ""  # "patrol" when the first patrol recorded it, else the person
    note: str = ""
    sweep_id: str = ""
    snapshot: dict[str, Any] = field(default_factory=dict)  # where the accepted look's snapshot is
    # the last patrol's text that raised no tamper hit: ordinary churn is measured against it too
    recent_print: list[int] = field(default_factory=list)
    recent_at: datetime | None = None
    version: int = 1  # +1 at every acceptance: a "body replaced" hit names the version it differs from

    @property
    def id(self) -> str:
        return baseline_id(self.target_id, self.url)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["id"] = self.id
        return data


def baseline_id(target_id: str, url: str) -> str:
    key = f"{target_id}\x1f{url}"
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]
