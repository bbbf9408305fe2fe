"""The quarterly full sweep's account sample: reproducible, stratified by (region, platform).

Inspectors must be able to re-draw the same sample from the same registry and seed, so each
stratum gets its own ``random.Random`` seeded from (seed, stratum) and draws from its ids sorted:
neither row order nor the other strata change what a stratum yields. Accounts that failed last
time are always included, and sites are never sampled (every site is swept every quarter).
"""

from __future__ import annotations

import math
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crawlers.models import Target

if TYPE_CHECKING:
    from crawlers.config import Config

Stratum = tuple[str, str]  # (region, platform)


@dataclass
class SamplePlan:
    """The targets to sweep (all sites, sampled accounts) and what the sweep record says about it."""

    targets: list[Target]
    ratio: float
    seed: int
    population: int  # accounts in the registry
    strata: dict[Stratum, tuple[int, int]] = field(default_factory=dict)  # -> (population, drawn)
    forced: list[str] = field(default_factory=list)  # previously failing ids present in the registry

    @property
    def account_ids(self) -> list[str]:
        return sorted(t.id for t in self.targets if t.kind == "account")

    def record(self) -> dict[str, Any]:
        """The sweep record's ``sample`` object: enough to re-draw and audit the sample."""
        return {
            "ratio": self.ratio,
            "seed": self.seed,
            "population": self.population,
            "sampled": len(self.account_ids),
            "forced": list(self.forced),
            "ids": self.account_ids,
            "strata": [
                {"region": region, "platform": platform, "population": n, "drawn": k}
                for (region, platform), (n, k) in sorted(self.strata.items())
            ],
        }


def stratum_size(n: int, ratio: float) -> int:
    """ceil(ratio * n), at least 1 for a non-empty stratum when ratio > 0, never more than n.

    Rounded before the ceiling so that float noise (0.07 * 100 = 7.000000000000001) does not
    draw one account too many.
    """
    if n <= 0 or ratio <= 0:
        return 0
    return min(n, max(1, math.ceil(round(ratio * n, 9))))


def _stratum_rng(seed: int, stratum: Stratum) -> random.Random:
    # A str seed is hashed with SHA-512 by random.Random: stable across runs and PYTHONHASHSEED.
    return random.Random("\x1f".join((str(seed), *stratum)))


def plan_sample(targets: list[Target], ratio: float, seed: int, always: set[str]) -> SamplePlan:
    """Draw the sample; the returned targets keep registry order (sites first as they came)."""
    if not 0 <= ratio <= 1:
        raise ValueError(f"sample ratio must be between 0 and 1, got {ratio!r}")
    strata: dict[Stratum, list[str]] = defaultdict(list)
    account_ids: set[str] = set()
    for t in targets:
        if t.kind == "account":
            strata[(t.region, t.platform or "")].append(t.id)
            account_ids.add(t.id)
    chosen: set[str] = set()
    counts: dict[Stratum, tuple[int, int]] = {}
    for key, ids in strata.items():
        k = stratum_size(len(ids), ratio)
        chosen.update(_stratum_rng(seed, key).sample(sorted(ids), k))
        counts[key] = (len(ids), k)
    forced = sorted(account_ids & set(always))
    chosen.update(forced)
    kept = [t for t in targets if t.kind != "account" or t.id in chosen]
    return SamplePlan(
        targets=kept, ratio=ratio, seed=seed, population=len(account_ids), strata=counts, forced=forced
    )


def sample_accounts(targets: list[Target], ratio: float, seed: int, always: set[str]) -> list[Target]:
    """Every site plus a stratified random sample of the accounts and every id in ``always``."""
    return plan_sample(targets, ratio, seed, always).targets


def sample_for_sweep(
    targets: list[Target], ratio: float, seed: int | None, config: Config, use_es: bool
) -> SamplePlan:
    """The sweep's sampling step: previously failing accounts come from Elasticsearch when used.

    ``seed`` None takes ``[scheduler] sample_seed`` from the config, so the scheduler and a hand-run
    sweep draw the same sample.
    """
    always: set[str] = set()
    if use_es and config.elasticsearch.url:
        from pipelines.store import Store

        always = Store(config.elasticsearch).failing_account_ids()
    else:
        print(
            "note: no Elasticsearch: previously failing accounts are unknown and not forced into the sample",
            file=sys.stderr,
        )
    return plan_sample(targets, ratio, config.scheduler.sample_seed if seed is None else seed, always)
