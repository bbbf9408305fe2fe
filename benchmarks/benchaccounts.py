"""New-media accounts at province scale, rendered by simweb's own platform apps (same JSON shapes).

Most accounts are healthy; a seeded share carries the simulated web's other cases (warning, zombie,
no posts, deleted, captcha, ...) so a patrol at scale meets the same variety as the fixture world.
Both the server process and the benchmark driver call :func:`build_apps` and get the same accounts.
"""

from __future__ import annotations

import random
from datetime import datetime

from simweb.accounts import sim_account
from simweb.platforms import APPS, app_class
from simweb.platforms.base import PlatformApp, SimAccount

AS_OF = datetime.fromisoformat("2024-09-27T10:00:00+08:00")
HEALTHY_SHARE = 0.85  # the rest cycle through each platform's other cases
# the planted cases a platform answers like its rate limit: left out of a rate-limited run, whose
# throttle answers must all come from the limit (each one pauses the platform)
THROTTLE_CASES = frozenset({"captcha", "http412", "http432", "throttled"})


def build_apps(
    accounts: int, seed: int, as_of: datetime = AS_OF, *, limited: bool = False
) -> dict[str, PlatformApp]:
    """``accounts`` accounts spread over every platform; ids ``A00001``... (``limited``: without
    the planted throttle-shaped cases)."""
    rng = random.Random(f"{seed}:accounts")
    keys = list(APPS)
    per: dict[str, list[SimAccount]] = {k: [] for k in keys}
    for n in range(1, accounts + 1):
        key = keys[(n - 1) % len(keys)]
        cls = app_class(key)
        others = [c for c in cls.CASES if c != "active" and not (limited and c in THROTTLE_CASES)]
        case = "active" if rng.random() < HEALTHY_SHARE or not others else rng.choice(others)
        per[key].append(sim_account(n, key, case, as_of, rng, digits=5))
    return {k: app_class(k)(v, as_of) for k, v in per.items() if v}
