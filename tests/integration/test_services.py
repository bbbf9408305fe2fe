"""The project starts genuine local services itself and reuses them instead of starting twice."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from govpatrol import services
from govpatrol.cli import services as services_cli


def test_elasticsearch_start_is_idempotent_and_status_reports_it(es_url: str) -> None:
    pid = services.status()["elasticsearch"]["pid"]

    assert services.ensure_elasticsearch() == es_url
    assert services.start(["elasticsearch"]) == {"elasticsearch": es_url}

    report = services.status()["elasticsearch"]
    assert report["pid"] == pid, "a second start must reuse the running node"
    assert report["running"] is True
    assert report["health"] in ("yellow", "green")
    assert report["url"] == es_url
    assert report["version"] == services.es_version()


def test_elasticsearch_stop_ends_the_node_and_removes_its_data(
    es_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVPATROL_RUN_DIR", str(tmp_path))  # a second, private node
    url = services.ensure_elasticsearch()
    entry = services.status()["elasticsearch"]
    try:
        assert url != es_url
        assert entry["running"] is True
        assert Path(entry["data_dir"]).is_dir()
    finally:
        services.stop(["elasticsearch"])

    assert services.status()["elasticsearch"]["running"] is False
    assert not Path(entry["data_dir"]).exists()
    with pytest.raises(ProcessLookupError):
        os.kill(entry["pid"], 0)
    assert services.es_health(url, timeout=1) is None


def test_chromium_is_found_and_renders_headless() -> None:
    info = services.check_chromium()

    assert info["path"] == services.chromium_path()
    assert info["version"].startswith("Chromium ")


def test_redis_starts_once_answers_ping_and_stops(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import redis

    monkeypatch.setenv("GOVPATROL_RUN_DIR", str(tmp_path))  # never stop a Redis other tests use
    url = services.ensure_redis()
    pid = services.status()["redis"]["pid"]
    try:
        assert services.ensure_redis() == url
        assert services.status()["redis"]["pid"] == pid
        assert redis.Redis.from_url(url).ping() is True
    finally:
        services.stop(["redis"])

    assert services.status()["redis"]["running"] is False
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()


def test_cli_offers_start_stop_status_with_only(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="govpatrol")
    services_cli.add_cli(parser.add_subparsers())

    args = parser.parse_args(["services", "stop", "--only", "redis", "chromium"])
    assert args.only == ["redis", "chromium"]
    assert callable(args.func)
    with pytest.raises(SystemExit):
        parser.parse_args(["services", "start", "--help"])
    help_text = capsys.readouterr().out
    assert "--only" in help_text
    assert "GOVPATROL_CACHE" in help_text
    with pytest.raises(SystemExit):
        parser.parse_args(["services", "start", "--only", "mysql"])


def test_a_node_that_dies_during_start_up_is_reported_with_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = Path(tempfile.mkdtemp(prefix="govpatrol-test-cache-"))  # reachable by the ES user
    cache.chmod(0o755)
    home = cache / "elasticsearch-0.0.1"
    (home / "config").mkdir(parents=True)
    launcher = home / "bin" / "elasticsearch"
    launcher.parent.mkdir()
    launcher.write_text("#!/bin/sh\necho 'fatal exception while booting Elasticsearch'\nexit 78\n")
    launcher.chmod(0o755)
    monkeypatch.setenv("GOVPATROL_CACHE", str(cache))
    monkeypatch.setenv("GOVPATROL_ES_VERSION", "0.0.1")
    monkeypatch.setenv("GOVPATROL_RUN_DIR", str(tmp_path))

    try:
        with pytest.raises(services.ServiceError) as caught:
            services.ensure_elasticsearch(timeout=30)
    finally:
        shutil.rmtree(cache)
    assert "exited with code 78" in str(caught.value)
    assert "fatal exception while booting Elasticsearch" in str(caught.value)
    assert services.status()["elasticsearch"]["running"] is False
