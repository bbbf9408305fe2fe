"""The quarterly account sample: reproducible for a seed and registry, stratified by region
and platform, always including the accounts that failed last time, never touching the sites."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from crawlers.models import Target
from govpatrol.sampling import plan_sample, sample_accounts, stratum_size

REGIONS = ("江苏省苏州市", "江苏省苏州市吴中区", "江苏省苏州市姑苏区")
PLATFORMS = ("weibo", "wechat", "douyin", "toutiao")


def registry() -> list[Target]:
    """4 sites and 3 regions x 4 platforms of accounts, 1 to 12 accounts per stratum."""
    sites = [
        Target(id=f"S{i:02d}", kind="site", name=f"站点{i}", owner="办公室", region=REGIONS[0], url="")
        for i in range(4)
    ]
    accounts = []
    n = 0
    for r, region in enumerate(REGIONS):
        for p, platform in enumerate(PLATFORMS):
            for _ in range(1 + (r * 4 + p) % 12):
                n += 1
                accounts.append(
                    Target(
                        id=f"A{n:03d}",
                        kind="account",
                        name=f"账号{n}",
                        owner="办公室",
                        region=region,
                        url="",
                        platform=platform,
                    )
                )
    return sites + accounts


def account_ids(targets: list[Target]) -> set[str]:
    return {t.id for t in targets if t.kind == "account"}


def strata(targets: list[Target]) -> Counter[tuple[str, str | None]]:
    return Counter((t.region, t.platform) for t in targets if t.kind == "account")


def test_same_seed_and_registry_draw_the_same_sample():
    first = sample_accounts(registry(), 0.2, 2019, set())
    again = sample_accounts(registry(), 0.2, 2019, set())
    assert [t.id for t in first] == [t.id for t in again]


def test_another_seed_draws_another_sample():
    assert account_ids(sample_accounts(registry(), 0.2, 2019, set())) != account_ids(
        sample_accounts(registry(), 0.2, 2020, set())
    )


def test_row_order_does_not_change_the_sample():
    shuffled = registry()
    random.Random(7).shuffle(shuffled)
    assert account_ids(sample_accounts(shuffled, 0.3, 11, set())) == account_ids(
        sample_accounts(registry(), 0.3, 11, set())
    )


def test_every_stratum_is_represented_with_its_share():
    population = strata(registry())
    sampled = strata(sample_accounts(registry(), 0.25, 3, set()))
    assert set(sampled) == set(population)
    for key, n in population.items():
        assert sampled[key] == max(1, math.ceil(0.25 * n)), key


def test_ratio_rounding_ignores_float_noise():
    assert 0.07 * 100 > 7  # the float noise this guards against
    assert stratum_size(100, 0.07) == 7
    assert stratum_size(1, 0.01) == 1
    assert stratum_size(0, 0.5) == 0
    assert stratum_size(5, 0.0) == 0
    assert stratum_size(5, 1.0) == 5


def test_previously_failing_accounts_are_always_included():
    without = account_ids(sample_accounts(registry(), 0.1, 5, set()))
    failing = {t.id for t in registry() if t.kind == "account" and t.id not in without}
    failing = set(sorted(failing)[:3])
    plan = plan_sample(registry(), 0.1, 5, failing | {"NOT-IN-REGISTRY"})
    assert failing <= account_ids(plan.targets)
    assert account_ids(plan.targets) == without | failing
    assert plan.forced == sorted(failing)


def test_sites_are_never_sampled():
    sites = [t for t in registry() if t.kind == "site"]
    sample = sample_accounts(registry(), 0.05, 1, set())
    assert [t for t in sample if t.kind == "site"] == sites


def test_the_record_describes_the_sample_for_the_sweep():
    plan = plan_sample(registry(), 0.2, 2019, {"A001"})
    record = plan.record()
    assert record["ratio"] == 0.2
    assert record["seed"] == 2019
    assert record["population"] == len(account_ids(registry()))
    assert record["sampled"] == len(record["ids"]) == len(account_ids(plan.targets))
    assert record["forced"] == ["A001"]
    assert len(record["strata"]) == len(REGIONS) * len(PLATFORMS)
    assert sum(s["population"] for s in record["strata"]) == record["population"]


def test_a_ratio_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="between 0 and 1"):
        sample_accounts(registry(), 1.5, 1, set())


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--seed", "7"], "--seed needs --sample-ratio"),
        (["--sample-ratio", "0"], "--sample-ratio: expected a share in (0, 1]"),
        (["--sample-ratio", "1.5"], "--sample-ratio: expected a share in (0, 1]"),
        (["--sample-ratio", "0.2", "--kind", "patrol"], "--sample-ratio is for --kind full"),
    ],
)
def test_sweep_refuses_sample_options_that_make_no_sense(extra, message, capsys):
    from govpatrol.cli import main

    assert main(["sweep", "--targets", "registry.csv", *extra]) == 2
    assert message in capsys.readouterr().err
