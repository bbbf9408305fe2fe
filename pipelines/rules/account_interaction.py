"""ACCOUNT-VETO-NO-INTERACTION (未提供有效互动功能): the account offers no working interaction.

Judged where the platform shows it: each recent post's comment switch (Douyin's ``can_comment``,
Toutiao's ``ban_comment``). Comments closed on every recent post (at least ``min_posts`` of them)
is the veto. A platform that shows no comment switch leaves the account unverified on this rule --
a notice, so the account's verdict stands on the rules that could be checked, never a failure. No
page object reads a separate message entry yet, so closed comments alone decide.
"""

from __future__ import annotations

from crawlers.models import Finding
from pipelines.rules.account_base import AccountContext

INDICATOR = "ACCOUNT-VETO-NO-INTERACTION"


def check(ctx: AccountContext) -> list[Finding]:
    obs = ctx.obs
    if obs is None or ctx.state != "latest":
        return []  # gone, never posted or not read: the other account rules say so
    evidence = ctx.base_evidence() | {
        "comments_shown": obs.comments_shown,
        "comments_closed": obs.comments_closed,
    }
    if obs.comments_shown == 0:
        evidence["reason"] = "platform shows no comment switch"
        return [
            ctx.finding(
                subject="interaction",
                evidence=evidence,
                message="平台未显示评论开关，互动功能待核实",
                status="unverified",
                severity="notice",
            )
        ]
    if obs.comments_closed < obs.comments_shown or obs.comments_shown < int(ctx.params["min_posts"]):
        return []
    message = f"近期{obs.comments_shown}条发布均关闭了评论，未提供有效互动功能"
    return [ctx.finding(subject="interaction", evidence=evidence, message=message)]
