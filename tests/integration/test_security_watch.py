"""The security watch end to end: `govpatrol sweep --kind patrol` over the simulated watch world
(simweb.securitywatch, SW01-SW11) into the real Elasticsearch, with real Chromium, and the review
queue and baselines through the terminal commands.

Four patrols of the simulated day (ticks 0, 3, 5 and 7 -- each the first patrol after some incident
appears): every planted incident is raised on the first patrol after it appears, with evidence
naming what matched and a snapshot of the page; the healthy site raises nothing on any patrol while
its homepage churns. Between patrols an inspector dismisses one hit (never raised again), confirms
another (one alert at once, then open on every patrol until the page is cleaned, then rectified),
and accepts a legitimate redesign as the new baseline (no tamper hit after it). The whole day of
churn over all twelve ticks is judged in tests/unit/test_security_watch.py, without a crawl.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawlers.config import load_config
from govpatrol.report.data import gather
from govpatrol.review import audit as review_audit
from govpatrol.review import pending
from pipelines.store import Store
from pipelines.watchstore import load_baselines
from simweb import securitywatch as sw
from simweb.model import Response
from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.integration.test_alerts import Robot
from tests.jsonl_runs import run_to_jsonl

PATROLS = (0, 3, 5, 7)
SECURITY = {
    "SITE-SEC-TAMPER",
    "SITE-SEC-DARK-LINK",
    "SITE-SEC-MALWARE",
    "SITE-SEC-CLOAKING",
    "SITE-SEC-LINK-HIJACK",
    "SITE-DED-WRONG-LINK",
}


def patrol(targets: Path, config: Path, tick: int, out: Path) -> list[dict[str, Any]]:
    args = ["-m", "govpatrol", "sweep", "--kind", "patrol", "--targets", str(targets)]
    args += ["--as-of", sw.as_of(tick).isoformat(), "--output", str(out), "--config", str(config), "--quiet"]
    return run_to_jsonl(args, out, 600).records


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "govpatrol", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def hits(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["type"] == "finding" and r["indicator"] in SECURITY]


def redesigned(port: int) -> Response:
    """SW02 after a legitimate redesign: a new title, a new layout, other text."""
    return Response(
        body=f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>示范乙县人民政府门户网站（新版）</title></head>
<body><header><nav><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/hdjl/">互动交流</a></nav></header>
<main><section><h2>要闻聚焦</h2><p>全县深入推进高质量发展，聚焦产业升级和民生改善。</p></section>
<section><h2>便民服务</h2><ul><li><a href="/bs/1.html">社保查询</a></li><li><a href="/bs/2.html">公积金查询</a></li></ul></section>
</main><footer><a href="{sw.url(port, "www.gov.cn")}">中国政府网</a> 主办：示范乙县人民政府办公室</footer></body></html>"""
    )


@pytest.fixture(scope="module")
def day(
    tmp_path_factory: pytest.TempPathFactory, es_url: str, measurements: dict[str, str]
) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("watch")
    web = SimulatedWeb(build_world(sw.as_of(0))).start()
    robot = Robot().start()
    prefix = f"govpatrol-it-sw-{uuid.uuid4().hex[:8]}"
    store: Store | None = None
    try:
        targets = sw.write_targets_csv(web, tmp / "targets.csv")
        config = web.write_config(tmp / "config.toml", es_url=es_url, index_prefix=prefix)
        with config.open("a", encoding="utf-8") as fh:
            fh.write(sw.security_config(str(tmp / "snapshots")))
            fh.write(
                '\n[alerts]\nenabled = true\nwebhooks = [{ kind = "wecom", '
                f'url = "http://127.0.0.1:{robot.port}/cgi-bin/webhook/send?key=test" }}]\n'
            )
        store = Store(load_config(config).elasticsearch)
        runs: dict[int, list[dict[str, Any]]] = {}
        steps: dict[str, Any] = {}
        for tick in PATROLS:
            sw.set_tick(web, tick)
            if tick == 5:  # SW02 is redesigned, legitimately
                web.set_route("www.swb.gov.cn", "/", redesigned(web.port))
            if tick == 7:  # SW07's office cleaned its homepage
                web.set_route("www.swg.gov.cn", "/", Response(body=sw.homepage(sw.SITES[6], tick, web.port)))
                web.set_route("www.swb.gov.cn", "/", redesigned(web.port))
            runs[tick] = patrol(targets, config, tick, tmp / f"patrol-{tick}.jsonl")
            if tick == 0:
                steps["queue"] = cli(config, "review", "list")
                dark = next(r for r in hits(runs[0]) if r["subject_url"] == sw.url(web.port, sw.BET, "/t0"))
                steps["dismissed"] = dark
                steps["dismiss"] = cli(
                    config, "review", "dismiss", dark["id"], "--note", "测试：驳回", "--by", "张三"
                )
                malware = next(
                    r
                    for r in hits(runs[0])
                    if r["target_id"] == "SW07" and r["subject_url"] == sw.url(web.port, "www.swg.gov.cn")
                )
                steps["confirmed"] = malware
                steps["show"] = cli(
                    config, "review", "show", malware["id"], "--snapshot", str(tmp / "inert.html")
                )
                steps["confirm"] = cli(
                    config, "review", "confirm", malware["id"], "--note", "已通知网站管理员", "--by", "李四"
                )
                steps["posts_after_confirm"] = len(robot.posts)
                steps["confirm_again"] = cli(config, "review", "confirm", malware["id"], "--by", "李四")
            if tick == 5:
                steps["accept"] = cli(
                    config, "baseline", "accept", "--target", "SW02", "--note", "网站改版", "--by", "王五"
                )
                steps["baseline_show"] = cli(config, "baseline", "show", "--target", "SW02")
        steps["unknown"] = cli(config, "review", "show", "no-such-id")
        steps["no_id"] = cli(config, "review", "confirm")
        steps["no_baseline"] = cli(config, "baseline", "show", "--target", "NOPE")
        steps["posts_at_end"] = len(robot.posts)
        steps["inert"] = (tmp / "inert.html").read_text(encoding="utf-8")
        seconds = sum(
            next(r for r in run if r["type"] == "sweep").get("elapsed_s", 0.0) for run in runs.values()
        )
        measurements["security watch (4 patrols, 11 sites)"] = f"{seconds:.1f} s crawl+judge"
        store.refresh()
        yield {"runs": runs, "steps": steps, "store": store, "port": web.port, "truth": sw.truth(web.port)}
    finally:
        if store is not None:
            store.delete_indices()
        robot.stop()
        web.stop()


def first_patrol_after(tick: int) -> int:
    return min(t for t in PATROLS if t >= tick)


def test_every_planted_incident_is_raised_on_the_first_patrol_after_it_appears(day: dict[str, Any]) -> None:
    missed = []
    for want in day["truth"]["expect"]:
        tick = first_patrol_after(want["tick"])
        found = [
            r
            for r in hits(day["runs"][tick])
            if r["target_id"] == want["target"]
            and r["indicator"] == want["indicator"]
            and r["subject_url"] == want["subject"]
        ]
        if not found:
            missed.append(want)
            continue
        evidence = found[0]["evidence"]
        if "technique" in want:
            assert evidence["technique"] == want["technique"].replace("script_written", evidence["technique"])
        for kind in want.get("kinds", []):
            assert kind in {c["kind"] for c in evidence["changes"]}, (want, evidence["changes"])
    assert missed == []


def test_nothing_is_raised_before_an_incident_appears_or_on_the_healthy_site(day: dict[str, Any]) -> None:
    planted = {(w["target"], w["indicator"], w["subject"]): w["tick"] for w in day["truth"]["expect"]}
    for tick, run in day["runs"].items():
        for hit in hits(run):
            key = (hit["target_id"], hit["indicator"], hit["subject_url"])
            if hit["target_id"] == "SW02" and tick == 5 and hit["indicator"] == "SITE-SEC-TAMPER":
                continue  # the redesign, before the office accepted it
            assert key in planted, f"patrol {tick}: unplanted {key} {hit['message']}"
            assert planted[key] <= tick, f"patrol {tick}: {key} raised before it appears"
        assert [h for h in hits(run) if h["target_id"] == "SW01"] == [], f"patrol {tick}: healthy SW01"


def test_every_hit_waits_for_review_with_a_fingerprint_and_an_inert_snapshot(day: dict[str, Any]) -> None:
    security = [h for h in hits(day["runs"][0]) if h["indicator"].startswith("SITE-SEC-")]
    assert security
    assert all(h["status"] in ("pending_review", "open") and h["fingerprint"] for h in security)
    assert all((h["evidence"].get("snapshot") or {}).get("html") for h in security if "page" in h["evidence"])
    queue = day["steps"]["queue"]
    assert queue.returncode == 0, queue.stderr
    assert "待审核安全事件" in queue.stdout
    assert "暗链" in queue.stdout
    inert = day["steps"]["inert"]
    assert "Content-Security-Policy" in inert
    assert "<script" not in inert.lower()  # the hacked page's scripts are shown as text only
    assert "&lt;script&gt;eval(unescape(" in inert


def test_a_script_written_hidden_link_is_read_in_chromium_with_a_screenshot(day: dict[str, Any]) -> None:
    written = [
        h for h in hits(day["runs"][3]) if h["target_id"] == "SW05" and h["indicator"] == "SITE-SEC-DARK-LINK"
    ]
    assert len(written) == 3
    assert all(sw.SPAM[int(h["subject_url"][-1])] in h["message"] for h in written)  # readable text
    assert all(h["evidence"]["snapshot"].get("screenshot") for h in written)


def test_a_dismissed_hit_is_never_raised_again(day: dict[str, Any]) -> None:
    dismissed, done = day["steps"]["dismissed"], day["steps"]["dismiss"]
    assert done.returncode == 0, done.stderr
    for tick in PATROLS[1:]:
        assert dismissed["id"] not in {h["id"] for h in hits(day["runs"][tick])}
    store: Store = day["store"]
    doc = store.get_findings([dismissed["id"]])[dismissed["id"]]
    assert doc["status"] == "dismissed"
    assert doc["review"]["by"] == "张三"
    assert doc["history"][-1]["note"] == "测试：驳回"
    # the other hidden links of the same page are still raised
    assert len([h for h in hits(day["runs"][7]) if h["target_id"] == "SW04"]) == len(sw.STATIC_HIDING) - 1


def test_a_confirmed_hit_alerts_once_stays_open_and_is_rectified_when_gone(day: dict[str, Any]) -> None:
    steps, confirmed = day["steps"], day["steps"]["confirmed"]
    assert steps["confirm"].returncode == 0, steps["confirm"].stderr
    assert steps["posts_after_confirm"] == 1
    assert steps["posts_at_end"] == 1  # later patrols do not alert it again
    assert steps["confirm_again"].returncode == 2  # already decided
    assert "李四" in steps["confirm_again"].stderr
    for tick in (3, 5):
        again = [h for h in hits(day["runs"][tick]) if h["id"] == confirmed["id"]]
        assert [h["status"] for h in again] == ["open"]
    gone = [h for h in hits(day["runs"][7]) if h["id"] == confirmed["id"]]
    assert [h["status"] for h in gone] == ["rectified"]
    assert gone[0]["evidence"]  # what the patrol saw instead
    audit = review_audit(day["store"], finding_id=confirmed["id"])
    assert [(a["action"], a["by"], a["note"]) for a in audit] == [("confirm", "李四", "已通知网站管理员")]
    assert confirmed["id"] not in {d["id"] for d in pending(day["store"])}


def test_an_accepted_redesign_is_the_new_baseline(day: dict[str, Any]) -> None:
    steps = day["steps"]
    redesign = [h for h in hits(day["runs"][5]) if h["target_id"] == "SW02"]
    assert [h["indicator"] for h in redesign] == ["SITE-SEC-TAMPER"]
    assert {"title", "body"} <= {c["kind"] for c in redesign[0]["evidence"]["changes"]}
    assert steps["accept"].returncode == 0, steps["accept"].stderr
    assert "网站改版" in steps["baseline_show"].stdout
    assert [h for h in hits(day["runs"][7]) if h["target_id"] == "SW02"] == []
    base = load_baselines(day["store"], ["SW02"])["SW02"][sw.url(day["port"], "www.swb.gov.cn")]
    assert (base.version, base.accepted_by, base.note) == (2, "王五", "网站改版")
    assert "（新版）" in base.title
    trail = review_audit(day["store"], target_id="SW02")
    assert [(a["action"], a["by"], a["note"]) for a in trail] == [("baseline_accept", "王五", "网站改版")]


def test_the_report_counts_confirmed_incidents_only(day: dict[str, Any]) -> None:
    last = next(r for r in day["runs"][7] if r["type"] == "sweep")
    counted = gather(day["store"], sweep_id=last["id"]).findings
    confirmed = day["steps"]["confirmed"]["id"]
    # confirmed, then rectified: the one security incident of the period
    assert {f["id"] for f in counted if "-SEC-" in f["indicator"]} == {confirmed}
    # SW07's hidden frame went away before anyone looked: still waiting for a person (an intermittent
    # injection is an incident too), and not counted unless confirmed
    frame = sw.url(day["port"], sw.BET, "/x")
    queued = [d for d in pending(day["store"], target_id="SW07") if d["subject_url"] == frame]
    assert len(queued) == 1
    assert frame not in {h["subject_url"] for h in hits(day["runs"][7])}


def test_review_and_baseline_commands_reject_bad_input_with_exit_code_2(day: dict[str, Any]) -> None:
    steps = day["steps"]
    assert steps["unknown"].returncode == 2
    assert "no-such-id" in steps["unknown"].stderr
    assert steps["no_id"].returncode == 2
    assert "needs a finding id" in steps["no_id"].stderr
    assert steps["no_baseline"].returncode == 2
    assert "NOPE" in steps["no_baseline"].stderr
