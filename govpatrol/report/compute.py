"""The report's numbers, pure: checked, failures, 合格率 by kind, platform and region; named problems.

合格率 = passed / checked × 100, rounded half-up to two decimals with Decimal (112/121 -> 92.56,
1/8 -> 12.50): binary floats would round some halves down. Unverified targets are not "checked":
they are counted and named apart, so a site we could not reach never lowers or raises the rate.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from crawlers.config import ReportConfig
from govpatrol.report.data import ReportInput, beijing

KIND_LABELS = {"site": "政府网站", "account": "政务新媒体"}
PLATFORM_LABELS = {
    "weibo": "微博",
    "wechat": "微信公众号",
    "douyin": "抖音",
    "toutiao": "今日头条",
    "bilibili": "哔哩哔哩",
    "kuaishou": "快手",
    "baijiahao": "百家号",
    "qqnews": "腾讯新闻",
    "netease": "网易号",
    "thepaper": "澎湃号",
    "rmh": "人民号",
}
# the [report] table's schema lives with the rest of the configuration (crawlers/config.py)
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

    @property
    def where(self) -> str:
        return PLATFORM_LABELS.get(self.platform, self.platform) if self.kind == "account" else "网站"

    @property
    def line(self) -> str:
        return f"{self.name}（{self.owner}）：{self.message}（首次发现于{cn_date(self.first_seen)}）"


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
    sample_ratio: float | None
    failing: list[dict[str, Any]]
    unverified: list[dict[str, Any]]
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # indicator name -> problems
    rectified: list[Problem] = field(default_factory=list)
    still_open: list[Problem] = field(default_factory=list)
    sweep_ids: list[str] = field(default_factory=list)

    @property
    def requirements(self) -> str:
        s = self.settings
        return s.requirements.format(deadline=cn_date(self.deadline), office=s.office)


def _problem(doc: dict[str, Any], names: dict[str, str], targets: dict[str, dict[str, Any]]) -> Problem:
    target = targets.get(doc.get("target_id", ""), {})
    indicator = str(doc.get("indicator", ""))
    return Problem(
        target_id=str(doc.get("target_id", "")),
        name=str(doc.get("target_name") or target.get("name") or doc.get("target_id", "")),
        owner=str(doc.get("owner") or target.get("owner") or ""),
        region=str(doc.get("region") or target.get("region") or ""),
        kind=str(doc.get("kind") or target.get("kind") or "site"),
        platform=str(doc.get("platform") or target.get("platform") or ""),
        indicator=indicator,
        indicator_name=names.get(indicator, indicator),
        message=str(doc.get("message", "")),
        first_seen=beijing(doc.get("first_seen") or doc.get("as_of")),
        rectified_at=beijing(doc.get("rectified_at")),
    )


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
    targets = {t["target_id"]: t for t in data.population}
    report_date = date.fromisoformat(settings.report_date) if settings.report_date else today
    deadline = (
        date.fromisoformat(settings.deadline)
        if settings.deadline
        else add_working_days(report_date, settings.deadline_working_days)
    )
    sites, accounts = Tally(KIND_LABELS["site"]), Tally(KIND_LABELS["account"])
    by_platform: dict[str, Tally] = {}
    by_region: dict[str, Tally] = {}
    for doc in sorted(data.checked, key=lambda d: d["target_id"]):
        verdict = str(doc.get("verdict", "unverified"))
        (sites if doc.get("kind") == "site" else accounts).add(verdict)
        if doc.get("kind") == "account":
            key = str(doc.get("platform") or "")
            by_platform.setdefault(key, Tally(PLATFORM_LABELS.get(key, key))).add(verdict)
        region = str(doc.get("region") or "")
        by_region.setdefault(region, Tally(region or "未注明地区")).add(verdict)
    kinds = Counter(str(t.get("kind")) for t in data.population)
    platform_population = Counter(
        str(t.get("platform") or "") for t in data.population if t.get("kind") == "account"
    )
    strata = data.sample.get("strata") or []
    if strata:  # the sampled sweep knows the whole account registry, not only what was swept
        platform_population = Counter()
        for stratum in strata:
            platform_population[str(stratum.get("platform") or "")] += int(stratum.get("population", 0))
    sites.population = kinds.get("site", 0)
    accounts.population = max(kinds.get("account", 0), sum(platform_population.values()))
    for key, n in platform_population.items():
        by_platform.setdefault(key, Tally(PLATFORM_LABELS.get(key, key))).population = n
    platforms = [
        by_platform[k] for k in sorted(by_platform, key=lambda k: (list(PLATFORM_LABELS) + [k]).index(k))
    ]
    grouped: dict[str, list[Problem]] = defaultdict(list)
    for problem in _order([_problem(d, indicator_names, targets) for d in data.violations], order):
        grouped[problem.indicator_name].append(problem)
    ratio = data.sample.get("ratio")
    return Report(
        settings=settings,
        period_label=data.period.label,
        report_date=report_date,
        deadline=deadline,
        sites=sites,
        accounts=accounts,
        platforms=platforms,
        regions=[by_region[k] for k in sorted(by_region)],
        sample_ratio=float(ratio) if ratio is not None else None,
        failing=sorted(
            (d for d in data.checked if d.get("verdict") == "fail"),
            key=lambda d: (d.get("kind", ""), d.get("region", ""), d.get("owner", ""), d.get("name", "")),
        ),
        unverified=sorted(
            (d for d in data.checked if d.get("verdict") == "unverified"), key=lambda d: d["target_id"]
        ),
        problems=dict(grouped),
        rectified=_order([_problem(d, indicator_names, targets) for d in data.rectified], order),
        still_open=_order([_problem(d, indicator_names, targets) for d in data.still_open], order),
        sweep_ids=[str(s.get("id")) for s in data.sweeps],
    )
