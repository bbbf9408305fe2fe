"""Which accounts a patrol checks: each once in its window, spread evenly over the window's patrols.

Accounts are checked daily (``[accounts] check_every_hours``), not every 2-hour patrol: a province's
thousands of accounts at every patrol would ask each platform twelve times what it needs to, far
beyond the request budgets the platforms tolerate. The window has ``slots`` patrols (window ÷
``[scheduler] patrol_hours``); an account's slot is a stable hash of its id (SHA-256, never
Python's salted ``hash``), and a patrol's slot is its as-of time counted in patrol periods since
the epoch, so every patrol of a window checks about the same number of accounts and each account
comes back at the same hour each day. A patrol also checks every account no sweep looked at
within the window and half a patrol (never checked, its slot's patrol missed, or its page would not
show): the check is late, never skipped.

An account a patrol leaves out is not a target of that sweep at all, so its findings on record
stay exactly as they were (the lifecycle only touches the targets a sweep crawls). Full sweeps,
re-checks and the repost watch never go through here: they check every account they are asked to.
Without Elasticsearch nothing says when an account was last looked at, so every account is due.
"""

from __future__ import annotations

import hashlib
import math
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crawlers.models import Target

if TYPE_CHECKING:
    from crawlers.config import Config


def window_slots(window_hours: float, patrol_hours: float) -> int:
    """Patrols in one window (at least 1: a window shorter than the patrol period is every patrol)."""
    if window_hours <= 0 or patrol_hours <= 0:
        return 1
    return max(1, round(window_hours / patrol_hours))


def account_slot(target_id: str, slots: int) -> int:
    """The account's patrol within the window: the same on every machine and every run."""
    digest = hashlib.sha256(target_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % slots


def patrol_slot(as_of: datetime, patrol_hours: float, slots: int) -> int:
    """Which patrol of the window ``as_of`` falls in (patrol periods since the epoch, modulo)."""
    return math.floor(as_of.timestamp() / (patrol_hours * 3600)) % slots


@dataclass
class AccountPlan:
    """The targets a patrol crawls (every site, the accounts due) and its sweep record's note."""

    targets: list[Target]
    window_hours: float
    slots: int
    slot: int
    accounts: int = 0  # accounts in the registry
    in_slot: int = 0  # due because this patrol is their slot
    late: list[str] = field(default_factory=list)  # due because no sweep looked at them in the window
    memory: bool = True  # False: no record of earlier checks (every account due)

    @property
    def checked(self) -> int:
        return sum(1 for t in self.targets if t.kind == "account")

    def record(self) -> dict[str, Any]:
        """The sweep record's ``accounts_window`` object."""
        return {
            "window_hours": self.window_hours,
            "slots": self.slots,
            "slot": self.slot,
            "accounts": self.accounts,
            "checked": self.checked,
            "in_slot": self.in_slot,
            "late": len(self.late),
            "skipped": self.accounts - self.checked,
            "memory": self.memory,
        }


def plan_accounts(
    targets: list[Target],
    as_of: datetime,
    window_hours: float,
    patrol_hours: float,
    recent: set[str] | None,
) -> AccountPlan:
    """Every site, the accounts whose slot is this patrol's and every account not in ``recent``
    (the accounts a sweep looked at within the window; None: unknown, every account is due)."""
    slots = window_slots(window_hours, patrol_hours)
    slot = patrol_slot(as_of, patrol_hours, slots)
    plan = AccountPlan([], window_hours, slots, slot, memory=recent is not None)
    for t in targets:
        if t.kind != "account":
            plan.targets.append(t)
            continue
        plan.accounts += 1
        if account_slot(t.id, slots) == slot:
            plan.in_slot += 1
        elif recent is not None and t.id in recent:
            continue
        elif recent is not None:
            plan.late.append(t.id)
        plan.targets.append(t)
    return plan


def accounts_for_patrol(targets: list[Target], as_of: datetime, config: Config, use_es: bool) -> AccountPlan:
    """The patrol's targets: the accounts looked at within the window come from Elasticsearch."""
    window = config.accounts.check_every_hours
    patrol = float(config.scheduler.patrol_hours)
    if window_slots(window, patrol) == 1:  # one slot: every patrol checks every account
        return plan_accounts(targets, as_of, window, patrol, set())
    recent: set[str] | None = None
    if use_es and config.elasticsearch.url:
        from pipelines.store import Store, StoreUnavailable

        since = as_of - timedelta(hours=window + patrol / 2)
        try:
            recent = Store(config.elasticsearch).accounts_checked_between(since, as_of)
        except StoreUnavailable as exc:
            print(f"note: {exc}: every account is checked in this patrol", file=sys.stderr)
    else:
        print("note: no Elasticsearch: every account is checked in this patrol", file=sys.stderr)
    return plan_accounts(targets, as_of, window, patrol, recent)
