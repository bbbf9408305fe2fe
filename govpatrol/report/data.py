"""Gather what a 通报 needs from Elasticsearch: the inspection sweeps, the registry, the findings.

Only reads; every number is computed in :mod:`govpatrol.report.compute` from what this returns, so
the arithmetic is tested without a store. What was inspected, and with which verdict, comes from
the inspection sweeps' own records (``verdicts``, written by every full sweep and re-check): the
targets index keeps only each target's latest summary, which later patrols overwrite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crawlers.dates import BEIJING
from crawlers.models import Target
from crawlers.registry import RegistryError, load_targets
from pipelines.store import Store

_QUARTER = re.compile(r"(\d{4})Q([1-4])", re.IGNORECASE)
QUARTER_NAMES = ("一", "二", "三", "四")
INSPECTIONS = ("full", "recheck")  # sweeps whose record carries every target's verdict


class ReportError(ValueError):
    """Bad report input (quarter, sweep id, format): printed as is, exit code 2."""


@dataclass
class Period:
    """What the report covers: problems seen in [start, end] (``sweep_id``: seen by that sweep),
    rectifications from ``review_start`` to ``end``."""

    label: str
    start: datetime
    end: datetime
    review_start: datetime
    sweep_id: str | None = None


@dataclass
class ReportInput:
    period: Period
    sweeps: list[dict[str, Any]]  # the inspection sweep(s) the numbers of 一 come from
    registry: list[dict[str, Any]]  # every target in scope: id, kind, name, owner, region, platform
    verdicts: dict[str, dict[str, Any]]  # target id -> {verdict, score, reasons} of the inspection
    findings: list[dict[str, Any]]  # violations on record that may matter (open, rectified)
    sample: dict[str, Any] = field(default_factory=dict)
    registry_source: str = ""


# a security-watch hit (``*-SEC-*``) is an incident of the 通报 only once a person confirmed it
# (``govpatrol review confirm``): whatever status a record of an unreviewed hit carries, it is not counted
UNCONFIRMED_SECURITY: dict[str, Any] = {
    "bool": {
        "filter": [{"wildcard": {"indicator": "*-SEC-*"}}],
        "must_not": [{"term": {"review.action": "confirm"}}],
    }
}


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


def target_row(t: Target) -> dict[str, Any]:
    return {
        "target_id": t.id,
        "kind": t.kind,
        "name": t.name,
        "owner": t.owner,
        "region": t.region,
        "platform": t.platform or "",
        "site_code": t.site_code or "",
        "url": t.url,
    }


def _registry(
    store: Store, sweeps: list[dict[str, Any]], registry: list[Target] | None
) -> tuple[list[dict[str, Any]], str]:
    """Every target in scope: the registry given, else the file the last inspection read (when it
    is still there), else every target the targets index knows."""
    if registry is not None:
        return [target_row(t) for t in registry], "registry"
    for sweep in reversed(sweeps):
        path = Path(str(sweep.get("targets_file") or ""))
        if sweep.get("targets_file") and path.is_file():
            try:
                return [target_row(t) for t in load_targets(path)], str(path)
            except RegistryError:
                break
    rows = _search(store, "targets", {"match_all": {}}, "target_id")
    keys = ("target_id", "kind", "name", "owner", "region", "platform", "url")
    return [{k: d.get(k) or "" for k in keys} for d in rows], "targets index"


def _verdicts(store: Store, sweeps: list[dict[str, Any]], start: datetime, end: datetime) -> dict[str, Any]:
    """target id -> the inspection's verdict; sweeps recorded before verdicts were: their summaries."""
    out: dict[str, dict[str, Any]] = {}
    for sweep in sweeps:
        if "verdicts" in sweep:
            out.update(sweep["verdicts"])
            continue
        query = {"bool": {"filter": [{"term": {"sweep_id": sweep["id"]}}]}}
        for doc in _search(store, "targets", query, "target_id"):
            out[doc["target_id"]] = {
                "verdict": doc.get("verdict"),
                "score": doc.get("score"),
                "reasons": doc.get("unverified_reasons") or [],
            }
    return out


def gather(
    store: Store,
    *,
    sweep_id: str | None = None,
    quarter: str | None = None,
    review_days: int = 92,
    registry: list[Target] | None = None,
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
            review_start=as_of - timedelta(days=review_days),
            sweep_id=sweep_id,
        )
    else:
        assert quarter is not None
        start, end = quarter_bounds(quarter)
        last = end - timedelta(days=1)
        label = f"{start.year}年第{QUARTER_NAMES[(start.month - 1) // 3]}季度（{_day(start)}至{_day(last)}）"
        period = Period(label=label, start=start, end=end, review_start=start)
        ranged = _search(store, "sweeps", _range("as_of", start, end), "as_of")
        sweeps = [s for s in ranged if s.get("kind") == "full"] or [
            s for s in ranged if s.get("kind") in (*INSPECTIONS, "patrol")
        ]
        if not sweeps:
            raise ReportError(f"no sweep on record with as-of in {quarter} (Beijing time)")
    rows, source = _registry(store, sweeps, registry)
    since = min(period.start, period.review_start)
    findings = _search(
        store,
        "findings",
        {
            "bool": {
                "filter": [{"terms": {"status": ["open", "rectified"]}}, {"term": {"level": "violation"}}],
                "must_not": [UNCONFIRMED_SECURITY],
                "should": [
                    {"term": {"status": "open"}},
                    {"range": {"last_seen": {"gte": since.isoformat()}}},
                    {"range": {"rectified_at": {"gte": since.isoformat()}}},
                ],
                "minimum_should_match": 1,
            }
        },
        "id",
    )
    samples = [s["sample"] for s in sweeps if s.get("sample")]
    return ReportInput(
        period=period,
        sweeps=sweeps,
        registry=rows,
        verdicts=_verdicts(store, sweeps, period.start, period.end),
        findings=findings,
        sample=samples[-1] if samples else {},
        registry_source=source,
    )
