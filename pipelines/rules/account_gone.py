"""ACCOUNT-GONE (账号已注销或被封禁): the platform says the account does not exist, was closed or banned.

Only a page object's explicit ``gone`` state counts: an ambiguous empty reply is unverified
upstream, so this never fires on a hiccup.
"""

from __future__ import annotations

from crawlers.models import Finding
from pipelines.rules.account_base import AccountContext

INDICATOR = "ACCOUNT-GONE"


def check(ctx: AccountContext) -> list[Finding]:
    if ctx.state != "gone":
        return []
    evidence = ctx.base_evidence()
    reason = str(evidence.get("reason") or "gone")
    evidence["reason"] = reason
    return [ctx.finding(evidence=evidence, message=f"账号已注销或被封禁（{reason}）")]
