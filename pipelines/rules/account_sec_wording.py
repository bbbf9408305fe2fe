"""ACCOUNT-SEC-WORDING (账号发布内容错敏): the wording dictionaries over an account's recent posts.

A hijacked account or an unreviewed post shows the same errors a page does; the posts' text is what
the platform's page object read (titles, descriptions, text), judged with the same matcher and its
own indicator table. Every hit waits for a person (``pending_review``).
"""

from __future__ import annotations

from typing import Any

from crawlers.models import Finding
from pipelines.rules.account_base import AccountContext
from pipelines.rules.sec_common import PENDING, wording_findings

INDICATOR = "ACCOUNT-SEC-WORDING"


def check(ctx: AccountContext) -> list[Finding]:
    if ctx.obs is None or not ctx.obs.posts:
        return []

    def make(evidence: dict[str, Any], message: str, url: str, fp: str) -> Finding:
        evidence = ctx.base_evidence() | evidence
        finding = ctx.finding(
            subject=url or ctx.profile_url, evidence=evidence, message=message, status=PENDING
        )
        finding.subject_url = url or ctx.profile_url
        finding.fingerprint = fp
        return finding

    return wording_findings(ctx.obs.posts, ctx.rules, INDICATOR, make)
