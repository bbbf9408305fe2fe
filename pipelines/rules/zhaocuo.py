"""SITE-REQ-ZHAOCUO (我为政府网站找错): a portal's homepage links to the national 找错 entry.

Judged from the homepage's recorded links (anchors and script sources): a link to one of the
platform's hosts, the widget script (``jiucuo.js``), or a link worded 我为政府网站找错. ``scope``
"portals" applies it to sites whose name or owner holds a ``portal_keywords`` word (政府门户网站),
"all" to every site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crawlers.models import Finding, LinkRef
from crawlers.names import normalize_name
from pipelines.rules.base import RuleContext, page_url

INDICATOR = "SITE-REQ-ZHAOCUO"
NEEDS_HOMEPAGE = True


def is_portal(name: str, owner: str, keywords: list[str]) -> bool:
    return any(k and (k in name or k in owner) for k in keywords)


def entry_link(
    links: list[LinkRef], hosts: list[str], scripts: list[str], texts: list[str]
) -> LinkRef | None:
    """The homepage's 找错 entry, when it has one."""
    wanted = {h.lower() for h in hosts}
    for link in links:
        parts = urlsplit(link.url)
        name = parts.path.rsplit("/", 1)[-1].lower()
        if (parts.hostname or "").lower() in wanted and link.kind in ("script", "page", "external"):
            return link
        if link.kind == "script" and name in {s.lower() for s in scripts}:
            return link
        if link.kind != "script" and any(normalize_name(t) in normalize_name(link.text) for t in texts if t):
            return link
    return None


def check(ctx: RuleContext) -> list[Finding]:
    params = ctx.params
    target = ctx.obs.target
    if params["scope"] == "portals" and not is_portal(
        target.name, target.owner, list(params["portal_keywords"])
    ):
        return []
    home = ctx.homepage
    found = entry_link(
        home.links, list(params["entry_hosts"]), list(params["script_names"]), list(params["link_texts"])
    )
    if found is not None:
        return []
    url = page_url(home)
    evidence = {"url": url, "links_seen": len(home.links), "entry_hosts": list(params["entry_hosts"])}
    return [
        ctx.finding(
            subject="zhaocuo",
            subject_url=url,
            evidence=evidence,
            message="首页未设置“我为政府网站找错”入口",
        )
    ]
