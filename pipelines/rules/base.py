"""What every indicator rule shares: the thresholds it reads and the context it judges.

Rules read their numbers through :class:`Rules` (the merged indicator data file) so an office's
override changes the verdicts without touching code, and build findings through
:meth:`RuleContext.finding` so every finding carries the same target fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.models import DatedItem, Finding, PageObservation, Severity, SiteObservations
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

    def severity_for(self, level: str, severity: Severity | None = None) -> Severity:
        """The finding's severity: as given, else a notice for warnings (预警, by contract), else
        the rule's own severity."""
        if severity is not None:
            return severity
        return "notice" if level == "warning" else self.params["severity"]


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
        """A finding for this rule, with the target's identity filled in.

        Warnings (预警) are notices by contract, whatever the rule's own severity.
        """
        target = self.obs.target
        return Finding(
            target_id=target.id,
            indicator=self.indicator,
            severity=self.severity_for(level, severity),
            status=status,  # type: ignore[arg-type]
            subject_url=subject_url if subject_url is not None else target.url,
            evidence=evidence,
            as_of=self.as_of,
            message=message,
            points=points,
            level=level,
            subject=subject,
            target_name=target.name,
            owner=target.owner,
            region=target.region,
            kind="site",
        )
