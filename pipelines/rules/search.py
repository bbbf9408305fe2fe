"""SITE-REQ-SEARCH (站内搜索): the site search works -- a query for a recent homepage title finds it.

From the search facts a full sweep recorded (:class:`~crawlers.sitefacts.SearchFacts`): the homepage's
search form (or the search page its 搜索 link opens, possibly on a provincial search platform), the
title searched for and the links the answer offered. Found when a result links to the homepage item
(the same address, scheme, ``www.`` and a trailing ``index.html`` aside) or, with ``match_titles``, a
result's text holds the queried title. No form: a notice. The answer failed or did not find it: a
notice. Nothing to search for, or the budget refused the query: ``unverified``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from crawlers.models import Finding, PageObservation
from crawlers.names import normalize_name
from crawlers.sitefacts import SearchFacts
from pipelines.rules.base import RuleContext, page_url

INDICATOR = "SITE-REQ-SEARCH"
NEEDS_HOMEPAGE = True
ROLE = "search"


def same_address(a: str, b: str) -> bool:
    """One page's address written two ways (http/https, www., default document, trailing slash)."""

    def key(url: str) -> tuple[str, str, str]:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
        path = parts.path
        for default in ("index.html", "index.htm", "index.shtml", "index.jsp"):
            path = path.removesuffix(default)
        return host, path.rstrip("/") or "/", parts.query

    return bool(a and b) and key(a) == key(b)


def found_in(facts: SearchFacts, match_titles: bool) -> str:
    """The result that is the homepage item ('' when none)."""
    for url, text in zip(facts.results, facts.result_titles, strict=False):
        if same_address(url, facts.expected_url):
            return url
        if match_titles and facts.query and normalize_name(facts.query) in normalize_name(text):
            return url
    return ""


def _answers(ctx: RuleContext) -> list[tuple[PageObservation, SearchFacts]]:
    return [(p, p.search) for p in ctx.obs.pages if p.role == ROLE and p.search is not None]


def check(ctx: RuleContext) -> list[Finding]:
    home = ctx.homepage.search
    if home is None:
        return []  # this sweep did not try the search
    url = page_url(ctx.homepage)
    pages = _answers(ctx)
    evidence: dict[str, Any] = {
        "url": url,
        "action": home.action,
        "query": home.query,
        "expected_url": home.expected_url,
    }
    if not home.action:
        return [
            ctx.finding(
                subject="search", subject_url=url, evidence=evidence, message="首页未发现站内搜索功能"
            )
        ]
    if not home.field_name:  # the homepage links to a search page: its form is there
        if home.not_followed:
            return [_unverified(ctx, evidence, "搜索页面因页面预算未打开")]
        page_facts = [(p, f) for p, f in pages if f.step == "page"]
        if not any(f.field_name for _p, f in page_facts):
            shown = page_facts[0][0] if page_facts else None
            why = "无法打开" if shown is not None and not shown.ok else "未提供检索表单"
            message = f"站内搜索页面{why}（{home.action}）"
            return [
                ctx.finding(subject="search", subject_url=home.action, evidence=evidence, message=message)
            ]
    if not home.query:
        return [_unverified(ctx, evidence, "首页没有可用于检索的近期信息标题")]
    answers = [(p, f) for p, f in pages if f.step == "result"]
    if not answers:
        return [_unverified(ctx, evidence, "检索请求因页面预算未发出")] if _refused(home, pages) else []
    page, facts = answers[-1]  # the rendered answer, when the static one needed Chromium
    evidence |= {
        "answer_url": page.url,
        "status": page.status,
        "results": len(facts.results),
        "rendered": facts.rendered,
    }
    if not page.ok:
        if page.status is None or page.status >= 500:
            detail = f"HTTP {page.status}" if page.status is not None else page.error or "无法访问"
            message = f"站内搜索无法使用：检索“{facts.query}”时{detail}"
        else:
            message = f"站内搜索无法使用：检索“{facts.query}”返回HTTP {page.status}"
        return [ctx.finding(subject="search", subject_url=page.url, evidence=evidence, message=message)]
    if facts.not_followed:
        return [_unverified(ctx, evidence, "检索结果需浏览器渲染，但页面预算已用完")]
    hit = found_in(facts, bool(ctx.params["match_titles"]))
    if hit:
        return []
    evidence["result_urls"] = facts.results[:10]
    message = f"站内搜索检索近期信息“{facts.query}”未能找到该信息"
    return [ctx.finding(subject="search", subject_url=page.url, evidence=evidence, message=message)]


def _refused(home: SearchFacts, pages: list[tuple[PageObservation, SearchFacts]]) -> bool:
    return home.not_followed or any(f.not_followed for _p, f in pages)


def _unverified(ctx: RuleContext, evidence: dict[str, Any], reason: str) -> Finding:
    evidence["reason"] = reason
    return ctx.finding(
        subject="search",
        subject_url=evidence["url"],
        evidence=evidence,
        message=f"站内搜索待核实：{reason}",
        status="unverified",
    )
