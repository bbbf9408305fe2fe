"""The article part of SITE-REQ-META: sampled article pages carry ArticleTitle and PubDate, PubDate
parses, is not in the future, and agrees with the date the list showed for the article.

The pages are the ones a full sweep sampled (role ``article``, with the list entry that led to them
in :class:`~crawlers.sitefacts.ArticleFacts`). One finding (subject ``articles``) lists every page
and what is wrong with it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from crawlers.dates import parse_date
from crawlers.models import Finding
from pipelines.rules.base import RuleContext, day, page_url

ROLE = "article"


def article_problems(ctx: RuleContext) -> list[dict[str, Any]]:
    """Each sampled article page with a problem: its URL and the problems, in Chinese."""
    params = ctx.params
    tolerance = float(params["pubdate_tolerance_days"])
    future = ctx.as_of + timedelta(hours=float(params["pubdate_future_hours"]))
    found = []
    for page in ctx.obs.pages:
        if page.role != ROLE or page.article is None or not page.ok:
            continue
        problems = []
        missing = [key for key in params["article_meta"] if not page.meta.get(key)]
        if missing:
            problems.append(f"缺少{'、'.join(missing)}标签")
        raw = page.meta.get("PubDate", "")
        when = parse_date(raw, ctx.as_of) if raw else None
        listed = page.article.list_date
        if raw and when is None:
            problems.append(f"PubDate“{raw}”无法识别")
        elif when is not None and when > future:
            problems.append(f"PubDate“{raw}”晚于检查时间")
        elif (
            when is not None
            and listed is not None
            and abs((when - listed).total_seconds()) > tolerance * 86400 + 86399
        ):
            problems.append(f"PubDate“{raw}”与列表日期{day(listed)}不一致")
        if problems:
            found.append(
                {"url": page_url(page), "list": page.article.list_url, "pubdate": raw, "problems": problems}
            )
    return sorted(found, key=lambda p: p["url"])  # the pages came in fetch order: not reproducible


def article_finding(ctx: RuleContext) -> list[Finding]:
    pages = article_problems(ctx)
    if not pages:
        return []
    sampled = sum(1 for p in ctx.obs.pages if p.role == ROLE and p.article is not None and p.ok)
    first = pages[0]
    message = (
        f"{len(pages)}个文章页标签不规范（抽查{sampled}个），如{first['url']}：{'；'.join(first['problems'])}"
    )
    evidence = {"sampled": sampled, "articles": pages, "required": list(ctx.params["article_meta"])}
    return [ctx.finding(subject="articles", subject_url=first["url"], evidence=evidence, message=message)]
