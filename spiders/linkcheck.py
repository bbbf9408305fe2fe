"""Link checking bookkeeping: which URLs to check, where each was found, and what a result means.

A sweep checks each URL once: in-site URLs once per site, external URLs once per sweep (a national
portal linked from 500 sites is asked once), yet every site still gets its own :class:`LinkCheck`
naming the pages of *that* site that carry the link. The dead/confirmed rules of indicators.md
live here so the spider only moves requests around.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crawlers.links import is_internal
from crawlers.models import LinkCheck, LinkRef

CHECKED_KINDS = frozenset({"page", "image", "attachment", "external"})
HEAD_FALLBACK_STATUSES = frozenset({403, 405, 501})  # servers that refuse HEAD but serve GET
# a GET would fail the same way
NO_FALLBACK_ERRORS = frozenset({"dns", "refused", "redirect_loop", "blocked"})


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
    soft404: bool = False
    elapsed_ms: float | None = None


def wanted(link: LinkRef, site_url: str) -> bool:
    """Pages, images, attachments and external links; scripts and styles only from the site itself."""
    if link.kind in CHECKED_KINDS:
        return True
    return link.kind in ("script", "style") and is_internal(link.url, site_url)


def check_kind(link: LinkRef) -> str:
    """LinkCheck kinds are page | image | attachment | external; an own script counts as a page asset."""
    return link.kind if link.kind in CHECKED_KINDS else "page"


def make_check(
    use: LinkUse, url: str, site_url: str, result: LinkResult, confirmed_statuses: frozenset[int]
) -> LinkCheck:
    """The LinkCheck of ``url`` for one site, with the dead/confirmed rules applied.

    dead: HTTP >= 400, a network failure, a soft-404 or a redirect loop. confirmed: in-site
    404/410, in-site DNS failure, a soft-404, or an address the SSRF guard blocked (a loopback,
    private or metadata address is unusable for every visitor, and no retry changes that); every
    other failure is only suspected.
    """
    internal = is_internal(url, site_url)
    failed_http = result.status is not None and result.status >= 400
    dead = failed_http or result.error is not None or result.soft404
    confirmed = (
        result.soft404
        or result.error == "blocked"
        or (internal and (result.status in confirmed_statuses or result.error == "dns"))
    )
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
        soft404=result.soft404,
        dead=dead,
        confirmed=dead and confirmed,
        elapsed_ms=result.elapsed_ms,
        text=use.text,
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
