"""What every indicator rule shares: the thresholds it reads, the context it judges, one way to
build a finding.

Rules read their numbers through :class:`Rules` (the merged indicator data file) so an office's
override changes the verdicts without touching code, and build every finding -- site, account,
registry or probe roll-up -- through :func:`make_finding`, so each carries the same target fields
and the same severity convention.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.models import DatedItem, Finding, PageObservation, Severity, SiteObservations, Target
from crawlers.thresholds import load_thresholds

SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class Rules:
    """The indicator data file (merged with an override), as the judge reads it."""

    data: dict[str, Any]
    source: str = ""  # the override file, '' for the shipped defaults

    @classmethod
    def load(cls, override: str | Path | None = None) -> Rules:
        return cls(load_thresholds(override), str(override or ""))

    def table(self, indicator: str) -> dict[str, Any]:
        """The indicator's table; a missing one is a broken data file, so it fails loudly."""
        try:
            return self.data[indicator]
        except KeyError:
            raise KeyError(f"indicator data file has no [{indicator!r}] table") from None

    @property
    def scoring(self) -> dict[str, Any]:
        return self.data["scoring"]

    @property
    def dead_links(self) -> dict[str, Any]:
        return self.data["dead_links"]

    @property
    def columns(self) -> dict[str, Any]:
        return self.data["columns"]

    @property
    def markers(self) -> dict[str, Any]:
        return self.data["markers"]


def make_finding(
    target: Target,
    indicator: str,
    params: dict[str, Any],
    *,
    evidence: dict[str, Any],
    as_of: datetime,
    message: str,
    level: str = "violation",
    severity: Severity | None = None,
    status: str = "open",
    subject_url: str | None = None,
    **fields: Any,
) -> Finding:
    """The one way a rule builds a finding: the target's identity filled in, the severity as given,
    else a notice for warnings (预警, by contract), else the indicator's own; and the indicator's
    ``source`` (the document that sets the rule) as the evidence's ``basis``, so an inspector can cite it."""
    if severity is None:
        severity = "notice" if level == "warning" else params["severity"]
    if params.get("source"):
        evidence.setdefault("basis", params["source"])
    fields.setdefault("platform", target.platform)
    return Finding(
        target_id=target.id,
        indicator=indicator,
        severity=severity,
        status=status,  # type: ignore[arg-type]
        subject_url=subject_url if subject_url is not None else target.url,
        evidence=evidence,
        as_of=as_of,
        message=message,
        level=level,
        target_name=target.name,
        owner=target.owner,
        region=target.region,
        kind=target.kind,
        **fields,
    )


def days_since(date: datetime, as_of: datetime) -> float:
    """Fractional days from ``date`` to the as-of time (negative for future dates)."""
    return (as_of - date).total_seconds() / SECONDS_PER_DAY


def idle_days(item: DatedItem, as_of: datetime) -> float:
    """Fractional days between an item's date and the as-of time (negative for future dates)."""
    return days_since(item.date, as_of)


def day(value: datetime) -> str:
    """The date an inspector writes in a report: the item's own calendar day."""
    return value.strftime("%Y-%m-%d")


def item_evidence(item: DatedItem | None, as_of: datetime) -> dict[str, Any]:
    """Where a date came from, so every verdict can be checked by hand."""
    if item is None:
        return {"newest": None}
    return {
        "newest": item.date.isoformat(),
        "newest_raw": item.raw,
        "newest_source": item.source,
        "newest_url": item.url,
        "newest_title": item.title,
        "idle_days": round(idle_days(item, as_of), 2),
    }


def page_url(page: PageObservation) -> str:
    return page.final_url or page.url


class IndicatorParams:
    """What every rule context (site or account) reads of its indicator's table."""

    rules: Rules
    indicator: str

    @property
    def params(self) -> dict[str, Any]:
        return self.rules.table(self.indicator)


@dataclass
class RuleContext(IndicatorParams):
    """One rule's view of one site's observations at the as-of time."""

    obs: SiteObservations
    as_of: datetime
    rules: Rules
    indicator: str

    @property
    def name(self) -> str:
        return str(self.params.get("name", self.indicator))

    @property
    def homepage(self) -> PageObservation:
        """The fetched homepage; rules that need it only run when it loaded."""
        page = self.obs.homepage
        if page is None:
            raise ValueError("rule needs a homepage but the site has none")
        return page

    def idle(self, item: DatedItem) -> float:
        return idle_days(item, self.as_of)

    def finding(
        self,
        *,
        evidence: dict[str, Any],
        message: str,
        subject: str = "",
        subject_url: str | None = None,
        status: str = "open",
        level: str = "violation",
        severity: Severity | None = None,
        points: float = 0.0,
    ) -> Finding:
        """A finding for this rule about this site (see :func:`make_finding`)."""
        return make_finding(
            self.obs.target,
            self.indicator,
            self.params,
            evidence=evidence,
            as_of=self.as_of,
            message=message,
            level=level,
            severity=severity,
            status=status,
            subject_url=subject_url,
            subject=subject,
            points=points,
        )
