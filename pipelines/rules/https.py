"""SITE-REQ-HTTPS (HTTPS): the homepage ends up on https with a certificate that verifies.

Two sources say what the certificate looked like: a download that failed on TLS (``https.tls_error``
from the sweep) and the spider's own verifying handshake (:mod:`crawlers.tlscheck`), kept in the
homepage observation's meta because the page itself is fetched without verification so that an
expired certificate never hides the site from the other checks.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crawlers.models import Finding
from crawlers.tlscheck import META_DETAIL, META_KEY, PROBLEMS
from pipelines.rules.base import RuleContext, page_url

INDICATOR = "SITE-REQ-HTTPS"
NEEDS_HOMEPAGE = True


def check(ctx: RuleContext) -> list[Finding]:
    home = ctx.homepage
    url = page_url(home)
    scheme = urlsplit(url).scheme.lower()
    tls_error = ctx.obs.https.get("tls_error")
    certificate = home.meta.get(META_KEY, "")
    problems = []
    if scheme != "https":
        problems.append(f"首页未使用HTTPS访问（{scheme or '未知'}）")
    if tls_error:
        problems.append(f"HTTPS证书或连接错误：{tls_error}")
    if certificate:
        problems.append(f"HTTPS证书问题：{PROBLEMS.get(certificate, certificate)}")
    if not problems:
        return []
    evidence = {"url": url, "scheme": scheme, "tls_error": tls_error, "https": ctx.obs.https}
    if certificate:
        evidence["certificate"] = {
            "problem": certificate,
            "problem_name": PROBLEMS.get(certificate, certificate),
            "detail": home.meta.get(META_DETAIL, ""),
        }
    return [ctx.finding(subject="https", subject_url=url, evidence=evidence, message="；".join(problems))]
