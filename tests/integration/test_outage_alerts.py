"""站点宕机 at once: a homepage down on 2 consecutive probes sends one alert, and one 已恢复 when it
answers again; a single failed probe sends nothing, and a replayed round never repeats an alert
(the state lives in Elasticsearch)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from govpatrol.cli import main
from pipelines.store import Store
from simweb.outages import ProbeOutages
from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.integration.test_alerts import Robot

START = datetime.fromisoformat("2025-03-03T08:00:00+08:00")
HOUR = timedelta(hours=1)
SITES = ("S001", "S003", "S007")


@pytest.fixture
def office(store: Store, tmp_path: Path) -> Iterator[tuple[SimulatedWeb, ProbeOutages, Robot, list[str]]]:
    web = SimulatedWeb(build_world(START)).start()
    robot = Robot().start()
    outages = ProbeOutages(web.world)
    try:
        rows = web.write_targets_csv(tmp_path / "all.csv").read_text(encoding="utf-8").splitlines()
        targets = tmp_path / "targets.csv"
        targets.write_text("\n".join([rows[0], *(r for r in rows[1:] if r[:4] in SITES)]) + "\n", "utf-8")
        config = web.write_config(tmp_path / "office.toml", es_url=store.cfg.url, index_prefix=store.prefix)
        with config.open("a", encoding="utf-8") as fh:
            fh.write(
                "\n[alerts]\nenabled = true\nretries = 0\noutage_probes = 2\n"
                f'webhooks = [{{kind = "wecom", url = "http://127.0.0.1:{robot.port}/send?key=k"}}]\n'
            )
        argv = ["probe", "--targets", str(targets), "--config", str(config)]
        yield web, outages, robot, argv
    finally:
        outages.restore()
        robot.stop()
        web.stop()


def _texts(robot: Robot) -> list[str]:
    return [json.dumps(post["body"], ensure_ascii=False) for post in robot.posts]


def test_two_failed_probes_alert_once_and_the_recovery_once(office, capsys) -> None:  # type: ignore[no-untyped-def]
    web, outages, robot, argv = office
    s001 = web.world.sites["S001"].host
    s003 = web.world.sites["S003"].host
    outages.plan(s001, {START + 2 * HOUR, START + 3 * HOUR, START + 4 * HOUR})
    outages.plan(s003, {START + 5 * HOUR})  # one failed probe: a blip, not an outage
    sent_after: list[int] = []
    for hour in range(8):
        outages.now = START + hour * HOUR
        assert main([*argv, "--as-of", outages.now.isoformat()]) == 0
        sent_after.append(len(robot.posts))
    assert sent_after == [0, 0, 0, 1, 1, 2, 2, 2]
    down, back = _texts(robot)
    assert "站点宕机" in down
    assert "苏州市人民政府" in down
    assert "连续2次" in down
    assert "2025-03-03 10:00" in down  # down since the first failed probe (Beijing time)
    assert "已恢复" in back
    assert "2025-03-03 13:00" in back

    for hour in (3, 4):  # replayed rounds: the state in Elasticsearch says they were seen
        outages.now = START + hour * HOUR
        assert main([*argv, "--as-of", outages.now.isoformat()]) == 0
    assert len(robot.posts) == 2, "no alert is ever sent twice"
    for quiet in ("S003", "S007"):  # a one-off failure and a healthy site: never alerted
        assert web.world.sites[quiet].name not in "".join(_texts(robot))
