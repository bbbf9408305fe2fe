"""The report's numbers, pure, from one computation: each target's verdict for the period, and from
those every count, rate, table, named problem and annex.

A target **fails** when it had a confirmed veto-level problem seen in the period (whichever run saw
it: the inspection, a patrol, the weekly availability roll-up) or its inspection failed it on its
score; so every failing target counted in 一 is named in 二 and in the annexes, and no other.
Unverified targets are not "checked": counted and named apart, never in a rate.

合格率 = passed / checked × 100, rounded half-up to two decimals with Decimal (112/121 -> 92.56,
1/8 -> 12.50): binary floats would round some halves down.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crawlers.config import ReportConfig
from govpatrol.labels import PLATFORM_LABELS
from govpatrol.report.data import Period, ReportInput, beijing
from govpatrol.report.reposts import INDICATOR as REPOST
from govpatrol.report.wording import chinese, unverified_reason

KIND_LABELS = {"site": "政府网站", "account": "政务新媒体"}
UNITS = {"site": "个网站", "account": "个账号"}
LINK_INDICATORS = ("SITE-DED-DEAD-LINK-HOME", "SITE-DED-DEAD-LINK")
# the [report] table's schema lives with the rest of the configuration (crawlers/configsections.py)
ReportSettings = ReportConfig


def pass_rate(passed: int, checked: int) -> Decimal | None:
    """合格率 in percent, two decimals, half-up; None when nothing was checked."""
    if checked <= 0:
        return None
    return (Decimal(passed) * 100 / Decimal(checked)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rate_text(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate}%"


def add_working_days(start: date, days: int) -> date:
    """``days`` Monday-to-Friday days after ``start`` (public holidays are not known here)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def cn_date(when: date | datetime | None) -> str:
    return "" if when is None else f"{when.year}年{when.month}月{when.day}日"


@dataclass
class Tally:
    """One row of a pass-rate table."""

    label: str
    checked: int = 0
    passed: int = 0
    failed: int = 0
    unverified: int = 0
    population: int = 0

    @property
    def rate(self) -> Decimal | None:
        return pass_rate(self.passed, self.checked)

    def add(self, verdict: str) -> None:
        if verdict == "unverified":
            self.unverified += 1
            return
        self.checked += 1
        if verdict == "pass":
            self.passed += 1
        else:
            self.failed += 1


@dataclass
class Problem:
    """A named problem: who, which owner unit, what (one line with dates)."""

    target_id: str
    name: str
    owner: str
    region: str
    kind: str
    platform: str
    indicator: str
    indicator_name: str
    message: str
    first_seen: datetime | None
    rectified_at: datetime | None = None
    severity: str = "veto"
    confirmed: bool = True  # a link check Elasticsearch marked 疑似 is not

    @property
    def where(self) -> str:
        return PLATFORM_LABELS.get(self.platform, self.platform) if self.kind == "account" else "网站"

    @property
    def line(self) -> str:
        fixed = f"，已于{cn_date(self.rectified_at)}整改" if self.rectified_at else ""
        return f"{self.name}（{self.owner}）：{self.message}（首次发现于{cn_date(self.first_seen)}{fixed}）"


@dataclass
class TargetRow:
    """One target of the registry and what the period says about it."""

    target_id: str
    kind: str
    name: str
    owner: str
    region: str
    platform: str
    verdict: str | None  # pass | fail | unverified; None: not inspected (an account not sampled)
    problems: list[Problem] = field(default_factory=list)
    score: float | None = None
    reasons: list[str] = field(default_factory=list)  # why unverified, in Chinese

    @property
    def where(self) -> str:
        return PLATFORM_LABELS.get(self.platform, self.platform) if self.kind == "account" else "网站"


def group_count(problems: list[Problem]) -> str:
    """ "2个网站、1个账号" (and for links "6条链接，其中疑似3条"), the size of a problem group."""
    parts = []
    for kind in ("site", "account"):
        n = len({p.target_id for p in problems if p.kind == kind})
        if n:
            parts.append(f"{n}{UNITS[kind]}")
    text = "、".join(parts)
    if problems and problems[0].indicator in LINK_INDICATORS:
        suspected = sum(1 for p in problems if not p.confirmed)
        text += f"，{len(problems)}条链接" + (f"，其中疑似{suspected}条" if suspected else "")
    return text


@dataclass
class Report:
    settings: ReportSettings
    period_label: str
    report_date: date
    deadline: date
    sites: Tally
    accounts: Tally
    platforms: list[Tally]
    regions: list[Tally]
    sample: dict[str, Any]  # the inspection's sample record ({} when every account was checked)
    targets: list[TargetRow]
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # 二: indicator name -> problems
    score_fails: list[TargetRow] = field(default_factory=list)  # failed on the score alone
    others: dict[str, list[Problem]] = field(default_factory=dict)  # 附件6 (deductions, notices)
    rectified: list[Problem] = field(default_factory=list)
    still_open: list[Problem] = field(default_factory=list)
    sweep_ids: list[str] = field(default_factory=list)
    extra_accounts: int = 0  # accounts outside the sample with a problem seen in the period
    reposts: list[dict[str, Any]] = field(default_factory=list)  # ACCOUNT-REPOST-LATE findings seen

    @property
    def failing(self) -> list[TargetRow]:
        return [t for t in self.targets if t.verdict == "fail"]

    @property
    def unverified(self) -> list[TargetRow]:
        return [t for t in self.targets if t.verdict == "unverified"]

    @property
    def requirements(self) -> str:
        s = self.settings
        return s.requirements.format(deadline=cn_date(self.deadline), office=s.office)


def _problem(doc: dict[str, Any], names: dict[str, str], row: dict[str, Any]) -> Problem:
    indicator = str(doc.get("indicator", ""))
    return Problem(
        target_id=str(doc.get("target_id", "")),
        name=str(row.get("name") or doc.get("target_name") or doc.get("target_id", "")),
        owner=str(row.get("owner") or doc.get("owner") or ""),
        region=str(row.get("region") or doc.get("region") or ""),
        kind=str(row.get("kind") or doc.get("kind") or "site"),
        platform=str(row.get("platform") or doc.get("platform") or ""),
        indicator=indicator,
        indicator_name=names.get(indicator, indicator),
        message=chinese(str(doc.get("message", ""))),
        first_seen=beijing(doc.get("first_seen") or doc.get("as_of")),
        rectified_at=beijing(doc.get("rectified_at")),
        severity=str(doc.get("severity", "")),
        confirmed=(doc.get("evidence") or {}).get("confirmed", True) is not False,
    )


def seen_in(doc: dict[str, Any], period: Period) -> bool:
    """Was the finding seen open in the period (by the one sweep of a sweep report)?"""
    history = doc.get("history") or []
    if history:
        for entry in history:
            if entry.get("status") != "open":
                continue
            if period.sweep_id is not None:
                if entry.get("sweep_id") == period.sweep_id:
                    return True
            elif (at := beijing(entry.get("at"))) and period.start <= at < period.end:
                return True
        return False
    first, last = beijing(doc.get("first_seen") or doc.get("as_of")), beijing(doc.get("last_seen"))
    if period.sweep_id is not None:
        return doc.get("sweep_id") == period.sweep_id
    return bool(first and last and first < period.end and last >= period.start)


def _order(problems: list[Problem], order: list[str]) -> list[Problem]:
    rank = {name: i for i, name in enumerate(order)}
    return sorted(problems, key=lambda p: (rank.get(p.indicator, len(rank)), p.region, p.owner, p.name))


def build_report(
    data: ReportInput, settings: ReportSettings, indicator_names: dict[str, str], today: date
) -> Report:
    """Every number and name of the report from the gathered documents.

    ``indicator_names`` is ordered as the data file lists indicators (vetoes first), which is the
    order problems are reported in.
    """
    order = list(indicator_names)
    registry = {r["target_id"]: r for r in data.registry}
    period = data.period
    vetoes: dict[str, list[Problem]] = defaultdict(list)
    others: list[Problem] = []
    rectified: list[Problem] = []
    still_open: list[Problem] = []
    for doc in data.findings:
        row = registry.get(str(doc.get("target_id", "")))
        if row is None:
            continue  # not in the registry any more: out of scope
        problem = _problem(doc, indicator_names, row)
        veto = doc.get("severity") == "veto"
        if seen_in(doc, period):
            (vetoes[problem.target_id] if veto else others).append(problem)
        if not veto:
            continue
        at = beijing(doc.get("rectified_at"))
        if doc.get("status") == "rectified" and at and period.review_start <= at <= period.end:
            rectified.append(problem)
        first = problem.first_seen
        if doc.get("status") == "open" and first and first < period.start:
            still_open.append(problem)

    sampled = set(data.sample.get("ids") or []) if data.sample else None
    targets: list[TargetRow] = []
    for tid, row in sorted(registry.items()):
        inspected = data.verdicts.get(tid)
        found = _order(vetoes.get(tid, []), order)
        verdict = "fail" if found else (inspected or {}).get("verdict")
        targets.append(
            TargetRow(
                target_id=tid,
                kind=str(row.get("kind") or "site"),
                name=str(row.get("name") or tid),
                owner=str(row.get("owner") or ""),
                region=str(row.get("region") or ""),
                platform=str(row.get("platform") or ""),
                verdict=verdict,
                problems=found,
                score=(inspected or {}).get("score"),
                reasons=[unverified_reason(r) for r in (inspected or {}).get("reasons") or []],
            )
        )
    return _assemble(data, settings, order, targets, others, rectified, still_open, sampled, today)


def _assemble(
    data: ReportInput,
    settings: ReportSettings,
    order: list[str],
    targets: list[TargetRow],
    others: list[Problem],
    rectified: list[Problem],
    still_open: list[Problem],
    sampled: set[str] | None,
    today: date,
) -> Report:
    sites, accounts = Tally(KIND_LABELS["site"]), Tally(KIND_LABELS["account"])
    platforms: dict[str, Tally] = {}
    regions: dict[str, Tally] = {}
    for t in targets:
        platform = platforms.setdefault(t.platform, Tally(PLATFORM_LABELS.get(t.platform, t.platform)))
        region = regions.setdefault(t.region, Tally(t.region or "未注明地区"))
        kind = sites if t.kind == "site" else accounts
        for tally in (kind, region, *((platform,) if t.kind == "account" else ())):
            tally.population += 1
            if t.verdict is not None:
                tally.add(t.verdict)
    report_date = date.fromisoformat(settings.report_date) if settings.report_date else today
    deadline = (
        date.fromisoformat(settings.deadline)
        if settings.deadline
        else add_working_days(report_date, settings.deadline_working_days)
    )
    grouped: dict[str, list[Problem]] = defaultdict(list)
    for problem in _order([p for t in targets for p in t.problems], order):
        grouped[problem.indicator_name].append(problem)
    minor: dict[str, list[Problem]] = defaultdict(list)
    if settings.other_problems == "annex":
        for problem in _order(others, order):
            minor[problem.indicator_name].append(problem)
    known = [k for k in PLATFORM_LABELS if k in platforms] + sorted(set(platforms) - set(PLATFORM_LABELS))
    return Report(
        settings=settings,
        period_label=data.period.label,
        report_date=report_date,
        deadline=deadline,
        sites=sites,
        accounts=accounts,
        platforms=[
            platforms[k] for k in known if any(t.platform == k and t.kind == "account" for t in targets)
        ],
        regions=[regions[k] for k in sorted(regions)],
        sample=data.sample,
        targets=targets,
        problems=dict(grouped),
        score_fails=[t for t in targets if t.verdict == "fail" and not t.problems],
        others=dict(minor),
        rectified=_order(rectified, order),
        still_open=_order(still_open, order),
        sweep_ids=[str(s.get("id")) for s in data.sweeps],
        reposts=[d for d in data.findings if d.get("indicator") == REPOST and seen_in(d, data.period)],
        extra_accounts=sum(
            1
            for t in targets
            if t.kind == "account" and t.problems and sampled is not None and t.target_id not in sampled
        ),
    )
