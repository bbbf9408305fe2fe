"""Every command finds Elasticsearch the same way: --es, the config file, GOVPATROL_ES_URL, then the
node `govpatrol services start` recorded. A URL the user named is never swapped for another."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from govpatrol.cli import main
from govpatrol.services.discovery import load_app_config, recorded_node
from pipelines.store import Store


@pytest.fixture
def recorded(es_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run dir whose state names the running node (as `services start` writes it), no env URL."""
    run = tmp_path / "run"
    run.mkdir()
    (run / "state.json").write_text(json.dumps({"elasticsearch": {"pid": 1, "url": es_url}}))
    monkeypatch.setenv("GOVPATROL_RUN_DIR", str(run))
    monkeypatch.delenv("GOVPATROL_ES_URL", raising=False)
    return run


def test_the_order_is_es_option_config_environment_recorded_node(
    recorded: Path, es_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = tmp_path / "office.toml"
    config_file.write_text('[elasticsearch]\nurl = "http://es.office:9200"\n', encoding="utf-8")
    plain = tmp_path / "plain.toml"
    plain.write_text("[crawl]\nconcurrency = 4\n", encoding="utf-8")

    assert load_app_config(None).elasticsearch.url == es_url
    assert load_app_config(str(plain)).es_url_from == "services"
    monkeypatch.setenv("GOVPATROL_ES_URL", "http://es.env:9200")
    assert (load_app_config(str(plain)).elasticsearch.url, load_app_config(None).es_url_from) == (
        "http://es.env:9200",
        "env",
    )
    assert load_app_config(str(config_file)).elasticsearch.url == "http://es.office:9200"
    chosen = load_app_config(str(config_file), "http://es.cli:9200")
    assert (chosen.elasticsearch.url, chosen.es_url_from) == ("http://es.cli:9200", "--es")


def test_without_a_recorded_node_the_default_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVPATROL_RUN_DIR", str(tmp_path / "empty"))
    monkeypatch.delenv("GOVPATROL_ES_URL", raising=False)
    config = load_app_config(None)
    assert (config.elasticsearch.url, config.es_url_from) == ("http://127.0.0.1:9200", "default")


def test_a_state_file_written_by_another_user_is_not_trusted(recorded: Path) -> None:
    assert recorded_node() is not None
    os.chown(recorded / "state.json", 65534, 65534)  # nobody
    assert recorded_node() is None


def test_commands_use_the_recorded_node_without_any_export(
    recorded: Path, store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GOVPATROL_INDEX_PREFIX", store.prefix)
    assert main(["findings", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out or "[]") == []


def test_a_named_url_that_does_not_answer_is_never_replaced(
    recorded: Path, es_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["findings", "--es", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert "http://127.0.0.1:9 comes from --es" in err
    assert f"the local node `govpatrol services start` runs at {es_url}" in err
