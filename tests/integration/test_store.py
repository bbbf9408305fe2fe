"""The Elasticsearch store against a real node: mappings from the files, upserts, monthly indices."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from crawlers.config import ElasticsearchConfig
from crawlers.models import (
    AccountObservation,
    DatedItem,
    Finding,
    LinkCheck,
    PageObservation,
    TargetSummary,
    TextObservation,
)
from govpatrol.services import _free_port
from pipelines.essink import ElasticsearchSink
from pipelines.sinks import observation_doc
from pipelines.store import KINDS, BulkWriteError, Store, StoreUnavailable, load_template
from tests.unit.factories import AS_OF, HOME, homepage


def finding(**changes: object) -> Finding:
    fields: dict[str, object] = {
        "target_id": "site-001",
        "indicator": "SITE-VETO-HOME-STALE",
        "severity": "veto",
        "status": "open",
        "subject_url": HOME,
        "evidence": {"newest_date": "2024-09-01", "days": 21},
        "as_of": AS_OF,
        "message": "首页栏目超过2周未更新",
        "target_name": "某某市人民政府",
        "sweep_id": "sweep-1",
    }
    fields |= changes
    return Finding(**fields)  # type: ignore[arg-type]


def live_properties(store: Store, index: str) -> dict:
    mapping = store.es.indices.get_mapping(index=index)
    (body,) = mapping.body.values()
    return body["mappings"]


def test_templates_from_the_mapping_files_create_typed_indices(store: Store) -> None:
    store.write_observations([observation_doc(homepage(), "sweep-1")])
    for kind in KINDS:
        index = store.index_name(kind, AS_OF)
        expected = load_template(kind, store.prefix)["template"]["mappings"]["properties"]
        live = live_properties(store, index)
        assert live["properties"] == expected, kind
        assert live["dynamic"] == "false", kind
        settings = store.es.indices.get_settings(index=index).body[index]["settings"]["index"]
        assert (settings["number_of_shards"], settings["number_of_replicas"]) == ("1", "0")

    props = live_properties(store, store.index_name("findings"))["properties"]
    assert props["target_id"]["type"] == "keyword"
    assert props["as_of"]["type"] == "date"
    assert props["points"]["type"] == "float"
    assert props["evidence"] == {"type": "object", "enabled": False}
    assert props["message"]["type"] == "text"
    assert props["message"]["fields"]["keyword"]["type"] == "keyword"
    obs = live_properties(store, store.index_name("observations", AS_OF))["properties"]
    assert obs["doc_type"]["type"] == "keyword"
    assert obs["newest_date"]["type"] == "date"
    assert obs["items"]["enabled"] is False
    assert obs["links"]["enabled"] is False


def test_every_record_field_is_mapped() -> None:
    page = {f.name for f in dataclasses.fields(PageObservation)} - {"newest"}
    newest = {f"newest_{f.name}" for f in dataclasses.fields(DatedItem) if f.name != "pinned"}
    expected = {
        "findings": {f.name for f in dataclasses.fields(Finding)} | {"id"},
        "targets": {f.name for f in dataclasses.fields(TargetSummary)},
        "observations": page
        | newest
        | {f.name for f in dataclasses.fields(LinkCheck)}
        | {f.name for f in dataclasses.fields(AccountObservation)}
        | {f.name for f in dataclasses.fields(TextObservation)},
    }
    for kind, fields in expected.items():
        props = load_template(kind, "x")["template"]["mappings"]["properties"]
        assert not fields - set(props), f"{kind}: unmapped fields {fields - set(props)}"


def test_an_account_observation_is_stored_with_its_typed_fields(store: Store) -> None:
    latest = AS_OF - timedelta(days=20)
    obs = AccountObservation(
        target_id="A001",
        platform="douyin",
        url="https://www.douyin.com/user/MS4wLjABAAAAexample",
        fetched_at=AS_OF,
        state="latest",
        latest=latest,
        latest_post={"id": "7400000000000000009", "pinned": False, "source": "captured"},
        post_dates=[latest, latest - timedelta(days=3)],
        evidence={"url": "https://www.douyin.com/user/MS4wLjABAAAAexample", "captured": 1},
        name="苏州发布",
        requests=1,
        browser=True,
        elapsed_ms=812.5,
    )
    store.write_observations([observation_doc(obs, "sweep-1")])
    store.refresh()

    index = f"{store.prefix}-observations-*"
    query = {"bool": {"filter": [{"term": {"doc_type": "account"}}, {"term": {"state": "latest"}}]}}
    hits = store.es.search(index=index, query=query).body["hits"]["hits"]
    assert [h["_source"]["target_id"] for h in hits] == ["A001"]
    stale = {"range": {"latest": {"lt": (AS_OF - timedelta(days=14)).isoformat()}}}
    assert store.es.count(index=index, query=stale).body["count"] == 1
    assert store.es.count(index=index, query={"term": {"browser": True}}).body["count"] == 1
    props = live_properties(store, store.index_name("observations", AS_OF))["properties"]
    assert (props["platform"]["type"], props["post_dates"]["type"]) == ("keyword", "date")
    targets = live_properties(store, store.index_name("targets"))["properties"]
    assert (targets["state"]["type"], targets["platform"]["type"]) == ("keyword", "keyword")


def test_a_second_sweep_updates_the_finding_and_keeps_first_seen(store: Store) -> None:
    later = AS_OF + timedelta(hours=2)
    store.upsert_findings([finding()])
    store.upsert_findings(
        [finding(as_of=later, sweep_id="sweep-2", status="rectified", evidence={"days": 0})]
    )
    store.refresh()

    (doc,) = store.search_findings()
    assert doc["id"] == finding().id
    assert datetime.fromisoformat(doc["first_seen"]) == AS_OF
    assert datetime.fromisoformat(doc["last_seen"]) == later
    assert (doc["sweep_id"], doc["status"]) == ("sweep-2", "rectified")
    assert doc["evidence"] == {"days": 0}, "evidence is replaced, not merged with the old one"
    assert doc["message"] == "首页栏目超过2周未更新"


def test_observations_go_to_the_index_of_their_month(store: Store) -> None:
    september = homepage()
    october = homepage(fetched_at=datetime(2024, 10, 8, 9, 0, tzinfo=AS_OF.tzinfo))
    link = LinkCheck(
        target_id="site-001",
        url=f"{HOME}gone.html",
        kind="page",
        found_on=[HOME],
        on_homepage=True,
        checked_at=AS_OF,
        status=404,
        internal=True,
    )
    docs = [observation_doc(o, "sweep-1") for o in (september, october, link)]
    store.write_observations(docs)
    store.write_observations(docs)  # a retried write does not duplicate facts
    store.refresh()

    assert store.count("observations") == 3
    sept = store.es.search(index=f"{store.prefix}-observations-2024.09", size=10).body["hits"]["hits"]
    octo = store.es.search(index=f"{store.prefix}-observations-2024.10", size=10).body["hits"]["hits"]
    assert sorted(h["_source"]["doc_type"] for h in sept) == ["link", "page"]
    assert [h["_source"]["doc_type"] for h in octo] == ["page"]
    in_site = store.es.count(index=f"{store.prefix}-observations-*", query={"term": {"internal": True}}).body[
        "count"
    ]
    assert in_site == 1


def test_search_findings_filters_by_sweep_target_indicator_and_status(store: Store) -> None:
    store.upsert_findings(
        [
            finding(),
            finding(target_id="site-002"),
            finding(indicator="SITE-DED-DEAD-LINK", subject=f"{HOME}a.html", severity="deduction"),
            finding(target_id="site-003", status="unverified", sweep_id="sweep-9"),
        ]
    )
    store.refresh()

    assert len(store.search_findings()) == 4
    assert {d["target_id"] for d in store.search_findings(target_id="site-001")} == {"site-001"}
    assert len(store.search_findings(target_id="site-001")) == 2
    assert [d["indicator"] for d in store.search_findings(indicator="SITE-DED-DEAD-LINK")] == [
        "SITE-DED-DEAD-LINK"
    ]
    assert [d["target_id"] for d in store.search_findings(status="unverified")] == ["site-003"]
    assert [d["target_id"] for d in store.search_findings(sweep_id="sweep-9")] == ["site-003"]
    assert store.search_findings(sweep_id="sweep-9", status="open") == []


def test_latest_target_summary_wins_and_sweeps_are_stored(store: Store) -> None:
    first = TargetSummary("site-001", "site", "fail", None, None, name="某某市人民政府", sweep_id="s1")
    second = dataclasses.replace(first, verdict="pass", latest_update=AS_OF, sweep_id="s2")
    store.write_targets([first])
    store.write_targets([second])
    store.write_sweep({"id": "s2", "kind": "patrol", "as_of": AS_OF.isoformat()})
    store.refresh()

    assert store.count("targets") == 1
    doc = store.es.get(index=store.index_name("targets"), id="site-001").body["_source"]
    assert (doc["verdict"], doc["sweep_id"]) == ("pass", "s2")
    assert store.count("sweeps") == 1


def test_bulk_write_reports_the_rejected_document_and_keeps_the_others(store: Store) -> None:
    good = observation_doc(homepage(), "sweep-1")
    bad = observation_doc(homepage(url=f"{HOME}bad.html"), "sweep-1")
    bad["status"] = "not-a-number"

    with pytest.raises(BulkWriteError) as caught:
        store.write_observations([good, bad])
    store.refresh()

    (failure,) = caught.value.failures
    assert failure["type"] == "document_parsing_exception"
    assert "status" in failure["reason"]
    assert failure["index"] == f"{store.prefix}-observations-2024.09"
    assert failure["id"] in str(caught.value)
    assert store.count("observations") == 1


def test_unreachable_cluster_raises_store_unavailable_without_credentials() -> None:
    port = _free_port(0)
    store = Store(ElasticsearchConfig(url=f"http://inspector:s3cret@127.0.0.1:{port}"))

    with pytest.raises(StoreUnavailable) as caught:
        store.health()
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "s3cret" not in str(caught.value)
    assert "s3cret" not in repr(store)


def test_elasticsearch_sink_writes_in_batches_and_on_close(store: Store) -> None:
    sink = ElasticsearchSink(store, batch_size=2)
    sink.write_finding(finding())
    sink.write_finding(finding(target_id="site-002"))  # the batch is full: written now
    sink.write_finding(finding(target_id="site-003"))
    store.refresh()
    assert store.count("findings") == 2

    sink.write_target(TargetSummary("site-003", "site", "fail", None, None))
    sink.close()
    store.refresh()
    assert store.count("findings") == 3
    assert store.count("targets") == 1
