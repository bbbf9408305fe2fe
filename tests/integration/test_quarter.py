"""A quarter in the life of an office (2025Q1), on the simulated web and a node of this test's own:
the scheduler's own jobs at a controlled clock — 2,160 hourly probes, weekly patrols, roll-ups and
re-checks, the quarterly full sweep — with a 6% outage on one site and 1% on another, a stale column
fixed in week 5, a zombie account posting again from week 8, the services stopped and started in
week 6 and Elasticsearch down for 13 hours in week 9. At the end the 通报 is generated and every
number, name and 复查 line in it is checked against the world's ground truth (simweb.quarter); so is
every alert, and nothing may be sent twice or lost.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from crawlers.config import ElasticsearchConfig
from govpatrol import services
from govpatrol.cli import main
from pipelines.store import Store
from scheduler.jobs import replay
from simweb.quarter import (
    ACTIVE,
    END,
    ES_DOWN,
    OUTAGE_SITE,
    RESTART_AT,
    ROUNDS,
    SCHEDULE,
    SITES,
    START,
    ZOMBIE,
    QuarterTruth,
    QuarterWorld,
)
from tests.integration.test_alerts import Robot
from tests.report_readback import read

PREFIX = "govpatrol-quarter"
# 2,160 probe rounds and 27 sweeps take minutes, not the default 10-minute budget of one test
pytestmark = pytest.mark.timeout(1800)


class QuarterRunner:
    """Runs each scheduled command line at its own time: probes and roll-ups in this process, sweeps
    and re-checks as the subprocesses the service starts; the week-6 restart and the week-9 outage
    happen between runs, when the clock passes them."""

    def __init__(self, world: QuarterWorld, data_dir: Path) -> None:
        self.world = world
        self.data_dir = data_dir
        self.events = [(RESTART_AT, "restart"), (ES_DOWN[0], "es down"), (ES_DOWN[1], "es up")]
        self.runs: list[tuple[datetime, str, int]] = []
        self.errors: list[str] = []

    def _clock(self, when: datetime) -> None:
        while self.events and self.events[0][0] <= when:
            _, event = self.events.pop(0)
            if event == "restart":
                services.stop(["elasticsearch"])  # the persistent node keeps its data
                services.ensure_elasticsearch(data_dir=self.data_dir)
            elif event == "es down":
                services.stop_elasticsearch_node()
            else:
                services.restart_elasticsearch_node()

    def run(self, argv: list[str], *, timeout: float) -> int:
        args = argv[argv.index("govpatrol") + 1 :]
        when = datetime.fromisoformat(args[args.index("--as-of") + 1])
        self._clock(when)
        self.world.at(when, rebuild=args[0] in ("sweep", "recheck"))
        if args[0] in ("probe", "rollup"):
            code = main(args)
        else:
            done = subprocess.run(
                [sys.executable, "-m", "govpatrol", *args],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            code = done.returncode
            # the repost watch cannot know which event is open while Elasticsearch is down: it says
            # so and exits 1 (the next watch looks again); any other failure is an error
            down = args[0] == "event" and ES_DOWN[0] <= when <= ES_DOWN[1] and "unavailable" in done.stderr
            if code and not down:
                self.errors.append(f"{args[0]} {when}: {done.stderr[-2000:]}")
        self.runs.append((when, args[0], code))
        return code


@pytest.fixture(scope="module")
def quarter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    tmp = tmp_path_factory.mktemp("quarter")
    parent = Path(tempfile.mkdtemp(prefix="govpatrol-test-quarter-"))
    parent.chmod(0o755)  # the unprivileged Elasticsearch user traverses it
    robot = Robot().start()
    world = QuarterWorld.build().start()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("GOVPATROL_RUN_DIR", str(tmp / "run"))  # never the shared node
        env.delenv("GOVPATROL_ES_URL", raising=False)
        env.delenv("GOVPATROL_INDEX_PREFIX", raising=False)
        try:
            services.ensure_elasticsearch(data_dir=parent / "es")
            registry = world.write_registry(tmp / "targets.csv")
            config = world.web.write_config(tmp / "office.toml", es_url="", index_prefix=PREFIX)
            text = config.read_text(encoding="utf-8").replace(  # no URL: commands find the node
                'url = ""\n', f'spool_dir = "{tmp / "spool"}"\nretry_interval = 1\noutage_wait = 5\n', 1
            )
            text += f'\n[scheduler]\ntargets = "{registry}"\nstate_dir = "{tmp / "state"}"\n'
            text += "".join(f"{k} = {json.dumps(v)}\n" for k, v in SCHEDULE.items())
            text += "\n[events]\nwatch_minutes = 1440\n"  # no event is open: a daily no-op watch is enough
            text += (
                "\n[alerts]\nenabled = true\nretries = 0\noutage_probes = 2\n"
                f'webhooks = [{{kind = "wecom", url = "http://127.0.0.1:{robot.port}/send?key=k"}}]\n'
            )
            config.write_text(text, encoding="utf-8")
            from crawlers.config import load_config

            runner = QuarterRunner(world, parent / "es")
            clock = time.monotonic()
            results = replay(load_config(config), START, END, runner)
            took = time.monotonic() - clock
            world.at(END)
            reports = {}
            for fmt in ("md", "html", "docx"):
                out = tmp / f"通报-2025Q1.{fmt}"
                argv = [
                    "report",
                    "--quarter",
                    "2025Q1",
                    "--format",
                    fmt,
                    "--out",
                    str(out),
                    "--config",
                    str(config),
                ]
                assert main(argv) == 0
                reports[fmt] = out
            url = services.status()["elasticsearch"]["url"]
            store = Store(ElasticsearchConfig(url=url, index_prefix=PREFIX))
            store.refresh()
            yield {
                "results": results,
                "runner": runner,
                "store": store,
                "robot": robot,
                "reports": reports,
                "registry": registry,
                "took": took,
                "world": world,
            }
        finally:
            services.stop(["elasticsearch"], purge=True)
            shutil.rmtree(parent, ignore_errors=True)
            world.stop()
            robot.stop()


def test_every_scheduled_run_of_the_quarter_ran_and_nothing_was_lost(quarter, measurements) -> None:  # type: ignore[no-untyped-def]
    runs = Counter(name for _, name, _ in quarter["results"])
    days = ROUNDS // 24
    assert runs == {"probe": ROUNDS, "patrol": 13, "rollup": 13, "recheck": 13, "full": 1, "events": days}
    assert quarter["runner"].errors == []
    # every run succeeds, but the repost watch while Elasticsearch is down: with no store it cannot
    # know which event is open, says so and exits 1 (the next watch looks again)
    failed = [(when, name, code) for when, name, code in quarter["results"] if code != 0]
    assert all(
        name == "events" and code == 1 and ES_DOWN[0] <= when <= ES_DOWN[1] for when, name, code in failed
    ), failed
    store = quarter["store"]
    probes = store.es.count(
        index=f"{PREFIX}-observations-*", query={"bool": {"filter": [{"term": {"role": "probe"}}]}}
    )["count"]
    assert probes == ROUNDS * len(SITES), (
        "every probe is on record, those made while Elasticsearch was down too"
    )
    measurements["quarter"] = (
        f"{len(quarter['results'])} scheduled runs of 2025Q1 replayed in {quarter['took']:.0f} s"
    )


def test_the_rollups_veto_exactly_the_6_percent_site_once_covered(quarter) -> None:  # type: ignore[no-untyped-def]
    truth = QuarterTruth().rollups()
    docs = quarter["store"].search_findings(indicator="SITE-VETO-UNREACHABLE")
    assert {d["target_id"] for d in docs} == {OUTAGE_SITE}
    by_level = {d["level"]: d for d in docs}
    veto, early = by_level["violation"], by_level["warning"]
    first_veto = min(t for t, sites in truth.items() if sites[OUTAGE_SITE][2] == "veto")
    assert (veto["status"], datetime.fromisoformat(veto["first_seen"])) == ("open", first_veto)
    last = max(truth)
    assert veto["evidence"]["probes_total"] == truth[last][OUTAGE_SITE][0]
    assert veto["evidence"]["probes_failed"] == truth[last][OUTAGE_SITE][1]
    # the first week had 126 probes: 探测次数不足, never confirmed, so never 已整改
    assert "探测次数不足" in early["message"]
    assert early["status"] == "dismissed"
    assert early.get("rectified_at") is None


def test_each_outage_alerted_once_and_each_recovery_once_across_restart_and_outage(quarter) -> None:  # type: ignore[no-untyped-def]
    texts = [json.dumps(p["body"], ensure_ascii=False) for p in quarter["robot"].posts]
    world = quarter["world"]
    name = {s: world.web.world.sites[s].name for s in SITES}
    expected = QuarterTruth().outage_alerts()
    for event in ("站点宕机", "已恢复"):
        sent = [t for t in texts if f"{event}" in t and "政务巡网预警" in t and "首页" in t]
        want = [a for a in expected if a[1] == event]
        assert len(sent) == len(want), event
        for (_, _, when), text in zip(want, sent, strict=True):
            assert name[OUTAGE_SITE] in text
            assert when.strftime("%Y-%m-%d %H:%M") in text
    assert not any(name[s] in t for s in ("S001", "S004") for t in texts)
    vetoes = [t for t in texts if "单项否决" in t]
    accounts = world.accounts
    assert len(vetoes) == 2, "one veto alert per problem, never again (a restart included)"
    assert sum(name["S013"] in t and "栏目不更新" in t for t in vetoes) == 1
    assert sum(accounts[ZOMBIE].name in t and "内容不更新" in t for t in vetoes) == 1


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_the_quarterly_report_is_right_in_every_number_name_and_review_line(quarter, fmt: str) -> None:  # type: ignore[no-untyped-def]
    truth = QuarterTruth().quarter()
    back = read(quarter["reports"][fmt])
    text = back.text
    world = quarter["world"]
    site = world.web.world.sites
    accounts = world.accounts
    names = {s: (site[s].name, site[s].owner) for s in SITES} | {
        a: (accounts[a].name, accounts[a].owner) for a in (ACTIVE, ZOMBIE)
    }
    assert "检查期间：2025年第一季度（2025年1月1日至2025年3月31日）。" in text
    verdicts = truth["verdicts"]
    failed_sites = sum(verdicts[s] == "fail" for s in SITES)
    rate = f"{100 * (len(SITES) - failed_sites) / len(SITES):.2f}%"
    assert (
        f"对全省正在运行的{len(SITES)}个政府网站进行了检查，发现存在突出问题的政府网站{failed_sites}个，检查合格率为{rate}。"
        in text
    )
    assert (
        f"全省共有政务新媒体账号2个（微博2个），按100%的比例分地区、分平台随机抽查了{truth['sampled']}个"
        f"（含此前发现问题、必须复查的{truth['forced']}个），发现存在突出问题的政务新媒体1个，检查合格率为50.00%。"
    ) in text
    assert back.table("表1")[1:3] == [
        ["政府网站", "4", "4", str(4 - failed_sites), str(failed_sites), "0", rate],
        ["政务新媒体", "2", "2", "1", "1", "0", "50.00%"],
    ]
    regions = Counter(
        r for r in [site[s].region for s in SITES] + [accounts[a].region for a in (ACTIVE, ZOMBIE)]
    )
    assert [row[0] for row in back.table("表2")[1:]] == sorted(regions)
    assert [int(row[1]) for row in back.table("表2")[1:]] == [regions[r] for r in sorted(regions)]
    section = text.split("二、发现的主要问题")[1].split("三、复查情况")[0]
    for indicator, targets in truth["problems"].items():
        unit = "个账号" if targets[0].startswith("A") else "个网站"
        assert re.search(rf"（[一二三四五六七八九十]+）{indicator}（{len(targets)}{unit}）", section), (
            indicator
        )
        for target in targets:
            name, owner = names[target]
            first = truth["first_seen"][target]
            assert f"{name}（{owner}）：" in section
            line = next(
                line
                for line in section.splitlines()
                if line.startswith("1.") and f"{name}（{owner}）" in line
            )
            assert f"首次发现于{first.year}年{first.month}月{first.day}日" in line
    failing = {t for t, v in verdicts.items() if v == "fail"}
    assert {t for t in names if f"{names[t][0]}（{names[t][1]}）" in section} == failing
    review = text.split("三、复查情况")[1].split("四、下一步要求")[0]
    assert f"已整改{len(truth['rectified'])}个，仍未整改{len(truth['still_open'])}个。" in review
    fixed = "；".join(
        f"{names[t][0]}（{names[t][1]}）{ind}" for t, ind in ((s, "栏目不更新") for s in ["S013"])
    )
    assert f"已完成整改的：{fixed}；{names[ZOMBIE][0]}（{names[ZOMBIE][1]}）内容不更新。" in review
    assert [row[-1] for row in back.table("附件3")[1:]] == [
        f"{d.year}年{d.month}月{d.day}日" for d in (truth["rectified"]["S013"], truth["rectified"][ZOMBIE])
    ]
    assert "（".join(names[OUTAGE_SITE]) not in review  # its early warning was never a confirmed problem
    assert back.table("附件5")[1:] == []
