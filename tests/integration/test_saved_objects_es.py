"""The Kibana export against the mappings the real Elasticsearch holds after ``Store.ensure_indices``."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest

from crawlers.models import PageObservation
from govpatrol.cli import dashboards as cli_dashboards
from govpatrol.kibana import DEFAULT_NDJSON, KINDS, check_saved_objects, live_mappings
from pipelines.sinks import observation_doc
from pipelines.store import Store


def _probe_written(store: Store) -> None:
    """Observations are monthly indices created on first write: write one probe so one exists."""
    probe = PageObservation(
        target_id="site-1",
        url="https://www.example.gov.cn/",
        role="probe",
        fetched_at=datetime(2025, 3, 3, 8, 0, tzinfo=UTC),
        error="timeout",
        error_detail="homepage not loaded within 15 s",
        elapsed_ms=15000.0,
    )
    store.write_observations([observation_doc(probe, "probe-20250303T080000Z")])
    store.refresh()


def test_export_checks_out_against_the_live_mappings(store: Store) -> None:
    _probe_written(store)
    live = live_mappings(store.es, store.prefix)
    assert set(live) == set(KINDS)
    assert live["findings"]["owner"]["fields"]["keyword"]["type"] == "keyword"
    assert check_saved_objects(DEFAULT_NDJSON, live) == []


def test_a_kind_without_an_index_is_reported(store: Store) -> None:
    live = live_mappings(store.es, store.prefix)  # no observation written: no observations index
    assert "observations" not in live
    problems = check_saved_objects(DEFAULT_NDJSON, live)
    assert any("govpatrol-observations-dataview" in p and "no observations mapping" in p for p in problems)


def test_live_index_with_a_renamed_field_fails_the_check(store: Store) -> None:
    """An index created from an older (or edited) mapping is caught: here ``role`` is ``page_role``."""
    _probe_written(store)
    index = f"{store.prefix}-observations-2025.01"
    props = dict(live_mappings(store.es, store.prefix)["observations"])
    props["page_role"] = props.pop("role")
    store.es.indices.delete(index=f"{store.prefix}-observations-*")
    store.es.indices.delete_index_template(name=f"{store.prefix}-observations")
    store.es.indices.create(index=index, mappings={"dynamic": False, "properties": props})
    problems = check_saved_objects(DEFAULT_NDJSON, live_mappings(store.es, store.prefix))
    assert any("govpatrol-lens-probe-failures-over-time" in p and "'role'" in p for p in problems), problems


def test_cli_check_reads_the_live_mappings(
    store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _probe_written(store)
    monkeypatch.setenv("GOVPATROL_INDEX_PREFIX", store.prefix)
    parser = argparse.ArgumentParser()
    cli_dashboards.add_cli(parser.add_subparsers())
    args = parser.parse_args(["dashboards", "check", "--es", store.cfg.url])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "every field and reference checks out" in out
    assert store.prefix in out
