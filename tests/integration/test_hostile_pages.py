"""Hostile and broken pages: one real crawl and one real sweep over the hostile simulated web.

Every hostile host of :mod:`simweb.hostile` is a target: pages over the size cap, decompression
bombs, redirect loops and chains, tarpits, a site slower than its time budget, an endless calendar,
more columns than the page budget, broken markup, mislabelled charsets, non-HTML answers and bad
certificates. The sweep must finish, stay within its memory (measured: the peak RSS of the crawl
and the sweep processes) and record each problem as an observation or a finding.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from simweb.hostile import BUDGET_COLUMNS, MANY_COLUMNS, hostile_world, make_pki, write_targets
from simweb.server import SimulatedWeb
from simweb.tls import TLSServer
from tests.jsonl_runs import Run, of_type

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
HOMEPAGE_TIMEOUT = 10
SITE_TIME_BUDGET = 12
PAGE_BUDGET = 25
LINK_BUDGET = 300
MEMORY_BOUND_MB = 600
CRAWL = f"""
[crawl]
homepage_timeout = {HOMEPAGE_TIMEOUT}
page_timeout = {HOMEPAGE_TIMEOUT}
link_timeout = 5
site_time_budget = {SITE_TIME_BUDGET}
site_page_budget = {PAGE_BUDGET}
max_links = {LINK_BUDGET}

[site_checks]  # hostile pages and budgets only: the site checks' own pages would share the budget
interaction = false
search = false
articles = 0
"""


def _run(args: list[str], out: Path) -> tuple[Run, float]:
    """Run ``python <args>`` and return what it wrote plus its peak RSS in MB (its own, via wait4)."""
    with (out.parent / f"{out.stem}.stderr").open("w+", encoding="utf-8") as err:
        proc = subprocess.Popen([sys.executable, *args], stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        assert proc.returncode == 0, err.read()[-4000:]
    return Run(out.read_text(encoding="utf-8").splitlines(), "", ""), usage.ru_maxrss / 1024


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, measurements) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("hostile")
    pki = make_pki(tmp / "pki")
    web = SimulatedWeb(hostile_world(AS_OF)).start()
    try:
        with TLSServer(web, pki) as tls:
            targets = write_targets(tmp / "targets.csv", web, tls.port)
            config = web.write_config(tmp / "config.toml")
            text = config.read_text(encoding="utf-8").replace(
                "[network]\n", f'[network]\nca_file = "{pki.ca_file}"\n'
            )
            config.write_text(text + CRAWL, encoding="utf-8")
            crawl_out, sweep_out = tmp / "crawl.jsonl", tmp / "sweep.jsonl"
            crawl, crawl_mb = _run(
                [
                    "-m",
                    "tests.integration.crawl_to_jsonl",
                    str(targets),
                    str(config),
                    AS_OF.isoformat(),
                    "full",
                ]
                + [str(crawl_out)],
                crawl_out,
            )
            sweep_args = [
                "-m",
                "govpatrol",
                "sweep",
                "--targets",
                str(targets),
                "--as-of",
                AS_OF.isoformat(),
            ]
            sweep, sweep_mb = _run(
                [*sweep_args, "--output", str(sweep_out), "--config", str(config), "--quiet"], sweep_out
            )
    finally:
        web.stop()
    record = next(r for r in sweep.records if r["type"] == "sweep")
    measurements["hostile sweep peak RSS"] = (
        f"crawl {crawl_mb:.0f} MB, sweep {sweep_mb:.0f} MB over {record['targets_done']} hostile sites "
        f"({record['elapsed_s']:.1f} s)"
    )
    return {"items": crawl.records, "sweep": sweep.records, "record": record, "rss": (crawl_mb, sweep_mb)}


def _home(hostile: dict, tid: str) -> dict:
    (page,) = of_type(hostile["items"], "PageObservation", target_id=tid, role="homepage")
    return page


def _budget(hostile: dict, tid: str) -> dict[str, dict]:
    return {o["error"]: o for o in of_type(hostile["items"], "PageObservation", target_id=tid, role="budget")}


def test_the_sweep_finishes_every_hostile_site_in_bounded_time(hostile):
    record = hostile["record"]
    assert record["targets_planned"] == record["targets_done"] == 25
    # the slowest site is the budget site: its time budget plus one in-flight page timeout, not 20 x 5 s
    assert record["elapsed_s"] < SITE_TIME_BUDGET + 2 * HOMEPAGE_TIMEOUT + 30
    done = [r["target_id"] for r in of_type(hostile["items"], "TargetDone")]
    assert sorted(done) == sorted(set(done))
    assert len(done) == 25


def test_memory_stays_bounded(hostile):
    crawl_mb, sweep_mb = hostile["rss"]
    assert crawl_mb < MEMORY_BOUND_MB
    assert sweep_mb < MEMORY_BOUND_MB


def test_pages_over_the_size_cap_are_cut_and_recorded_as_too_large(hostile):
    with_length, chunked = _home(hostile, "X01"), _home(hostile, "X02")
    assert with_length["error"] == chunked["error"] == "too_large"
    assert "Expected to receive" in with_length["error_detail"]  # refused on the header, body never read
    assert "no Content-Length" in chunked["error_detail"]
    summaries = {s["target_id"]: s for s in of_type(hostile["sweep"], "target")}
    assert summaries["X01"]["verdict"] == summaries["X02"]["verdict"] == "unverified"


@pytest.mark.parametrize("tid", ["X03", "X04", "X05"])
def test_decompression_bombs_stop_at_the_cap(hostile, tid):
    page = _home(hostile, tid)
    assert page["error"] == "too_large"
    assert "decompressed so far" in page["error_detail"]


def test_a_redirect_loop_is_a_loop_with_its_chain(hostile):
    page = _home(hostile, "X06")
    assert page["error"] == "redirect_loop"
    assert "/b.html -> " in page["error_detail"]
    assert page["error_detail"].startswith("more than 10 redirects")


def test_a_fifteen_hop_chain_is_too_many_redirects(hostile):
    page = _home(hostile, "X07")
    assert page["error"] == "too_many_redirects"
    assert "/hop/9 -> " in page["error_detail"]
    assert "/hop/16" not in page["error_detail"]


@pytest.mark.parametrize("tid", ["X08", "X09"])
def test_tarpits_are_cut_at_the_request_timeout(hostile, tid):
    page = _home(hostile, tid)
    assert page["error"] == "timeout"
    assert page["elapsed_ms"] < (HOMEPAGE_TIMEOUT + 5) * 1000


def test_the_site_time_budget_drops_the_rest_and_is_recorded(hostile):
    budget = _budget(hostile, "X10")
    assert "site_budget" in budget
    assert f"site time budget of {SITE_TIME_BUDGET} s" in budget["site_budget"]["error_detail"]
    columns = of_type(hostile["items"], "PageObservation", target_id="X10", role="column")
    # every column is accounted for: fetched while in flight (per_host = 4 of them), or dropped
    # from the queue when the time was up (the site map's own links count as columns too)
    assert len(columns) >= BUDGET_COLUMNS
    fetched = [c for c in columns if c["error"] is None]
    dropped = [c for c in columns if c["error"] == "site_budget"]
    assert len(fetched) == 4
    assert len(dropped) == len(columns) - 4
    # links are not checked once time is up, so none is reported dead for it
    assert of_type(hostile["items"], "LinkCheck", target_id="X10") == []


def test_an_endless_calendar_is_not_followed(hostile):
    checks = of_type(hostile["items"], "LinkCheck", target_id="X11")
    urls = [c["url"] for c in checks] + [
        p["url"] for p in of_type(hostile["items"], "PageObservation", target_id="X11")
    ]
    assert any("date=2024-10-09" in u for u in urls)  # the next day is a link, checked once
    assert any("page=2" in u for u in urls)
    assert not any("date=2024-10-10" in u or "page=3" in u for u in urls)  # never followed further


def test_a_page_with_more_links_than_the_budget_is_checked_up_to_the_budget(hostile):
    checks = of_type(hostile["items"], "LinkCheck", target_id="X21")
    assert len(checks) == LINK_BUDGET
    assert f"link-check budget of {LINK_BUDGET}" in _budget(hostile, "X21")["link_budget"]["error_detail"]


def test_the_page_budget_caps_column_fetches_and_is_recorded(hostile):
    columns = of_type(hostile["items"], "PageObservation", target_id="X12", role="column")
    assert len(columns) == PAGE_BUDGET - 1 < MANY_COLUMNS
    assert f"page budget of {PAGE_BUDGET}" in _budget(hostile, "X12")["page_budget"]["error_detail"]


def test_broken_html_still_gives_its_title_and_dates(hostile):
    page = _home(hostile, "X13")
    assert page["status"] == 200
    assert page["error"] is None
    assert page["title"] == "破损页面人民政府"
    assert page["newest"]["date"].startswith("2024-10-05")
    (deep,) = of_type(hostile["items"], "PageObservation", target_id="X13", role="column")
    assert deep["status"] == 200
    assert deep["title"] == "深层嵌套"


@pytest.mark.parametrize(
    ("tid", "title"), [("X14", "标签错误人民政府"), ("X15", "标签为GBK人民政府"), ("X16", "无声明人民政府")]
)
def test_mislabelled_charsets_are_read_correctly(hostile, tid, title):
    page = _home(hostile, tid)
    assert page["title"] == title
    assert page["item_count"] == 3
    assert page["newest"]["title"] == "关于开展2024年政务公开工作检查的通知"


@pytest.mark.parametrize(
    ("tid", "content_type"),
    [("X17", "application/pdf"), ("X18", "image/png"), ("X19", "application/octet-stream")],
)
def test_a_homepage_that_is_not_html_is_recorded_with_its_content_type(hostile, tid, content_type):
    page = _home(hostile, tid)
    assert page["status"] == 200
    assert page["error"] == "not_html"
    assert f"Content-Type: {content_type}" in page["error_detail"]


def test_a_column_that_is_a_word_file_is_recorded_not_parsed(hostile):
    (column,) = of_type(hostile["items"], "PageObservation", target_id="X20", role="column")
    assert column["error"] == "not_html"
    assert "application/msword" in column["error_detail"]
    assert column["items"] == []


@pytest.mark.parametrize(
    ("tid", "words"), [("T01", "证书已过期"), ("T02", "证书与域名不符"), ("T03", "证书不受信任")]
)
def test_a_bad_certificate_is_an_https_finding_and_the_page_is_still_observed(hostile, tid, words):
    assert _home(hostile, tid)["status"] == 200
    (finding,) = of_type(hostile["sweep"], "finding", target_id=tid, indicator="SITE-REQ-HTTPS")
    assert words in finding["message"]
    assert finding["evidence"]["certificate"]["problem_name"] == words


def test_a_certificate_valid_under_the_configured_ca_passes(hostile):
    assert _home(hostile, "T04")["meta"]["patrol_tls"] == ""
    assert of_type(hostile["sweep"], "finding", target_id="T04", indicator="SITE-REQ-HTTPS") == []


def _findings(hostile: dict, tid: str, indicator: str, **match: Any) -> list[dict]:
    return of_type(hostile["sweep"], "finding", target_id=tid, indicator=indicator, **match)


def test_the_link_budget_cut_is_recorded_and_the_dead_link_check_ends_unverified(hostile):
    cut = _budget(hostile, "X21")["link_budget"]
    assert cut["links_not_checked"] > 0
    assert cut["pages_not_fetched"] == 0
    (finding,) = _findings(hostile, "X21", "SITE-DED-DEAD-LINK", status="unverified")
    assert finding["subject"] == "budget"
    assert finding["evidence"]["not_checked"] == cut["links_not_checked"] - cut["homepage_links_not_checked"]
    summaries = {s["target_id"]: s for s in of_type(hostile["sweep"], "target")}
    assert summaries["X21"]["verdict"] == "unverified"  # never a silent pass on the links checked


def test_the_page_budget_cut_makes_the_column_rules_unverified(hostile):
    cut = _budget(hostile, "X12")["page_budget"]
    assert cut["pages_not_fetched"] == MANY_COLUMNS - (PAGE_BUDGET - 1)
    for indicator in ("SITE-VETO-COLUMN-STALE", "SITE-DED-POLICY-STALE"):
        (finding,) = _findings(hostile, "X12", indicator, status="unverified")
        assert finding["evidence"]["not_checked"] == cut["pages_not_fetched"]
    summaries = {s["target_id"]: s for s in of_type(hostile["sweep"], "target")}
    assert summaries["X12"]["verdict"] == "unverified"


def test_the_site_time_budget_cut_makes_the_column_rules_unverified(hostile):
    cut = _budget(hostile, "X10")["site_budget"]
    assert cut["pages_not_fetched"] > 0
    (finding,) = _findings(hostile, "X10", "SITE-VETO-COLUMN-STALE", status="unverified")
    assert finding["evidence"]["cuts"][0]["budget"] == "site_budget"
