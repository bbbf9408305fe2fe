"""ACCOUNT-REQ-ONE-PER-PLATFORM (同一平台重复开设账号): one unit, one account per platform (123号).

A registry-level notice, judged over the targets list rather than any crawl: one per (owner unit,
platform) with more than one account, naming every account so the office can merge or close them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from crawlers.models import Finding, Target
from pipelines.rules.base import Rules, make_finding

INDICATOR = "ACCOUNT-REQ-ONE-PER-PLATFORM"


def check(targets: list[Target], as_of: datetime, rules: Rules) -> list[Finding]:
    params = rules.table(INDICATOR)
    groups: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for t in targets:
        if t.kind == "account" and t.owner.strip() and t.platform:
            groups[(t.owner.strip(), t.platform)].append(t)
    findings = []
    for (owner, platform), accounts in sorted(groups.items()):
        if len(accounts) < 2:
            continue
        accounts = sorted(accounts, key=lambda t: t.id)
        evidence = {
            "owner": owner,
            "platform": platform,
            "count": len(accounts),
            "accounts": [
                {"target_id": t.id, "account_id": t.account_id, "name": t.name, "url": t.url}
                for t in accounts
            ],
        }
        names = "、".join(f"{t.name}（{t.id}）" for t in accounts)
        message = f"{owner}在{platform}平台开设{len(accounts)}个账号：{names}，应一个单位一个平台一个账号"
        findings.append(
            make_finding(
                accounts[0],
                INDICATOR,
                params,
                subject_url=accounts[0].url,
                subject=f"{owner}/{platform}",
                evidence=evidence,
                as_of=as_of,
                message=message,
            )
        )
    return findings
