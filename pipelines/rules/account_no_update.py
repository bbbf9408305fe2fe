"""ACCOUNT-VETO-NO-UPDATE (内容不更新): no post in the 14 days before the check time.

Judged on the newest post's own date (``obs.latest``, the max over the first page), so a pinned old
post neither hides nor fakes activity. An account we could not look at (captcha, login wall,
anti-bot status, private, never reached) is unverified, never a zombie. An existing account that
never posted gets an early warning for review by default: only a dated
``latest`` makes a zombie. Offices that count it as the veto set ``no_posts_veto = true``. An
account gone from the platform is ACCOUNT-GONE's, not counted here again.
"""

from __future__ import annotations

from crawlers.models import Finding
from pipelines.rules.account_base import AccountContext, idle_days, post_evidence, reason_words
from pipelines.rules.base import day

INDICATOR = "ACCOUNT-VETO-NO-UPDATE"


def _unverified(ctx: AccountContext) -> list[Finding]:
    evidence = ctx.base_evidence()
    reason = str(evidence.get("reason") or ctx.state)
    if ctx.state == "private":
        if reason != "private":
            evidence["reason_detail"] = reason
        reason = "private"
    evidence["reason"] = reason
    message = f"未能核实：{reason_words(reason)}，无法判断更新情况"
    return [ctx.finding(status="unverified", evidence=evidence, message=message)]


def check(ctx: AccountContext) -> list[Finding]:
    p = ctx.params
    obs = ctx.obs
    if obs is None or ctx.state in ("unverified", "private"):
        return _unverified(ctx)
    evidence = ctx.base_evidence() | {
        "max_idle_days": p["max_idle_days"],
        "warn_idle_days": p["warn_idle_days"],
        "dormant_days": p["dormant_days"],
    }
    if ctx.state == "no_posts":
        evidence |= {"latest": None, "no_posts": True, "dormant": False}
        if not p["no_posts_veto"]:
            evidence["note"] = "账号存在但从未发布内容，请人工核实"
            return [ctx.finding(level="warning", evidence=evidence, message="预警：账号已开通但从未发布内容")]
        evidence["note"] = "账号存在但从未发布内容：检查前14天内无发布，按内容不更新计"
        return [ctx.finding(evidence=evidence, message="账号已开通但从未发布内容，视为内容不更新")]
    if ctx.state != "latest":
        return []  # gone: ACCOUNT-GONE
    if obs.latest is None:
        evidence["reason"] = "state latest without a date"
        return [ctx.finding(status="unverified", evidence=evidence, message="未能核实：未读到最新发布日期")]
    idle = idle_days(obs.latest, ctx.as_of)
    dormant = idle > p["dormant_days"]
    evidence |= post_evidence(obs, ctx.as_of) | {"dormant": dormant}
    message = f"账号最新发布于{day(obs.latest)}，已{int(idle)}天未更新"
    if dormant:
        return [ctx.finding(evidence=evidence, message=f"{message}，长期不更新（僵尸账号）")]
    if idle >= p["max_idle_days"]:
        return [ctx.finding(evidence=evidence, message=message)]
    if idle >= p["warn_idle_days"]:
        return [ctx.finding(level="warning", evidence=evidence, message=f"预警：{message}")]
    return []
