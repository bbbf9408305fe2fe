"""SITE-SEC-DARK-LINK (暗链): links a visitor cannot see, pointing to hosts not on the allow list.

Raised on every patrol, the first included (a baseline never white-lists a hidden link). The
techniques are the spider's names (``techniques`` says which count); a link found hidden only in the
rendered page, and absent from the static HTML's links, was written by a script (``script_written``).
A menu shown on hover or click is no dark link unless its text or host says spam words; spam words
weight a hit up (evidence ``spam_words``, message). One finding per hidden link URL.
"""

from __future__ import annotations

from dataclasses import replace

from crawlers.models import Finding
from crawlers.watchfacts import hostname
from crawlers.watchmodels import HiddenLink, WatchObservation
from pipelines.rules.base import RuleContext
from pipelines.rules.sec_watch import WatchData, page_evidence, page_words, pending, watched

INDICATOR = "SITE-SEC-DARK-LINK"
NEEDS_HOMEPAGE = True
TECHNIQUE_WORDS = {
    "display_none": "display:none 隐藏",
    "visibility": "visibility:hidden 隐藏",
    "offscreen": "定位到屏幕之外",
    "zero_size": "零尺寸容器",
    "font_size": "字号为0",
    "same_colour": "文字颜色与背景相同",
    "marquee": "零高度滚动字幕（marquee）",
    "script": "脚本隐藏",
    "opacity": "完全透明",
    "hidden_attr": "hidden 属性隐藏",
    "script_written": "由脚本写入并隐藏",
}


def _links(variants: dict[str, WatchObservation]) -> list[tuple[HiddenLink, WatchObservation]]:
    """Hidden links of the static page, then those only the rendered page shows."""
    static = variants["static"]
    found = [(link, static) for link in static.hidden_links]
    rendered = variants.get("rendered")
    if rendered is not None:
        seen = {link.url for link in static.hidden_links}
        in_html = set(static.hosts.get("link", []))
        for link in rendered.hidden_links:
            if link.url in seen:
                continue
            if hostname(link.url) not in in_html:  # the facts stay as recorded: a judged copy
                link = replace(link, technique="script_written", in_static=False)
            found.append((link, rendered))
    return found


def check(ctx: RuleContext) -> list[Finding]:
    data = WatchData(ctx)
    counted = set(ctx.params["techniques"])
    ignore_revealed = bool(ctx.params["ignore_revealed"])
    findings: list[Finding] = []
    for url, variants in sorted(watched(ctx).items()):
        for link, obs in _links(variants):
            host = hostname(link.url)
            spam = data.spam(link.text, host)
            if link.technique not in counted or data.allowed(host, obs.final_url or url):
                continue
            if link.revealed_by and ignore_revealed and not spam:
                continue
            how = TECHNIQUE_WORDS.get(link.technique, link.technique)
            evidence = page_evidence(obs) | {
                "url": link.url,
                "host": host,
                "text": link.text,
                "technique": link.technique,
                "technique_name": how,
                "css": link.css,
                "element": link.element,
                "revealed_by": link.revealed_by,
                "in_static_html": link.in_static,
                "spam_words": spam,
            }
            weight = f"，含“{'、'.join(spam[:3])}”等词" if spam else ""
            message = f"{page_words(obs)}发现暗链“{link.text or host}”（{how}：{link.css[:80]}）{weight}，待人工审核"
            findings.append(
                pending(ctx, subject_url=link.url, evidence=evidence, message=message, matched=[link.url])
            )
    return findings
