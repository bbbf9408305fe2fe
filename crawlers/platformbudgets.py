"""Per-platform request budgets (``crawlers/data/platform_budgets.toml``), merged with the config.

Real platforms throttle an address that asks too fast (Weibo answers 432/418, Kuaishou ``result 2``,
Bilibili ``-799``, others a captcha page). A sweep that asks at its own pace ends with most accounts
``unverified``; one that keeps to a budget per platform, and pauses when a platform says "too fast",
checks them all. The defaults are conservative data; an office overrides them per platform.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "platform_budgets.toml"
KEYS = ("requests_per_minute", "backoff_seconds", "backoff_max_seconds", "throttle_retries")


@dataclass(frozen=True)
class PlatformBudget:
    """One platform's budget (``requests_per_minute`` 0: no budget, only the backoff)."""

    requests_per_minute: float
    backoff_seconds: float
    backoff_max_seconds: float
    throttle_retries: int

    @property
    def interval_s(self) -> float:
        return 60.0 / self.requests_per_minute if self.requests_per_minute > 0 else 0.0

    def backoff_s(self, consecutive: int) -> float:
        """The pause after the ``consecutive``-th throttle answer in a row (1, 2, ...)."""
        return min(self.backoff_max_seconds, self.backoff_seconds * 2 ** max(0, consecutive - 1))


@cache
def _table() -> dict[str, dict[str, Any]]:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    for name, row in data.items():
        unknown = set(row) - set(KEYS)
        if unknown:
            raise ValueError(f"{DATA}: [{name}] unknown key(s) {sorted(unknown)}")
    return data


def budget_for(key: str, overrides: dict[str, Any] | None = None) -> PlatformBudget:
    """The budget of platform ``key``: the defaults, the platform's row, then the office's values."""
    table = _table()
    default = table["default"]
    budget = PlatformBudget(
        requests_per_minute=float(default["requests_per_minute"]),
        backoff_seconds=float(default["backoff_seconds"]),
        backoff_max_seconds=float(default["backoff_max_seconds"]),
        throttle_retries=int(default["throttle_retries"]),
    )
    row = {**table.get(key, {}), **{k: v for k, v in (overrides or {}).items() if v is not None}}
    return replace(budget, **{k: type(getattr(budget, k))(v) for k, v in row.items() if k in KEYS})
