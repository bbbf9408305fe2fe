"""Gather what a 通报 needs from Elasticsearch: the sweeps, the target summaries, the findings.

Only reads; every number is computed in :mod:`govpatrol.report.compute` from what this returns, so
the arithmetic is tested without a store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crawlers.dates import BEIJING
from pipelines.store import Store

_QUARTER = re.compile(r"(\d{4})Q([1-4])", re.IGNORECASE)
QUARTER_NAMES = ("一", "二", "三", "四")


class ReportError(ValueError):
    """Bad report input (quarter, sweep id, format): printed as is, exit code 2."""


@dataclass
class Period:
    """What the report covers: [start, end) and, for 复查, findings first seen before ``previous_before``."""

    label: str
    start: datetime
    end: datetime
    previous_before: datetime
    review_start: datetime  # rectifications counted from here to ``end``


@dataclass
class ReportInput:
    period: Period
    sweeps: list[dict[str, Any]]
    population: list[dict[str, Any]]  # every target summary on record (the targets index)
    checked: list[dict[str, Any]]  # summaries judged in the period's sweep(s)
    violations: list[dict[str, Any]]  # open violations found in the period
    rectified: list[dict[str, Any]]  # previous failures rectified in the review window
    still_open: list[dict[str, Any]]  # previous failures still open
    sample: dict[str, Any] = field(default_factory=dict)


def beijing(value: Any) -> datetime | None:
    if not value:
        return None
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return (when if when.tzinfo else when.replace(tzinfo=BEIJING)).astimezone(BEIJING)


def quarter_bounds(quarter: str) -> tuple[datetime, datetime]:
    """[start, end) of ``2025Q1`` in Beijing time."""
    match = _QUARTER.fullmatch(quarter.strip())
    if not match:
        raise ReportError(f"--quarter: expected YYYYQn (e.g. 2025Q1), got {quarter!r}")
    year, q = int(match.group(1)), int(match.group(2))
    start = datetime(year, 3 * q - 2, 1, tzinfo=BEIJING)
    end = datetime(year + 1, 1, 1, tzinfo=BEIJING) if q == 4 else datetime(year, 3 * q + 1, 1, tzinfo=BEIJING)
    return start, end


def _day(when: datetime) -> str:
    return f"{when.year}年{when.month}月{when.day}日"


def _search(store: Store, kind: str, query: dict[str, Any], sort: str) -> list[dict[str, Any]]:
    """Every matching document (the store pages with search_after: a province has thousands)."""
    return store.search_all(kind, query, [{sort: "asc"}])


def _range(name: str, start: datetime, end: datetime, inclusive: bool = False) -> dict[str, Any]:
    upper = "lte" if inclusive else "lt"
    return {"range": {name: {"gte": start.isoformat(), upper: end.isoformat()}}}


def gather(
    store: Store, *, sweep_id: str | None = None, quarter: str | None = None, review_days: int = 92
) -> ReportInput:
    """The report's input for one sweep or one Beijing quarter (exactly one of the two)."""
    if (sweep_id is None) == (quarter is None):
        raise ReportError("give exactly one of --sweep ID or --quarter YYYYQn")
    store.refresh()
    if sweep_id is not None:
        sweeps = _search(store, "sweeps", {"term": {"id": sweep_id}}, "id")
        if not sweeps:
            raise ReportError(f"sweep {sweep_id!r} is not on record in {store.index_name('sweeps')}")
        as_of = beijing(sweeps[0]["as_of"])
        assert as_of is not None
        period = Period(
            label=f"本次检查（检查基准时间{_day(as_of)}）",
            start=as_of,
            end=as_of,
            previous_before=as_of,
            review_start=as_of - timedelta(days=review_days),
        )
        checked_q: dict[str, Any] = {"term": {"sweep_id": sweep_id}}
        found_q: list[dict[str, Any]] = [{"term": {"sweep_id": sweep_id}}]
    else:
        assert quarter is not None
        start, end = quarter_bounds(quarter)
        last = end - timedelta(days=1)
        label = f"{start.year}年第{QUARTER_NAMES[(start.month - 1) // 3]}季度（{_day(start)}至{_day(last)}）"
        period = Period(label=label, start=start, end=end, previous_before=start, review_start=start)
        sweeps = _search(store, "sweeps", _range("as_of", start, end), "as_of")
        if not sweeps:
            raise ReportError(f"no sweep on record with as-of in {quarter} (Beijing time)")
        checked_q = {"bool": {"filter": [_range("as_of", start, end)]}}
        found_q = [_range("last_seen", start, end)]
    population = _search(store, "targets", {"match_all": {}}, "target_id")
    ids = {s["id"] for s in sweeps}
    checked = [s for s in _search(store, "targets", checked_q, "target_id") if s.get("sweep_id") in ids]
    open_violation = [{"term": {"status": "open"}}, {"term": {"level": "violation"}}]
    violations = _search(store, "findings", {"bool": {"filter": open_violation + found_q}}, "id")
    rectified = _search(
        store,
        "findings",
        {
            "bool": {
                "filter": [
                    {"term": {"status": "rectified"}},
                    {"term": {"level": "violation"}},
                    _range("rectified_at", period.review_start, period.end, inclusive=True),
                ]
            }
        },
        "id",
    )
    before = {"range": {"first_seen": {"lt": period.previous_before.isoformat()}}}
    still_open = _search(store, "findings", {"bool": {"filter": [*open_violation, before]}}, "id")
    samples = [s["sample"] for s in sweeps if s.get("sample")]
    return ReportInput(
        period=period,
        sweeps=sweeps,
        population=population,
        checked=checked,
        violations=violations,
        rectified=rectified,
        still_open=still_open,
        sample=samples[-1] if samples else {},
    )
