"""The judge: one target's observations and the as-of time in, findings and a summary out.

Pure functions: no crawling, no network, no store. Re-running it over the same observations with
another thresholds file gives the findings those thresholds imply, which is what lets an office
replay a sweep under its own rules.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.models import AccountObservation, Finding, SiteObservations, Target, TargetSummary, Verdict
from pipelines.rules import (
    RULES,
    account_freq,
    account_gone,
    account_interaction,
    account_name,
    account_no_update,
    account_one_per_platform,
    account_sec_wording,
    cuts,
    home_stale,
)
from pipelines.rules.account_base import AccountContext, latest_source
from pipelines.rules.base import RuleContext, Rules
from pipelines.wording import matcher_for

__all__ = ["ACCOUNT_RULES", "Rules", "judge_account", "judge_registry", "judge_site", "load_rules"]

# Account rules, in order: the vetoes first, so rules marked SKIP_WHEN_VETOED can see them.
WORDING_INDICATORS = ("SITE-SEC-WORDING", "ACCOUNT-SEC-WORDING")
ACCOUNT_RULES = (
    account_no_update,
    account_gone,
    account_freq,
    account_sec_wording,
    account_interaction,
    account_name,
)


def load_rules(override: str | Path | None = None) -> Rules:
    """The indicator data file merged with an override; fails early if a rule has no table."""
    rules = Rules.load(override)
    for rule in (*RULES, *ACCOUNT_RULES, account_one_per_platform):
        rules.table(rule.INDICATOR)
    account_freq.policies(rules)
    for indicator in WORDING_INDICATORS:  # a broken dictionary or office list fails here, not mid-sweep
        matcher_for(rules, indicator)
    return rules


def _homepage_unverified(obs: SiteObservations, as_of: datetime, rules: Rules) -> Finding:
    """The one finding for a site whose homepage did not load in this sweep: we cannot tell."""
    home = obs.homepage
    ctx = RuleContext(obs, as_of, rules, home_stale.INDICATOR)
    evidence: dict[str, Any]
    if home is None:
        evidence = {"error": "not_fetched", "status": None, "url": obs.target.url}
    else:
        evidence = {"error": home.error or "http", "status": home.status, "url": home.url}
        if home.error_detail:
            evidence["error_detail"] = home.error_detail
    reason = evidence["error"] if evidence["status"] is None else f"HTTP {evidence['status']}"
    message = f"首页本次无法访问（{reason}），无法判断更新情况"
    return ctx.finding(status="unverified", evidence=evidence, message=message)


def score(findings: list[Finding], rules: Rules) -> float:
    """Start minus deductions, each indicator's total held to its own cap when it has one."""
    totals: dict[str, float] = defaultdict(float)
    for f in findings:
        if f.severity == "deduction" and f.status == "open":
            totals[f.indicator] += f.points
    deducted = 0.0
    for indicator, total in totals.items():
        cap = rules.table(indicator).get("points_cap")
        deducted += min(total, cap) if cap is not None else total
    return round(float(rules.scoring["start"]) - deducted, 4)


def judge_site(obs: SiteObservations, as_of: datetime, rules: Rules) -> tuple[list[Finding], TargetSummary]:
    """All findings for one site at ``as_of`` (timezone-aware) and its one-line summary."""
    _require_aware(as_of)
    target = obs.target
    home = obs.homepage
    reachable = home is not None and home.ok
    findings: list[Finding] = []
    if not reachable:
        findings.append(_homepage_unverified(obs, as_of, rules))
    for rule in RULES:
        if getattr(rule, "NEEDS_HOMEPAGE", True) and not reachable:
            continue
        findings.extend(rule.check(RuleContext(obs, as_of, rules, rule.INDICATOR)))

    # a veto we could not check, or any check a budget cut short: the site cannot simply pass
    unverified = [
        f
        for f in findings
        if f.status == "unverified" and (f.severity == "veto" or f.subject == cuts.SUBJECT)
    ]
    reasons = [_reason(f) for f in unverified]
    total: float | None = score(findings, rules) if reachable else None
    vetoed = any(f.severity == "veto" and f.level == "violation" and f.status == "open" for f in findings)
    verdict: Verdict
    if vetoed or (total is not None and total < rules.scoring["fail_below"]):
        verdict = "fail"
    elif unverified:
        verdict = "unverified"
    else:
        verdict = "pass"

    latest = home_stale.latest_update(obs) if reachable else home_stale.LatestUpdate(None, "none")
    summary = TargetSummary(
        target_id=target.id,
        kind="site",
        verdict=verdict,
        latest_update=latest.item.date if latest.item else None,
        latest_update_source=latest.source,
        name=target.name,
        owner=target.owner,
        region=target.region,
        url=target.url,
        score=total,
        findings=sum(1 for f in findings if f.level == "violation" and f.status == "open"),
        unverified_reasons=reasons,
        as_of=as_of,
    )
    return findings, summary


def _reason(finding: Finding) -> str:
    ev = finding.evidence
    if "reason" in ev:
        return f"{finding.indicator}: {ev['reason']}"
    detail = f"HTTP {ev['status']}" if ev.get("status") is not None else ev.get("error", "unknown")
    return f"{finding.indicator}: homepage not fetched ({detail}) {ev.get('url', '')}".strip()


def _require_aware(as_of: datetime) -> None:
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError("as_of must be timezone-aware")


def _open_veto(findings: list[Finding]) -> bool:
    return any(f.severity == "veto" and f.level == "violation" and f.status == "open" for f in findings)


def judge_account(
    obs: AccountObservation | None, target: Target, as_of: datetime, rules: Rules
) -> tuple[list[Finding], TargetSummary]:
    """All findings for one account at ``as_of`` and its summary (``obs is None``: never checked).

    Accounts are pass/fail on their vetoes, so they carry no score.
    """
    _require_aware(as_of)
    findings: list[Finding] = []
    for rule in ACCOUNT_RULES:
        if getattr(rule, "SKIP_WHEN_VETOED", False) and _open_veto(findings):
            continue
        findings.extend(rule.check(AccountContext(obs, target, as_of, rules, rule.INDICATOR)))

    unverified = [f for f in findings if f.status == "unverified" and f.severity == "veto"]
    verdict: Verdict
    if _open_veto(findings):
        verdict = "fail"
    elif unverified:
        verdict = "unverified"
    else:
        verdict = "pass"
    summary = TargetSummary(
        target_id=target.id,
        kind="account",
        verdict=verdict,
        latest_update=obs.latest if obs is not None else None,
        latest_update_source=latest_source(obs),
        name=target.name,
        owner=target.owner,
        region=target.region,
        url=target.url,
        platform=obs.platform if obs is not None else target.platform,
        score=None,
        findings=sum(1 for f in findings if f.level == "violation" and f.status == "open"),
        unverified_reasons=[_reason(f) for f in unverified],
        as_of=as_of,
        state=obs.state if obs is not None else "unverified",
    )
    return findings, summary


def judge_registry(targets: list[Target], as_of: datetime, rules: Rules) -> list[Finding]:
    """Notices about the registry itself (not any crawl): one unit with several accounts on a platform."""
    _require_aware(as_of)
    return account_one_per_platform.check(targets, as_of, rules)
