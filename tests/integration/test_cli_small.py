"""The small things a new user trips over: --version, `govpatrol sweeps`, `... | head` without a
traceback, `python -m simweb serve` with the platforms, the summary by sites and accounts, the score
explained."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crawlers.dates import BEIJING
from crawlers.models import Finding, TargetSummary
from govpatrol import console
from govpatrol.cli import main
from pipelines.recorder import SweepResult
from pipelines.store import Store

AS_OF = datetime(2025, 3, 31, 10, 0, tzinfo=BEIJING)


def test_version(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("govpatrol 0.")


def test_sweeps_lists_the_runs_newest_first_without_probe_rounds(store: Store, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for i, kind in enumerate(("full", "probe", "patrol", "rollup")):
        when = (AS_OF + timedelta(hours=i)).isoformat()
        store.write_sweep({"id": f"{kind}-{i}", "kind": kind, "as_of": when, "targets_planned": 7})
    store.refresh()
    monkeypatch.setenv("GOVPATROL_INDEX_PREFIX", store.prefix)
    assert main(["sweeps", "--es", store.cfg.url, "--ids"]) == 0
    assert capsys.readouterr().out.split() == ["rollup-3", "patrol-2", "full-0"]
    assert main(["sweeps", "--es", store.cfg.url, "--kind", "probe", "--ids"]) == 0
    assert capsys.readouterr().out.split() == ["probe-1"]
    assert main(["sweeps", "--es", store.cfg.url]) == 0
    table = capsys.readouterr().out
    assert "full-0" in table
    assert "2025-03-31 10:00" in table


def test_a_closed_pipe_ends_the_output_quietly(store: Store, tmp_path: Path) -> None:
    findings = [
        Finding(
            target_id=f"s{i:05d}",
            indicator="SITE-DED-DEAD-LINK",
            severity="deduction",
            status="open",
            subject_url=f"https://s{i:05d}.example.gov.cn/dead-link-number-{i}.html",
            evidence={},
            as_of=AS_OF,
            message="其他页面链接不可用：" + "很长的说明" * 10,
            subject=f"https://s{i:05d}.example.gov.cn/{i}",
        )
        for i in range(1500)
    ]
    store.upsert_findings(findings)
    store.refresh()
    env = dict(os.environ, GOVPATROL_INDEX_PREFIX=store.prefix)
    cmd = f"{sys.executable} -m govpatrol findings --format csv --es {store.cfg.url} | head -1; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(
        ["bash", "-c", cmd], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.stdout.startswith("单位,地区,对象")
    assert "Traceback" not in done.stderr, done.stderr
    assert "BrokenPipeError" not in done.stderr
    assert done.returncode == 0


def test_simweb_serve_serves_the_platforms_too(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "simweb", "serve", "--as-of", AS_OF.isoformat(), "--out", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("serving on"):
                break
        assert " accounts on 11 platforms" in lines[-1]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    rows = (tmp_path / "targets.csv").read_text(encoding="utf-8").splitlines()
    assert sum(",account," in r for r in rows) > 100
    assert "[platforms.weibo]" in (tmp_path / "config.toml").read_text(encoding="utf-8")


def test_the_summary_counts_sites_and_accounts_and_explains_the_score(capsys) -> None:  # type: ignore[no-untyped-def]
    result = SweepResult(sweep_id="full-x", kind="full", as_of=AS_OF, started_at=AS_OF)
    result.summaries = [
        TargetSummary("s1", "site", "pass", None, None, name="甲站", score=100.0),
        TargetSummary("s2", "site", "fail", None, None, name="乙站", score=55.0),
        TargetSummary("a1", "account", "unverified", None, None, name="甲号", platform="weibo"),
    ]
    console.print_summary(result)
    out = capsys.readouterr().out
    sites = next(line for line in out.splitlines() if line.strip(" │|").startswith("sites"))
    accounts = next(line for line in out.splitlines() if line.strip(" │|").startswith("accounts"))
    assert [c.strip() for c in sites.replace("│", "|").split("|") if c.strip()][:5] == [
        "sites",
        "2",
        "1",
        "1",
        "0",
    ]
    assert [c.strip() for c in accounts.replace("│", "|").split("|") if c.strip()][:5] == [
        "accounts",
        "1",
        "0",
        "0",
        "1",
    ]
    assert "score: a site's 100 points minus its deductions" in out
