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


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _services(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="govpatrol")
    services_cli.add_cli(parser.add_subparsers())
    args = parser.parse_args(["services", *argv])
    return int(args.func(args))


def test_a_throw_away_node_records_the_elasticsearch_process_and_stop_removes_it(
    es_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVPATROL_RUN_DIR", str(tmp_path))  # a second, private node
    url = services.ensure_elasticsearch()
    entry = services.status()["elasticsearch"]
    try:
        assert url != es_url
        assert entry["running"] is True
        assert entry["throwaway"] is True
        assert Path(entry["data_dir"]).is_dir()
        # the pid is the server JVM itself, not the runuser/launcher wrapper around it
        assert "org.elasticsearch.bootstrap.Elasticsearch" in _cmdline(entry["pid"])
        assert entry["launcher_pid"] != entry["pid"]
    finally:
        services.stop(["elasticsearch"])

    assert services.status()["elasticsearch"]["running"] is False
    assert not Path(entry["data_dir"]).exists()
    with pytest.raises(ProcessLookupError):
        os.kill(entry["pid"], 0)
    assert services.es_health(url, timeout=1) is None


def test_the_persistent_node_keeps_its_data_across_stop_and_start_until_purged(
    es_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`services start --data-dir`, a document written, `stop` (the JVM ends, the data stays),
    `start` again: the document is there and commands find the node; `stop --purge` deletes it."""
    from crawlers.config import ElasticsearchConfig
    from govpatrol.services.discovery import load_app_config
    from pipelines.store import Store

    monkeypatch.setenv("GOVPATROL_RUN_DIR", str(tmp_path / "run"))
    monkeypatch.delenv("GOVPATROL_ES_URL", raising=False)
    parent = Path(tempfile.mkdtemp(prefix="govpatrol-test-data-"))  # pytest's tmp dirs are 0700
    parent.chmod(0o755)  # the unprivileged ES user traverses it
    data = parent / "es"
    try:
        assert _services("start", "--only", "elasticsearch", "--data-dir", str(data)) == 0
        first = services.status()["elasticsearch"]
        assert first["throwaway"] is False
        assert first["url"] != es_url
        assert "kept across restarts" in capsys.readouterr().out
        store = Store(ElasticsearchConfig(url=first["url"], index_prefix="govpatrol-keep"))
        store.ensure_indices()
        store.write_sweep({"id": "sweep-kept", "kind": "full", "as_of": "2025-03-31T10:00:00+08:00"})
        store.refresh()

        assert _services("stop", "--only", "elasticsearch") == 0
        with pytest.raises(ProcessLookupError):
            os.kill(first["pid"], 0)
        assert services.es_health(first["url"], timeout=1) is None
        assert (data / "data").is_dir(), "stop never deletes the persistent node's data"

        assert _services("start", "--only", "elasticsearch", "--data-dir", str(data)) == 0
        again = services.status()["elasticsearch"]
        assert again["data_dir"] == str(data.resolve())
        assert again["running"] is True
        config = load_app_config(None)  # no --es, no config, no environment: the recorded node
        assert (config.elasticsearch.url, config.es_url_from) == (again["url"], "services")
        store = Store(ElasticsearchConfig(url=again["url"], index_prefix="govpatrol-keep"))
        assert store.es.get(index=store.index_name("sweeps"), id="sweep-kept")["found"] is True
    finally:
        _services("stop", "--only", "elasticsearch", "--purge")
        purged = not data.exists()
        shutil.rmtree(parent, ignore_errors=True)
    assert purged, "stop --purge deletes the data directory"


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
