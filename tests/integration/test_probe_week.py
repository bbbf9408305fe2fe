"""A simulated week of availability probes against the simulated web, rolled up in the real
Elasticsearch: SITE-VETO-UNREACHABLE exactly when failures reach 5%, a warning from 3%, nothing below.

The clock is controlled: each hourly round is ``probe_sites(..., as_of=t)``; planned outages are
served at once (HTTP 503 / 404) by a homepage route that looks at the round being probed, so the
week runs in seconds and nothing waits for a timeout.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crawlers.config import Config, load_config
from crawlers.models import Target
from crawlers.registry import load_targets
from govpatrol.cli import probe as cli_probe
from govpatrol.probe import record_probes, rollup_unreachable
from pipelines.rules.base import Rules
from pipelines.store import Store
from simweb.model import Response
from simweb.server import SimulatedWeb
from simweb.world import build_world
from spiders.probe import probe_sites

START = datetime.fromisoformat("2024-09-30T06:00:00+08:00")
HOURS = 168
END = START + timedelta(hours=HOURS)  # the roll-up's as-of: the window is [START, END)
INDICATOR = "SITE-VETO-UNREACHABLE"

# site -> (hours it is probed, hours it is down); every count chosen against the 3% / 5% lines
PLAN: dict[str, tuple[range, set[int]]] = {
    "S001": (range(HOURS), {5, 6, 7, 30, 31, 80, 81, 82, 150}),  # 9/168 = 5.4%: veto
    "S002": (range(HOURS), {10, 11, 12, 13, 100, 101}),  # 6/168 = 3.6%: warning
    "S003": (range(HOURS), {40, 41, 42, 43}),  # 4/168 = 2.4%: nothing
    "S004": (range(8, HOURS), {8, 20, 21, 22, 60, 61, 120, 167}),  # 8/160 = exactly 5%: veto
    "S005": (range(68, HOURS), {70, 90, 110}),  # 3/100 = exactly 3%: warning, coverage short
    "S006": (range(HOURS), {0, 1, 2, 3, 4}),  # 5/168 = 2.98%: just under 3%, nothing
    "S007": (range(HOURS), set()),  # never down
}
EXPECTED = {"S001": "violation", "S002": "warning", "S004": "violation", "S005": "warning"}


class Outages:
    """Homepage routes that fail in the planned rounds (the round in progress is ``hour``)."""

    def __init__(self, web: SimulatedWeb) -> None:
        self.web = web
        self.hour = 0
        self.all_down_at = -1

        self.saved: dict[str, object] = {}

    def plan(self, host: str, down: set[int]) -> None:
        healthy = self.saved.setdefault(host, self.web.world.routes[host]["/"])

        def route() -> Response:
            if self.hour in down or self.hour == self.all_down_at:
                return Response(status=503 if self.hour % 2 else 404, body="<h1>维护中</h1>")
            return healthy() if callable(healthy) else healthy

        self.web.set_route(host, "/", route)

    def restore(self) -> None:
        for host, healthy in self.saved.items():
            self.web.set_route(host, "/", healthy)  # type: ignore[arg-type]


@pytest.fixture
def outages(web: SimulatedWeb) -> Iterator[Outages]:
    """Planned outages for one test; the module's simulated web is healthy again afterwards."""
    plan = Outages(web)
    yield plan
    plan.restore()


@pytest.fixture(scope="module")
def web() -> Iterator[SimulatedWeb]:
    sim = SimulatedWeb(build_world(END)).start()
    yield sim
    sim.stop()


@pytest.fixture
def world(web: SimulatedWeb, tmp_path: Path, store: Store) -> tuple[Config, list[Target], Path, Path]:
    """Config and registry for the planned sites plus S025, the simulated web's refused-port site."""
    config_path = web.write_config(tmp_path / "patrol.toml", es_url=store.cfg.url, index_prefix=store.prefix)
    rows = web.write_targets_csv(tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()
    keep = [rows[0]] + [row for row in rows[1:] if row.split(",", 1)[0] in {*PLAN, "S025"}]
    targets_path = tmp_path / "targets.csv"
    targets_path.write_text("\n".join(keep) + "\n", encoding="utf-8")
    targets = [t for t in load_targets(targets_path) if t.id in PLAN]
    return load_config(config_path), targets, config_path, targets_path


def host_of(target: Target) -> str:
    return target.url.split("//", 1)[1].split(":", 1)[0]


def test_a_week_of_probes_yields_the_veto_at_5_percent_and_the_warning_at_3(
    outages, world, store, measurements
):
    config, targets, _, _ = world
    for target in targets:
        outages.plan(host_of(target), PLAN[target.id][1])
    outages.all_down_at = HOURS  # at the as-of time itself everything is down: outside the window
    clock = time.monotonic()
    day: list = []
    for hour in range(HOURS + 1):
        outages.hour = hour
        probed = [t for t in targets if hour in PLAN[t.id][0] or hour == HOURS]
        observations = probe_sites(probed, START + timedelta(hours=hour), config)
        if hour == HOURS:
            assert [o.error for o in observations] == ["http"] * len(targets)
        day += observations
        if hour % 24 == 23 or hour == HOURS:  # one bulk write a simulated day keeps the test fast
            record_probes(day, store)
            day = []
    took = time.monotonic() - clock
    measurements["probe week"] = (
        f"{HOURS + 1} hourly rounds of {len(targets)} sites probed and recorded in {took:.1f} s"
    )
    assert took < 60
    store.refresh()

    findings = rollup_unreachable(store, targets, END, Rules.load())

    assert {f.target_id: f.level for f in findings} == EXPECTED
    by_site = {f.target_id: f for f in findings}
    for site, level in EXPECTED.items():
        hit = by_site[site]
        assert (hit.indicator, hit.status) == (INDICATOR, "open")
        assert hit.severity == ("veto" if level == "violation" else "notice")
        probed, down = PLAN[site]
        assert hit.evidence["probes_total"] == len(probed)
        assert hit.evidence["probes_failed"] == len(down)
        assert hit.evidence["failed_at"] == [(START + timedelta(hours=h)).isoformat() for h in sorted(down)]
        classes = {"http": len(down)}
        assert hit.evidence["failures_by_class"] == classes
        assert {p["status"] for p in hit.evidence["failed_probes"]} <= {503, 404}
    assert by_site["S004"].evidence["failed_ratio"] == 0.05
    assert by_site["S005"].evidence["coverage_short"] is True
    assert by_site["S001"].evidence["coverage_short"] is False

    store.upsert_findings(findings)
    store.refresh()
    stored = store.search_findings(indicator=INDICATOR)
    assert sorted(d["target_id"] for d in stored) == sorted(EXPECTED)


def test_a_site_without_probes_in_the_window_is_unverified(world, store):
    config, targets, _, _ = world
    s007 = next(t for t in targets if t.id == "S007")
    record_probes(probe_sites([s007], START - timedelta(hours=1), config), store)  # before the window
    store.refresh()
    (hit,) = rollup_unreachable(store, [s007], END, Rules.load())
    assert (hit.status, hit.evidence["probes_total"]) == ("unverified", 0)


def test_probe_failure_classes_and_redirects(web, world, tmp_path):
    """Refused, offline DNS, timeout, HTTP and redirect loop each named; redirects to the homepage followed."""
    config, _, _, _ = world
    targets = {t.id: t for t in load_targets(web.write_targets_csv(tmp_path / "all.csv"))}
    host = host_of(targets["S007"])
    web.set_route(host, "/slow", Response(body="late", delay=5))
    web.set_route(host, "/loop", Response(status=302, headers={"Location": "/loop2"}))
    web.set_route(host, "/loop2", Response(status=302, headers={"Location": "/loop"}))
    base = targets["S007"]

    def at(path: str, **changes: str) -> Target:
        return Target(**{**base.__dict__, "id": path, "url": base.url.rstrip("/") + path, **changes})

    probes = [
        targets["S025"],  # the refused-port site
        Target(**{**base.__dict__, "id": "dns", "url": "http://nowhere.example.gov.cn/"}),
        at("/slow"),
        at("/loop"),
        at("/missing"),
        targets["S023"],  # a redirect chain to /portal/index.shtml
    ]
    config.crawl.homepage_timeout = 0.5
    clock = time.monotonic()
    observations = probe_sites(probes, START, config)
    assert time.monotonic() - clock < 3
    got = {o.target_id: (o.error, o.status) for o in observations}
    assert got == {
        "S025": ("refused", None),
        "dns": ("dns", None),
        "/slow": ("timeout", None),
        "/loop": ("redirect_loop", 302),
        "/missing": ("http", 404),
        "S023": (None, 200),
    }
    chain = next(o for o in observations if o.target_id == "S023")
    assert chain.final_url.endswith("/portal/index.shtml")
    assert all(o.role == "probe" and o.fetched_at == START for o in observations)


def _cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="govpatrol")
    cli_probe.add_cli(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_probe_and_rollup_commands(outages, world, store, tmp_path, capsys):
    """`govpatrol probe` records a round; `govpatrol rollup` judges, stores, writes JSON Lines."""
    _, targets, config_path, targets_path = world
    s001 = next(t for t in targets if t.id == "S001")
    outages.plan(host_of(s001), {0})
    as_of = START + timedelta(days=1)
    assert (
        _cli(
            "probe",
            "--targets",
            str(targets_path),
            "--config",
            str(config_path),
            "--as-of",
            as_of.isoformat(),
        )
        == 0
    )
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"probe {as_of.isoformat()}: ")
    assert ": 8 sites, 6 up, 2 down in " in line
    assert "down: S001 苏州市人民政府(http), S025 苏州工业园区管理委员会(refused)" in line  # ids with names
    store.refresh()
    sweeps = store.es.search(index=store.index_name("sweeps"), query={"term": {"kind": "probe"}})["hits"][
        "hits"
    ]
    (sweep,) = [h["_source"] for h in sweeps]
    assert (sweep["targets_planned"], sweep["targets_done"], sweep["targets_failed"]) == (8, 8, 2)
    assert sweep["as_of"] == as_of.isoformat()

    out = tmp_path / "rollup.jsonl"
    rollup_at = (as_of + timedelta(hours=1)).isoformat()
    argv = ("rollup", "--targets", str(targets_path), "--config", str(config_path), "--as-of", rollup_at)
    # one failed probe is no basis for a veto (7 days x 20 probes): 探测次数不足, unverified
    assert _cli(*argv) == 0
    printed = capsys.readouterr().out
    assert "0 veto, 0 warning, 2 too few probes for a veto (探测次数不足)" in printed
    rows = {line.split()[0]: line.split()[1:5] for line in printed.splitlines()[2:] if line[:1] == "S"}
    assert rows == {"S001": ["1", "1", "100.0%", "short"], "S025": ["1", "1", "100.0%", "short"]}
    store.refresh()
    assert store.search_findings(indicator=INDICATOR, status="open") == []
    assert {d["target_id"] for d in store.search_findings(indicator=INDICATOR, status="unverified")} >= {
        "S001",
        "S025",
    }

    # an office rule of one probe a day over one day: the same probes now decide
    (tmp_path / "daily.toml").write_text(
        f'["{INDICATOR}"]\nwindow_days = 1\nprobes_per_day = 1\n', encoding="utf-8"
    )
    with config_path.open("a", encoding="utf-8") as fh:
        fh.write('\n[indicators]\nfile = "daily.toml"\n')
    assert _cli(*argv, "--output", str(out)) == 0
    printed = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:5] for line in printed.splitlines()[2:] if line[:1] == "S"}
    assert rows == {"S001": ["1", "1", "100.0%", "veto"], "S025": ["1", "1", "100.0%", "veto"]}
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    findings = [r for r in records if r["type"] == "finding"]
    assert any(r["target_id"] == "S001" and r["level"] == "violation" for r in findings)
    assert [r["kind"] for r in records if r["type"] == "sweep"] == ["rollup"]
    store.refresh()
    assert {d["target_id"] for d in store.search_findings(indicator=INDICATOR, status="open")} == {
        "S001",
        "S025",
    }

    # a week later S001 is up again: the next roll-up rectifies its veto with the probes that show it
    later = as_of + timedelta(days=8)
    outages.hour = 1
    common = ("--targets", str(targets_path), "--config", str(config_path))
    assert _cli("probe", *common, "--as-of", later.isoformat()) == 0
    assert "down: S025 苏州工业园区管理委员会(refused)" in capsys.readouterr().out
    store.refresh()
    assert _cli("rollup", *common, "--as-of", (later + timedelta(hours=1)).isoformat()) == 0
    assert "1 rectified since the last roll-up" in capsys.readouterr().out
    store.refresh()
    fixed, early = sorted(
        store.search_findings(indicator=INDICATOR, target_id="S001"), key=lambda d: d["level"]
    )
    assert (early["level"], early["status"]) == ("warning", "dismissed")  # 探测次数不足: never 已整改
    assert fixed["status"] == "rectified"
    assert fixed["rectified_at"] == (later + timedelta(hours=1)).isoformat()
    assert (fixed["rectified_evidence"]["probes_total"], fixed["rectified_evidence"]["probes_failed"]) == (
        1,
        0,
    )
    assert [h["status"] for h in fixed["history"]] == ["open", "rectified"]
    (still,) = [
        d for d in store.search_findings(indicator=INDICATOR, target_id="S025") if d["level"] == "violation"
    ]
    assert still["status"] == "open"
    assert [h["status"] for h in still["history"]] == ["open", "open"]
    rollups = store.es.search(
        index=store.index_name("sweeps"), query={"term": {"kind": "rollup"}}, sort=[{"as_of": "asc"}]
    )["hits"]["hits"]
    assert [(h["_source"]["findings_opened"], h["_source"]["findings_closed"]) for h in rollups] == [
        (2, 0),
        (0, 1),
    ]


def test_commands_exit_2_on_bad_input(tmp_path, capsys):
    missing = tmp_path / "none.csv"
    assert _cli("probe", "--targets", str(missing)) == 2
    assert "error:" in capsys.readouterr().err


class InProcessRunner:
    """Runs the scheduler's job command lines in this process (probes and roll-ups need no Scrapy
    reactor), setting the simulated web's outage state from each run's ``--as-of``: the scheduler's
    own controlled clock, with no real waiting."""

    def __init__(self, outages: Outages) -> None:
        self.outages = outages
        self.runs: list[list[str]] = []

    def run(self, argv: list[str], *, timeout: float) -> int:
        from govpatrol.cli import main

        args = argv[argv.index("govpatrol") + 1 :]
        as_of = datetime.fromisoformat(args[args.index("--as-of") + 1])
        self.outages.hour = round((as_of - START).total_seconds() / 3600)
        self.runs.append(args)
        return main(args)


def test_the_scheduler_replayed_over_a_week_vetoes_exactly_at_5_percent(
    outages, web, tmp_path, store, capsys
):
    from scheduler.jobs import replay, run_job

    always = ["S001", "S002", "S003", "S006", "S007"]  # probed every hour: 168 probes each
    rows = web.write_targets_csv(tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()
    targets_path = tmp_path / "targets.csv"
    targets_path.write_text(
        "\n".join([rows[0]] + [r for r in rows[1:] if r.split(",", 1)[0] in always]) + "\n", encoding="utf-8"
    )
    config_path = web.write_config(tmp_path / "office.toml", es_url=store.cfg.url, index_prefix=store.prefix)
    with config_path.open("a", encoding="utf-8") as fh:
        fh.write(
            f'\n[scheduler]\ntargets = "{targets_path}"\nstate_dir = "{tmp_path / "state"}"\nprobe_minutes = 60\n'
        )
    config = load_config(config_path)
    for target in load_targets(targets_path):
        outages.plan(host_of(target), PLAN[target.id][1])
    runner = InProcessRunner(outages)

    probes = replay(config, START, END, runner, only={"probe"})
    assert len(probes) == HOURS
    assert all(code == 0 for _, _, code in probes)
    assert run_job("rollup", config, END, runner) == 0

    store.refresh()
    levels = {f["target_id"]: f["level"] for f in store.search_findings(indicator=INDICATOR)}
    assert levels == {"S001": "violation", "S002": "warning"}  # 9/168 veto, 6/168 warning, 5/168 nothing
    ledger_kinds = [args[0] for args in runner.runs]
    assert ledger_kinds.count("probe") == HOURS
    assert ledger_kinds[-1] == "rollup"
