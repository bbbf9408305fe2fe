"""What the security-watch rules share: the allow list, spam and parked-page words, the watched
pages of a sweep, and the one way a watch hit becomes a ``pending_review`` finding.

Reads the ``[security_watch]`` table of the indicator data; a site's own additions to the allow
list come from the config (``SiteObservations.allow_hosts``, filled by the sweep). A host is
allowed when it is the site's own (same registrable host key), on the list, or matches a ``*.x``
pattern of it. Every hit names its page's snapshot by digest; the sweep writes the snapshot and puts
its path into the evidence (``snapshot``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crawlers.links import host_key
from crawlers.models import Finding, LinkCheck
from crawlers.watchmodels import WatchObservation
from pipelines.rules.base import RuleContext
from pipelines.rules.sec_common import PENDING, fingerprint

TABLE = "security_watch"
ROLE_WORDS = {"homepage": "首页", "keypage": "重点页面"}


def listed(host: str, patterns: Iterable[str]) -> bool:
    """``host`` equals a pattern, or a ``*.x`` pattern names x or one of its subdomains."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        pattern = pattern.lower().strip()
        if pattern.startswith("*."):
            if host == pattern[2:] or host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


class WatchData:
    """The ``[security_watch]`` lists of the indicator data in force, plus this site's allow list."""

    def __init__(self, ctx: RuleContext) -> None:
        table: dict[str, Any] = ctx.rules.data[TABLE]
        self.allow = [*table["allow_hosts"], *ctx.obs.allow_hosts]
        self.spam_words = [str(w) for w in table["spam_words"]]
        self.min_spam = int(table["min_spam_words"])
        self.parked_phrases = [str(p).lower() for p in table["parked_phrases"]]
        self.parking_hosts = list(table["parking_hosts"])

    def allowed(self, host: str, site_url: str) -> bool:
        """The site's own host, or a host on the allow list."""
        if not host:
            return True
        own = host_key(site_url)
        return host_key(f"http://{host}/") == own or listed(host, self.allow)

    def spam(self, *texts: str) -> list[str]:
        """The distinct spam words in ``texts`` (case-insensitive for Latin words)."""
        joined = " ".join(texts).lower()
        return [w for w in self.spam_words if w.lower() in joined]

    def is_spam(self, *texts: str) -> list[str]:
        found = self.spam(*texts)
        return found if len(found) >= self.min_spam else []

    def parked(self, host: str, *texts: str) -> str:
        """What shows a parked domain: a parking host, or the phrase its page says ('' if none)."""
        if host and listed(host, self.parking_hosts):
            return host
        joined = " ".join(texts).lower()
        return next((p for p in self.parked_phrases if p in joined), "")


def watched(ctx: RuleContext) -> dict[str, dict[str, WatchObservation]]:
    """Page URL -> variant -> this sweep's fetch of it (pages whose static fetch did not load are left
    out: a page that fails is an availability fact, never a security hit)."""
    pages: dict[str, dict[str, WatchObservation]] = {}
    for obs in ctx.obs.watch:
        pages.setdefault(obs.url, {})[obs.variant] = obs
    return {url: v for url, v in pages.items() if "static" in v and v["static"].ok}


def page_words(obs: WatchObservation) -> str:
    return ROLE_WORDS.get(obs.page_role, "页面")


def page_evidence(obs: WatchObservation) -> dict[str, Any]:
    """Where the hit was seen: the page, as fetched, and its snapshot's digest."""
    return {
        "page": obs.url,
        "page_role": obs.page_role,
        "final_url": obs.final_url,
        "page_title": obs.title,
        "variant": obs.variant,
        "fetched_at": obs.fetched_at.isoformat() if hasattr(obs.fetched_at, "isoformat") else obs.fetched_at,
        "snapshot_digest": obs.snapshot,
    }


def pending(
    ctx: RuleContext, *, subject_url: str, evidence: dict[str, Any], message: str, matched: Iterable[str]
) -> Finding:
    """A watch hit waiting for a person, keyed by a fingerprint of what matched."""
    finding = ctx.finding(
        subject=subject_url, subject_url=subject_url, evidence=evidence, message=message, status=PENDING
    )
    finding.fingerprint = fingerprint(ctx.indicator, *matched)
    return finding


def outbound(ctx: RuleContext) -> list[LinkCheck]:
    """The homepage's links to other hosts that answered (their target's title and text excerpt
    are there when the link check read the page)."""
    return [
        link for link in ctx.obs.links if link.on_homepage and not link.internal and link.status is not None
    ]


PAGE_INDICATORS = frozenset(
    {"SITE-SEC-TAMPER", "SITE-SEC-DARK-LINK", "SITE-SEC-MALWARE", "SITE-SEC-CLOAKING"}
)


def covers(doc: dict[str, Any], site: Any) -> bool:
    """Did this sweep look at what a stored watch finding is about (only then can it be rectified)?
    A page hit needs its page watched (loaded) in this sweep; anything else is covered by the site."""
    if doc.get("indicator") not in PAGE_INDICATORS:
        return True
    page = (doc.get("evidence") or {}).get("page")
    return any(o.url == page and o.variant == "static" and o.ok for o in getattr(site, "watch", []))


def gone_evidence(doc: dict[str, Any], site: Any) -> dict[str, Any]:
    """What shows a watch finding fixed: the page watched again without it, or the link's check now."""
    evidence = doc.get("evidence") or {}
    page = evidence.get("page")
    if page:
        seen = next((o for o in getattr(site, "watch", []) if o.url == page and o.variant == "static"), None)
        out: dict[str, Any] = {"page": page, "note": "本次巡查未再发现"}
        if seen is not None:
            out |= {
                "page_title": seen.title,
                "fetched_at": seen.fetched_at.isoformat(),
                "snapshot_digest": seen.snapshot,
            }
        return out
    url = doc.get("subject_url") or evidence.get("url")
    check = next((c for c in getattr(site, "links", []) if c.url == url), None)
    if check is None:
        return {"url": url, "note": "链接已不在页面上"}
    return {
        "url": url,
        "status": check.status,
        "final_url": check.final_url,
        "target_title": check.title,
        "link_checked_at": check.checked_at.isoformat(),
        "note": "本次巡查未再发现",
    }
