"""The simulated web's files and command line: the targets registry, config and truth it writes
are what the crawler reads, and ``python -m simweb serve`` serves them until SIGTERM."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from crawlers.config import load_config
from simweb.server import SimulatedWeb
from simweb.sites import DNS_FAIL_HOST
from simweb.world import build_world

AS_OF = datetime.fromisoformat("2024-10-01T10:00:00+08:00")
ROOT = Path(__file__).resolve().parents[2]


def test_written_files_are_usable_by_the_crawler(tmp_path: Path) -> None:
    with SimulatedWeb(build_world(AS_OF)) as web:
        targets = web.write_targets_csv(tmp_path / "targets.csv")
        config = load_config(web.write_config(tmp_path / "config.toml", es_url="http://127.0.0.1:9200"))
        truth = json.loads(web.write_truth(tmp_path / "truth.json").read_text(encoding="utf-8"))
        header, *rows = targets.read_text(encoding="utf-8").splitlines()
        assert header == "id,kind,name,owner,region,url,platform,account_id,site_code,account_type"
        assert len(rows) == len(truth["sites"])
        assert all(len(r.split(",")[8]) == 10 for r in rows)  # site_code, the 政府网站标识码
        assert config.network.offline is True
        # the guard opens each simulated name on its own port only (never 127.0.0.1 or other names)
        assert config.network.allow_hosts == [
            web.url(h).split("://", 1)[1].rstrip("/") for h in web.world.hosts()
        ]
        assert f"www.suzhou.gov.cn:{web.port}" in config.network.allow_hosts
        assert config.network.resolve["www.suzhou.gov.cn"] == "127.0.0.1"
        assert DNS_FAIL_HOST not in config.network.resolve
        assert config.elasticsearch.url == "http://127.0.0.1:9200"


def test_cli_serves_writes_files_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simweb", "serve", "--as-of", AS_OF.isoformat(), "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "truth.json").exists() and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.05)
        truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
        assert (tmp_path / "targets.csv").exists()
        assert (tmp_path / "config.toml").exists()
        status = http.client.HTTPConnection("127.0.0.1", truth["port"], timeout=5)
        status.request("GET", "/", headers={"Host": "www.suzhou.gov.cn"})
        assert status.getresponse().status == 200
        status.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
