"""SITE-REQ-HTTPS (HTTPS): the homepage ends up on https with a certificate that verifies."""

from __future__ import annotations

from urllib.parse import urlsplit

from crawlers.models import Finding
from pipelines.rules.base import RuleContext, page_url

INDICATOR = "SITE-REQ-HTTPS"
NEEDS_HOMEPAGE = True


def check(ctx: RuleContext) -> list[Finding]:
    url = page_url(ctx.homepage)
    scheme = urlsplit(url).scheme.lower()
    tls_error = ctx.obs.https.get("tls_error")
    problems = []
    if scheme != "https":
        problems.append(f"首页未使用HTTPS访问（{scheme or '未知'}）")
    if tls_error:
        problems.append(f"HTTPS证书或连接错误：{tls_error}")
    if not problems:
        return []
    evidence = {"url": url, "scheme": scheme, "tls_error": tls_error, "https": ctx.obs.https}
    return [ctx.finding(subject="https", subject_url=url, evidence=evidence, message="；".join(problems))]
