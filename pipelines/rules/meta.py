"""SITE-REQ-META (页面标签): the standard <meta> tags on the homepage, the column pages and a sample of
article pages (:mod:`pipelines.rules.meta_articles`).

SiteIDCode must also equal the footer's 标识码: two different codes mean a copied template.
"""

from __future__ import annotations

from crawlers.models import Finding
from pipelines.rules.base import RuleContext, page_url
from pipelines.rules.meta_articles import article_finding

INDICATOR = "SITE-REQ-META"
NEEDS_HOMEPAGE = True


def check(ctx: RuleContext) -> list[Finding]:
    home = ctx.homepage
    problems = []
    missing_site = [key for key in ctx.params["site_meta"] if not home.meta.get(key)]
    if missing_site:
        problems.append(f"首页缺少{'、'.join(missing_site)}标签")
    columns = []
    for col in ctx.obs.columns:
        if not col.ok:
            continue
        missing = [key for key in ctx.params["column_meta"] if not col.meta.get(key)]
        if missing:
            columns.append({"name": col.column_name, "url": page_url(col), "missing": missing})
    if columns:
        names = "、".join(str(c["name"] or c["url"]) for c in columns)
        problems.append(f"{len(columns)}个栏目页缺少栏目标签（{names}）")
    meta_code = (home.meta.get("SiteIDCode") or "").strip()
    footer_code = str(home.footer.get("site_code") or "").strip()
    if meta_code and footer_code and meta_code != footer_code:
        problems.append(f"SiteIDCode“{meta_code}”与底部标识码“{footer_code}”不一致")
    if not problems:
        return article_finding(ctx)
    url = page_url(home)
    evidence = {
        "url": url,
        "homepage_missing": missing_site,
        "columns_missing": columns,
        "site_id_code": meta_code,
        "footer_site_code": footer_code,
        "problems": problems,
    }
    return [
        ctx.finding(
            subject="meta",
            subject_url=url,
            evidence=evidence,
            message=f"页面标签不规范：{'；'.join(problems)}",
        ),
        *article_finding(ctx),
    ]
