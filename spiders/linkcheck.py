"""Link checking bookkeeping: which URLs to check, where each was found, and what a result means.

A sweep checks each URL once: in-site URLs once per site, external URLs once per sweep (a national
portal linked from 500 sites is asked once), yet every site still gets its own :class:`LinkCheck`
naming the pages of *that* site that carry the link. A check records facts only -- status, failure
class, in-site or not, and for a GET page that says a not-found stem its soft-404 signals (title,
main-text length and start, article/column meta); whether the link is dead, confirmed or suspected
is the dead-link rules' judgment (``pipelines/rules/link_state.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawlers import html as html_facts
from crawlers import pagefacts
from crawlers.links import is_internal
from crawlers.models import LinkCheck, LinkRef
from crawlers.pagewords import PageWords

CHECKED_KINDS = frozenset({"page", "image", "attachment", "external"})
HEAD_FALLBACK_STATUSES = frozenset({403, 405, 501})  # servers that refuse HEAD but serve GET
# a GET would fail the same way
NO_FALLBACK_ERRORS = frozenset({"dns", "refused", "redirect_loop", "blocked"})
OUTBOUND_EXCERPT = 600  # characters of an outbound page's text kept for the security watch


@dataclass
class LinkUse:
    """One site's use of one link URL."""

    target_id: str
    kind: str
    text: str = ""
    found_on: list[str] = field(default_factory=list)
    on_homepage: bool = False

    def add(self, page_url: str, *, homepage: bool, text: str) -> None:
        if page_url not in self.found_on:
            self.found_on.append(page_url)
        self.on_homepage = self.on_homepage or homepage
        self.text = self.text or text


@dataclass(frozen=True)
class PageSignals:
    """What a soft-404 rule reads of a page: its title, main text (length and start), and whether it
    carries the meta of a real article or column page."""

    title: str
    text_chars: int
    text_excerpt: str
    tagged: bool


@dataclass
class LinkResult:
    """The outcome of checking one URL, before it is attributed to a site."""

    url: str
    checked_at: datetime
    method: str = "HEAD"
    status: int | None = None
    error: str | None = None
    error_detail: str = ""
    final_url: str = ""
    signals: PageSignals | None = None
    elapsed_ms: float | None = None


def read_signals(html: str, words: PageWords) -> PageSignals | None:
    """The soft-404 signals of a GET page, read only when it says a not-found stem at all: most
    pages do not, and parsing every linked page would cost more than checking it."""
    if not words.may_say_not_found(html):
        return None
    root = html_facts.parse(html)
    chars, excerpt = pagefacts.text_signals(root)
    return PageSignals(
        html_facts.page_title(root), chars, excerpt, pagefacts.is_tagged(pagefacts.read_meta(root))
    )


def read_page(html: str) -> PageSignals:
    """The title and main-text start of an outbound page the security watch reads (whatever it
    says): what a hijacked or parked target shows, bounded to :data:`OUTBOUND_EXCERPT` characters."""
    root = html_facts.parse(html)
    chars, excerpt = pagefacts.text_signals(root, always=True)
    meta = pagefacts.read_meta(root)
    return PageSignals(
        html_facts.page_title(root), chars, excerpt[:OUTBOUND_EXCERPT], pagefacts.is_tagged(meta)
    )


def wanted(link: LinkRef, site_url: str) -> bool:
    """Pages, images, attachments and external links; scripts and styles only from the site itself."""
    if link.kind in CHECKED_KINDS:
        return True
    return link.kind in ("script", "style") and is_internal(link.url, site_url)


def check_kind(link: LinkRef) -> str:
    """LinkCheck kinds are page | image | attachment | external; an own script counts as a page asset."""
    return link.kind if link.kind in CHECKED_KINDS else "page"


def make_check(use: LinkUse, url: str, site_url: str, result: LinkResult) -> LinkCheck:
    """The LinkCheck of ``url`` for one site: the result's facts, where the site uses the link."""
    signals = result.signals
    return LinkCheck(
        target_id=use.target_id,
        url=url,
        kind=use.kind,
        found_on=list(use.found_on),
        on_homepage=use.on_homepage,
        checked_at=result.checked_at,
        method=result.method,
        status=result.status,
        error=result.error,
        error_detail=result.error_detail,
        final_url=result.final_url,
        internal=is_internal(url, site_url),
        elapsed_ms=result.elapsed_ms,
        text=use.text,
        title=signals.title if signals else "",
        text_chars=signals.text_chars if signals else None,
        text_excerpt=signals.text_excerpt if signals else "",
        tagged=signals.tagged if signals else False,
    )


class LinkBook:
    """Per-sweep results of external link checks (in-flight checks are shared as futures by the
    site spider; a finished external URL is answered from here to every later site)."""

    def __init__(self) -> None:
        self.results: dict[tuple[str, str], LinkResult] = {}  # (scope, url) -> result

    @staticmethod
    def scope(url: str, site_url: str, target_id: str) -> str:
        """In-site URLs are checked once per site; external ones once per sweep."""
        return target_id if is_internal(url, site_url) else ""
