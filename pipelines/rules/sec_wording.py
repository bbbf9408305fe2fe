"""SITE-SEC-WORDING (严重表述错误/错敏词): dictionary expressions in page and attachment text.

The dictionaries (leaders' titles and order, sovereignty terms, outdated official names, gambling,
pornography and violence terms, the office's own list) are data; the matching and its white lists
live in :mod:`pipelines.wording`. Every hit waits for a person (``pending_review``).
"""

from __future__ import annotations

from typing import Any

from crawlers.models import Finding
from pipelines.rules.base import RuleContext
from pipelines.rules.sec_common import PENDING, wording_findings

INDICATOR = "SITE-SEC-WORDING"
NEEDS_HOMEPAGE = False  # attachments and pages read in this sweep stand on their own


def check(ctx: RuleContext) -> list[Finding]:
    def make(evidence: dict[str, Any], message: str, url: str, fp: str) -> Finding:
        finding = ctx.finding(
            subject=url, subject_url=url, evidence=evidence, message=message, status=PENDING
        )
        finding.fingerprint = fp
        return finding

    return wording_findings(ctx.obs.texts, ctx.rules, INDICATOR, make)
