"""SITE-VETO-UNREACHABLE (站点无法访问): the share of failed homepage probes over the last 7 days.

Unlike the other site rules this one does not judge one sweep's observations: it judges counts of
availability probes rolled up over a window, so it is a pure function of those counts and is not
registered in :data:`pipelines.rules.RULES`.

Ratios are compared as exact fractions (7 of 140 *is* 5%), never as floats.

A probe failed when it got no answer, an HTTP error, or loaded later than ``probe_timeout_s`` (the
national 15 seconds): that limit is judged here from the probe's recorded ``elapsed_ms``, so the
indicator data is the one place the 15-second rule lives. The crawler's own patience
(``[crawl] homepage_timeout``) only has to be at least as long.

Coverage: the national rule asks for at least ``probes_per_day`` probes a day over ``window_days``
(7 × 20 = 140 in the window). A veto needs that basis: a window with fewer probes whose failures
reach the veto line gives an early warning "探测次数不足" with status ``unverified`` (look again,
nothing is decided), and it can neither confirm nor clear an earlier veto (:func:`covered`). Below
the veto line a short window still warns at the warning line, with the shortfall in the evidence. A
window without a single probe is ``unverified``: then nothing is known about the site's availability.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from crawlers.models import Finding, Target
from pipelines.rules.base import Rules, make_finding

INDICATOR = "SITE-VETO-UNREACHABLE"
NEEDS_HOMEPAGE = False

#: inspector-facing names of the probe failure classes
ERROR_NAMES = {
    "timeout": "超时",
    "dns": "域名解析失败",
    "refused": "连接被拒绝",
    "tls": "证书/加密连接错误",
    "http": "HTTP错误",
    "redirect_loop": "重定向循环",
    "too_many_redirects": "重定向次数过多",
    "too_large": "页面过大（超过读取上限）",
    "not_html": "返回的不是网页",
    "site_budget": "站点检查超出时间预算",
    "page_budget": "站点页面数超出预算",
    "link_budget": "站点链接数超出预算",
    "blocked": "内网或保留地址（已拦截）",
    "other": "连接错误",
    "slow": "加载超过规定时限",
}


def failed_probe_query(rules: Rules) -> dict[str, Any]:
    """Which stored probes failed, as an Elasticsearch filter the roll-up counts with."""
    limit_ms = float(rules.table(INDICATOR)["probe_timeout_s"]) * 1000
    return {
        "bool": {
            "should": [
                {"exists": {"field": "error"}},
                {"bool": {"must_not": {"exists": {"field": "status"}}}},
                {"range": {"status": {"gte": 400}}},
                {"range": {"elapsed_ms": {"gt": limit_ms}}},
            ],
            "minimum_should_match": 1,
        }
    }


@dataclass(frozen=True)
class ProbeWindow:
    """The window the probes were counted over, and what the failures were (for the evidence)."""

    start: datetime
    end: datetime
    failures_by_class: dict[str, int] = field(default_factory=dict)
    failed_at: list[str] = field(default_factory=list)  # ISO times of failing probes (may be capped)
    failed_probes: list[dict[str, Any]] = field(default_factory=list)  # time, error, status, detail


def _ratio(value: Any) -> Fraction:
    """A threshold from the data file as an exact fraction (``0.05`` -> 1/20)."""
    return Fraction(str(value))


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0%"


def expected_probes(rules: Rules) -> int:
    """Probes the national rule needs in one window (``window_days`` × ``probes_per_day``)."""
    params = rules.table(INDICATOR)
    return int(params["window_days"]) * int(params["probes_per_day"])


def covered(probes_total: int, rules: Rules) -> bool:
    """Is a window with this many probes a basis for a veto (and for clearing one)?"""
    return probes_total >= expected_probes(rules)


def judge_unreachable(
    target: Target,
    probes_total: int,
    probes_failed: int,
    window: ProbeWindow,
    as_of: datetime,
    rules: Rules,
) -> list[Finding]:
    """Veto at ``failed/total >= fail_ratio``, warning (notice) at ``>= warn_ratio``, nothing below."""
    params = rules.table(INDICATOR)
    expected = int(params["window_days"]) * int(params["probes_per_day"])
    fail_ratio, warn_ratio = _ratio(params["fail_ratio"]), _ratio(params["warn_ratio"])
    evidence: dict[str, Any] = {
        "url": target.url,
        "window_start": window.start.isoformat(),
        "window_end": window.end.isoformat(),
        "window_days": params["window_days"],
        "probes_total": probes_total,
        "probes_failed": probes_failed,
        "failed_ratio": round(probes_failed / probes_total, 4) if probes_total else None,
        "fail_ratio": params["fail_ratio"],
        "warn_ratio": params["warn_ratio"],
        "probe_timeout_s": params["probe_timeout_s"],
        "probes_expected": expected,
        "coverage": round(probes_total / expected, 4) if expected else None,
        "coverage_short": probes_total < expected,
        "failures_by_class": dict(window.failures_by_class),
        "failed_at": list(window.failed_at),
        "failed_probes": list(window.failed_probes),
    }
    days = params["window_days"]
    if probes_total < expected:
        evidence["coverage_note"] = (
            f"窗口内仅探测{probes_total}次，少于国家要求的{expected}次（{days}天×每天{params['probes_per_day']}次）"
        )

    def finding(level: str, message: str, status: str = "open") -> Finding:
        return make_finding(
            target,
            INDICATOR,
            params,
            evidence=evidence,
            as_of=as_of,
            message=message,
            level=level,
            status=status,
        )

    if probes_total <= 0:
        evidence["reason"] = "no probes in the window"
        return [
            finding("violation", f"近{days}天内没有首页可用性探测记录，无法判断站点可访问情况", "unverified")
        ]
    share = Fraction(probes_failed, probes_total)
    classes = "、".join(
        f"{ERROR_NAMES.get(name, name)}{count}次" for name, count in sorted(window.failures_by_class.items())
    )
    detail = f"（{classes}）" if classes else ""
    message = (
        f"近{days}天首页可用性探测{probes_total}次，失败{probes_failed}次{detail}，"
        f"失败率{_percent(probes_failed, probes_total)}"
    )
    if probes_total < expected:
        message += f"；探测次数不足{expected}次"
    if share >= fail_ratio and probes_total < expected:
        evidence["reason"] = "coverage_short"
        return [
            finding(
                "warning",
                f"预警（探测次数不足）：{message}，失败率达到{float(fail_ratio) * 100:g}%的否决标准，"
                f"但探测次数不足，不能据此单项否决，待核实",
                "unverified",
            )
        ]
    if share >= fail_ratio:
        return [finding("violation", f"{message}，达到{float(fail_ratio) * 100:g}%的否决标准")]
    if share >= warn_ratio:
        return [finding("warning", f"预警：{message}，达到{float(warn_ratio) * 100:g}%的预警线")]
    return []
