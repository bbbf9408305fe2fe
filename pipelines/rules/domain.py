"""SITE-REQ-DOMAIN (域名规范): the site is served from a host under .gov.cn.

Judged from where the homepage ended up (after redirects), or the registry URL when the homepage
could not be fetched: the registry alone already shows a non-government domain.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crawlers.models import Finding
from pipelines.rules.base import RuleContext, page_url

INDICATOR = "SITE-REQ-DOMAIN"
NEEDS_HOMEPAGE = False


def check(ctx: RuleContext) -> list[Finding]:
    home = ctx.obs.homepage
    url = page_url(home) if home is not None and home.ok else ctx.obs.target.url
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    suffix = ctx.params["suffix"]
    if host.endswith(suffix) or host == suffix.lstrip("."):
        return []
    evidence = {"url": url, "host": host, "suffix": suffix}
    message = f"网站域名“{host}”不以{suffix}结尾"
    return [ctx.finding(subject="domain", subject_url=url, evidence=evidence, message=message)]
