"""SITE-SEC-TAMPER (网页篡改): a watched page differs from its accepted baseline in a suspicious way.

The only watch rule that compares with a baseline: the title changed, the body was replaced (text
similarity to the baseline, and to the last clean patrol, below ``min_text_similarity``; or the block
structure below ``min_structure_similarity``), scripts, frames or stylesheets load from new hosts that
are not allowed (or many new link hosts), or the page now sends visitors to another host (meta
refresh, a script redirect, an HTTP redirect). A page with no baseline yet gets one from this sweep
(the sweep records it) and is never a hit. One finding per page lists every change; its evidence
keeps the page's observed look, so dismissing it accepts that look as the new baseline.
"""

from __future__ import annotations

from typing import Any

from crawlers.models import Finding
from crawlers.textprint import normalise, set_similarity, similarity
from crawlers.watchfacts import hostname
from crawlers.watchmodels import Baseline, WatchObservation
from pipelines.rules.base import RuleContext
from pipelines.rules.sec_watch import WatchData, page_evidence, page_words, pending, watched

INDICATOR = "SITE-SEC-TAMPER"
NEEDS_HOMEPAGE = True
KIND_WORDS = {
    "title": "标题被修改",
    "body": "正文被替换",
    "structure": "页面结构改变",
    "hosts": "新增外部脚本/框架/样式来源",
    "link_hosts": "新增大量外部链接域名",
    "redirect": "页面跳转到其他网站",
}
LOADED = ("script", "iframe", "style")


def redirect_hosts(obs: WatchObservation) -> list[str]:
    """Hosts the page sends a visitor to: its HTTP redirect, meta refresh and script redirects."""
    targets = [obs.final_url, obs.meta_refresh, *(u for s in obs.scripts for u in s.redirects)]
    return sorted({hostname(u) for u in targets if u})


def observed_look(obs: WatchObservation) -> dict[str, Any]:
    """What a baseline of this page would be (kept in the evidence: a dismissal accepts it)."""
    return {
        "title": obs.title,
        "final_host": hostname(obs.final_url or obs.url),
        "hosts": obs.hosts,
        "text_print": obs.text_print,
        "blocks": obs.blocks,
        "redirects": redirect_hosts(obs),
        "snapshot_digest": obs.snapshot,
    }


def changes(obs: WatchObservation, base: Baseline, ctx: RuleContext, data: WatchData) -> list[dict[str, Any]]:
    """Every suspicious difference between this fetch and the baseline."""
    p = ctx.params
    found: list[dict[str, Any]] = []
    if normalise(obs.title) != normalise(base.title):
        found.append({"kind": "title", "before": base.title, "after": obs.title})
    text = max(similarity(base.text_print, obs.text_print), similarity(base.recent_print, obs.text_print))
    if text < float(p["min_text_similarity"]):
        found.append({"kind": "body", "similarity": round(text, 3), "threshold": p["min_text_similarity"]})
    shape = set_similarity(base.blocks, obs.blocks)
    if shape < float(p["min_structure_similarity"]):
        found.append(
            {"kind": "structure", "similarity": round(shape, 3), "threshold": p["min_structure_similarity"]}
        )
    site = obs.final_url or obs.url
    new_hosts = {
        kind: sorted(
            h
            for h in set(obs.hosts.get(kind, [])) - set(base.hosts.get(kind, []))
            if not data.allowed(h, site)
        )
        for kind in LOADED
    }
    if any(new_hosts.values()):
        found.append({"kind": "hosts", "new": {k: v for k, v in new_hosts.items() if v}})
    links = sorted(
        h
        for h in set(obs.hosts.get("link", [])) - set(base.hosts.get("link", []))
        if not data.allowed(h, site)
    )
    if len(links) > int(p["max_new_link_hosts"]):
        found.append({"kind": "link_hosts", "new": links[:50], "count": len(links)})
    known = {base.final_host, *base.redirects, hostname(obs.url)}
    gone = [h for h in redirect_hosts(obs) if h not in known and not data.allowed(h, obs.url)]
    if gone:
        found.append({"kind": "redirect", "hosts": gone, "meta_refresh": obs.meta_refresh})
    return found


def _matched(change: dict[str, Any], base: Baseline) -> list[str]:
    kind = change["kind"]
    if kind == "title":
        return [kind, normalise(change["after"])]
    if kind in ("body", "structure"):
        return [kind, f"v{base.version}"]
    if kind == "hosts":
        return [kind, *(h for hosts in change["new"].values() for h in hosts)]
    if kind == "link_hosts":
        return [kind, *change["new"]]
    return [kind, *change["hosts"]]


def check(ctx: RuleContext) -> list[Finding]:
    data = WatchData(ctx)
    findings: list[Finding] = []
    for url, variants in sorted(watched(ctx).items()):
        base = ctx.obs.baselines.get(url)
        if base is None:
            continue  # no baseline yet: this sweep's look becomes it, never a hit
        obs = variants["static"]
        found = changes(obs, base, ctx, data)
        if not found:
            continue
        evidence = page_evidence(obs) | {
            "changes": found,
            "baseline": {
                "accepted_at": base.accepted_at.isoformat(),
                "accepted_by": base.accepted_by,
                "version": base.version,
                "title": base.title,
                "snapshot": base.snapshot,
            },
            "observed": observed_look(obs),
        }
        words = "、".join(KIND_WORDS[c["kind"]] for c in found)
        message = f"{page_words(obs)}与基线相比：{words}，疑似网页篡改，待人工审核"
        matched = [url, *(m for c in found for m in _matched(c, base))]
        findings.append(pending(ctx, subject_url=url, evidence=evidence, message=message, matched=matched))
    return findings
