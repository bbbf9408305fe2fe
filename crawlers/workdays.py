"""Working days in China: Monday to Friday, minus the holidays, plus the weekend days worked instead
(调休). The lists are data (the indicator file); this only counts with them.

Kept in the kernel because the rule that judges a deadline and the simulated web that plants a
repost "on the next working day" must count the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = frozenset()  # days off, whatever the weekday (法定节假日)
    working_weekends: frozenset[date] = frozenset()  # Saturdays and Sundays worked (调休上班)

    @classmethod
    def from_lists(cls, holidays: Iterable[str], working_weekends: Iterable[str]) -> WorkCalendar:
        """From ``YYYY-MM-DD`` strings (ValueError names the bad one)."""

        def days(values: Iterable[str], what: str) -> frozenset[date]:
            out = set()
            for value in values:
                try:
                    out.add(date.fromisoformat(str(value)))
                except ValueError:
                    raise ValueError(f"{what}: not a date (YYYY-MM-DD): {value!r}") from None
            return frozenset(out)

        return cls(days(holidays, "holidays"), days(working_weekends, "working_weekends"))

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        d = day + timedelta(days=1)
        for _ in range(366):
            if self.is_working_day(d):
                return d
            d += timedelta(days=1)
        raise ValueError(f"no working day within a year after {day}")

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before ``day``."""
        d = day - timedelta(days=1)
        for _ in range(366):
            if self.is_working_day(d):
                return d
            d -= timedelta(days=1)
        raise ValueError(f"no working day within a year before {day}")

    def end_of_next_working_day(self, when: datetime) -> datetime:
        """The end (24:00, i.e. the next day's 00:00) of the first working day after ``when``'s own
        day, in ``when``'s timezone: "不得滞后1个工作日"."""
        day = self.next_working_day(when.date())
        return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=when.tzinfo)
