"""SITE-SEC-CLOAKING (搜索引擎劫持): search engines are shown another page than visitors.

The watched page is fetched as a visitor, then as Baiduspider and with a Baidu search Referer,
seconds apart. Cloaking when a variant lands on (or is sent by a meta refresh or script to) a host
the visitor's page does not go to and that is not allowed, when its title differs and its text is
less than ``min_text_similarity`` alike, or when it says spam words the visitor's page does not. A
script of the visitor's page that reads the Referer or the User-Agent for a search engine and
redirects elsewhere is cloaking too (what a server-side check cannot see). One finding per page.
"""

from __future__ import annotations

from typing import Any

from crawlers.models import Finding
from crawlers.textprint import normalise, similarity
from crawlers.watchfacts import hostname
from crawlers.watchmodels import WatchObservation
from pipelines.rules.base import RuleContext
from pipelines.rules.sec_tamper import redirect_hosts
from pipelines.rules.sec_watch import WatchData, page_evidence, page_words, pending, watched

INDICATOR = "SITE-SEC-CLOAKING"
NEEDS_HOMEPAGE = True
VARIANT_WORDS = {"spider": "以百度爬虫身份访问", "referer": "从百度搜索结果进入"}


def _differences(
    visitor: WatchObservation, other: WatchObservation, ctx: RuleContext, data: WatchData
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    seen_hosts = set(redirect_hosts(visitor))
    elsewhere = [
        h for h in redirect_hosts(other) if h not in seen_hosts and not data.allowed(h, visitor.final_url)
    ]
    if elsewhere:
        found.append({"kind": "redirect", "hosts": elsewhere, "final_url": other.final_url})
    alike = similarity(visitor.text_print, other.text_print)
    if normalise(visitor.title) != normalise(other.title) and alike < float(
        ctx.params["min_text_similarity"]
    ):
        found.append({"kind": "content", "title": other.title, "similarity": round(alike, 3)})
    usual = set(data.spam(visitor.title, visitor.text_excerpt))
    spam = [w for w in data.is_spam(other.title, other.text_excerpt) if w not in usual]
    if spam:
        found.append({"kind": "spam", "spam_words": spam})
    return found


def _script_cloaking(visitor: WatchObservation, data: WatchData) -> list[dict[str, Any]]:
    found = []
    for script in visitor.scripts:
        away = [u for u in script.redirects if not data.allowed(hostname(u), visitor.final_url)]
        if (script.checks_referrer or script.checks_agent) and away:
            reads = "document.referrer" if script.checks_referrer else "navigator.userAgent"
            found.append({"kind": "script", "reads": reads, "redirects": away, "code": script.excerpt})
    return found


def check(ctx: RuleContext) -> list[Finding]:
    data = WatchData(ctx)
    findings: list[Finding] = []
    for url, variants in sorted(watched(ctx).items()):
        visitor = variants["static"]
        found: list[dict[str, Any]] = []
        for name in ("spider", "referer"):
            other = variants.get(name)
            if other is None or other.status is None:
                continue
            for diff in _differences(visitor, other, ctx, data):
                found.append({"variant": name, "variant_words": VARIANT_WORDS[name], **diff})
        found += [
            {"variant": "static", "variant_words": "页面脚本判断来源", **d}
            for d in _script_cloaking(visitor, data)
        ]
        if not found:
            continue
        evidence = page_evidence(visitor) | {
            "differences": found,
            "variants": {
                n: {
                    "status": o.status,
                    "final_url": o.final_url,
                    "title": o.title,
                    "excerpt": o.text_excerpt[:200],
                }
                for n, o in variants.items()
                if n in VARIANT_WORDS
            },
        }
        said = "、".join(sorted({d["variant_words"] for d in found}))
        message = f"{page_words(visitor)}{said}时显示的内容与正常访问不同，疑似搜索引擎劫持，待人工审核"
        matched = [url, *sorted({f"{d['variant']}:{d['kind']}" for d in found})]
        findings.append(pending(ctx, subject_url=url, evidence=evidence, message=message, matched=matched))
    return findings
