"""The content watch in the crawl: ``govpatrol sweep`` reads the simulated web's pages, attachments
and account posts, and raises every planted wrong expression and unmasked personal number, and
nothing else; the texts it stored are judged again without a crawl; and no full personal number
reaches anything the sweep writes -- JSON Lines, Elasticsearch, the log at DEBUG, the spool.

The sweep covers the planted site (CW01: pages, and PDF, DOCX, XLSX, DOC, XLS, a scanned PNG and a
scanned PDF on its 公示 page), a healthy site of the simulated web (its pages read, nothing raised),
and the active accounts of three platforms (two planted posts, one correct look-alike).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawlers.config import load_config
from crawlers.dates import BEIJING
from crawlers.models import Finding, Target
from crawlers.records import record_from_dict
from pipelines.judge import judge_site, load_rules
from pipelines.store import Store
from pipelines.stored import sweep_observations, text_from_doc
from simweb import contentwatch
from simweb.accounts import build_accounts
from simweb.server import SimulatedWeb, free_closed_port
from simweb.verify import SEC_INDICATORS, compare_content_watch, records_from_jsonl
from simweb.world import build_world
from tests.jsonl_runs import Run, run_to_jsonl

AS_OF = datetime(2024, 10, 1, 10, 0, tzinfo=BEIJING)
PLATFORMS = ["weibo", "bilibili", "douyin"]
HEALTHY = "S001"
FORMATS = {"html", "pdf", "docx", "xlsx", "doc", "xls", "image", "post"}


def targets_csv(web: SimulatedWeb, path: Path, sites: set[str]) -> Path:
    """The registry of ``sites`` and the active accounts (the planted posts and the look-alike)."""
    rows = web.write_targets_csv(path, content_watch=True).read_text(encoding="utf-8").splitlines()
    assert web.accounts is not None
    active = {a.target_id for a in web.accounts.accounts if a.case == "active"}
    keep = [r for r in rows[1:] if r.split(",", 1)[0] in sites | active]
    path.write_text("\n".join([rows[0], *keep]) + "\n", encoding="utf-8")
    return path


def sweep(targets: Path, config: Path, out: Path, kind: str = "full") -> Run:
    """``govpatrol sweep`` through the CLI, logging at DEBUG (the log is part of what is written)."""
    args = ["-m", "govpatrol", "sweep", "--targets", str(targets), "--as-of", AS_OF.isoformat()]
    args += ["--output", str(out), "--config", str(config), "--quiet", "--kind", kind]
    return run_to_jsonl(args, out, 600, env=dict(os.environ, GOVPATROL_LOG_LEVEL="DEBUG"))


def with_spool(config: Path, spool: Path) -> Path:
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[network]", f"spool_dir = {json.dumps(str(spool))}\n\n[network]", 1), "utf-8"
    )
    return config


@pytest.fixture(scope="module")
def swept(
    tmp_path_factory: pytest.TempPathFactory, es_url: str, measurements: dict[str, str]
) -> Iterator[dict[str, Any]]:
    """A full sweep into Elasticsearch, then a patrol while Elasticsearch is away (its spool)."""
    tmp = tmp_path_factory.mktemp("content-sweep")
    web = SimulatedWeb(build_world(AS_OF), accounts=build_accounts(AS_OF, platforms=PLATFORMS)).start()
    prefix = f"govpatrol-it-cw-{uuid.uuid4().hex[:8]}"
    spool = tmp / "spool"
    try:
        targets = targets_csv(web, tmp / "targets.csv", {contentwatch.TARGET_ID, HEALTHY})
        config = with_spool(web.write_config(tmp / "config.toml", es_url=es_url, index_prefix=prefix), spool)
        full = sweep(targets, config, tmp / "full.jsonl")
        away = f"http://127.0.0.1:{free_closed_port()}"
        away_config = with_spool(web.write_config(tmp / "away.toml", es_url=away, index_prefix=prefix), spool)
        patrol = sweep(targets, away_config, tmp / "patrol.jsonl", kind="patrol")
        truth = web.truth()
        store = Store(load_config(config).elasticsearch)
        store.refresh()
        record = next(r for r in full.records if r["type"] == "sweep")
        measurements["content watch sweep (CW01 + S001 + 3 accounts)"] = (
            f"{record['requests']} requests, {record['observations']} observations, {record['elapsed_s']:.1f} s"
        )
        yield {"truth": truth, "full": full, "patrol": patrol, "store": store, "tmp": tmp, "spool": spool}
        store.delete_indices()
    finally:
        web.stop()


def content_truth(truth: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    """The truth of the targets swept: the planted site and the accounts judged."""
    judged = {f.target_id for f in findings} | {contentwatch.TARGET_ID}
    return {
        "content_watch": truth["content_watch"],
        "accounts": {k: v for k, v in truth["accounts"].items() if k in judged},
    }


def texts_stored(store: Store, sweep_id: str) -> list[dict[str, Any]]:
    return store.observations_of_sweep(sweep_id, ("text",))


def test_the_full_sweep_raises_every_planted_hit_and_nothing_else(swept: dict[str, Any]) -> None:
    findings, summaries, _ = records_from_jsonl(swept["full"].records)
    truth = content_truth(swept["truth"], findings)
    assert compare_content_watch(truth, findings) == []
    raised = [f for f in findings if f.indicator in SEC_INDICATORS and f.status == "pending_review"]
    planted = len(truth["content_watch"][contentwatch.TARGET_ID]["expect"])
    planted += sum(len(a["content_watch"]) for a in truth["accounts"].values())
    assert planted >= 20
    assert len(raised) == planted
    assert not [f for f in findings if f.target_id == HEALTHY and f.indicator in SEC_INDICATORS]
    # hits wait for a person: none is an open finding, so none decides a verdict by itself (CW01
    # fails on its own site checks: no interaction channel, no site search)
    assert not [f for f in findings if f.indicator in SEC_INDICATORS and f.status == "open"]
    cw01 = {f.indicator for f in findings if f.target_id == contentwatch.TARGET_ID and f.status == "open"}
    assert {s.target_id: s.verdict for s in summaries}[contentwatch.TARGET_ID] == ("fail" if cw01 else "pass")


def test_every_page_attachment_and_post_is_read_in_its_format(swept: dict[str, Any]) -> None:
    findings, _, sweeps = records_from_jsonl(swept["full"].records)
    texts = texts_stored(swept["store"], sweeps[0]["id"])
    by_url = {t["url"]: t for t in texts}
    cw = swept["truth"]["content_watch"][contentwatch.TARGET_ID]
    for url in cw["pages"]:
        assert by_url[url]["kind"] == "page", url
        assert by_url[url]["extraction"] == "ok", url
    for attachment in cw["attachments"]:
        text = by_url[attachment["url"]]
        assert (text["kind"], text["found_on"]) == ("attachment", attachment["found_on"])
    scans = [u for u, t in by_url.items() if t["ocr"]]
    assert sorted(u.rsplit("/", 1)[1] for u in scans) == ["saomiao.pdf", "saomiao.png"]
    assert {t["format"] for t in texts} >= FORMATS - {"post"}
    healthy = [t for t in texts if t["target_id"] == HEALTHY]
    assert len(healthy) > 50  # the healthy site's homepage, columns and the pages its links lead to
    assert {t["kind"] for t in healthy} == {"page"}
    accounts = swept["store"].observations_of_sweep(sweeps[0]["id"], ("account",))
    posts = [p for a in accounts for p in a["posts"]]
    assert posts
    assert all(p["format"] == "post" and p["digest"] for p in posts)


def test_stored_texts_are_judged_again_without_a_crawl(swept: dict[str, Any], tmp_path: Path) -> None:
    findings, _, sweeps = records_from_jsonl(swept["full"].records)
    cw01 = Target(contentwatch.TARGET_ID, "site", contentwatch.NAME, contentwatch.OWNER, "", "")
    site = sweep_observations(swept["store"], sweeps[0]["id"], [cw01])[cw01.id]
    swept_ids = {f.id for f in findings if f.target_id == cw01.id and f.indicator in SEC_INDICATORS}
    again, _ = judge_site(site, AS_OF, load_rules())
    assert {f.id for f in again if f.indicator in SEC_INDICATORS} == swept_ids
    office = tmp_path / "office.toml"
    office.write_text('["SITE-SEC-PRIVACY"]\nkinds = ["id_card"]\n', encoding="utf-8")
    narrower, _ = judge_site(site, AS_OF, load_rules(office))
    kinds = {
        f.evidence["personal_kind"] for f in narrower if f.indicator == "SITE-SEC-PRIVACY" and f.fingerprint
    }
    assert kinds == {"id_card"}


def test_text_documents_keep_the_masked_text_unindexed(swept: dict[str, Any]) -> None:
    _, _, sweeps = records_from_jsonl(swept["full"].records)
    texts = texts_stored(swept["store"], sweeps[0]["id"])
    assert all("text" not in t and "digest" in t for t in texts)
    masked = [t for t in texts if t["privacy"]]
    assert masked
    assert all("****" in t["content"] for t in masked)
    mapping = swept["store"].es.indices.get_mapping(index=f"{swept['store'].prefix}-observations-*")
    (index,) = mapping.body.values()
    assert index["mappings"]["properties"]["content"] == {"type": "text", "index": False}


def test_a_patrol_with_elasticsearch_away_spools_the_masked_texts(swept: dict[str, Any]) -> None:
    patrol = swept["patrol"]
    assert "records wait for Elasticsearch in" in patrol.stderr
    spooled = [p for p in swept["spool"].rglob("*") if p.is_file()]
    assert spooled
    assert any('"doc_type": "text"' in p.read_text("utf-8", "replace") for p in spooled)
    findings, _, _ = records_from_jsonl(patrol.records)
    # no memory to ask: a first patrol reads every page linked from the homepage, and their files
    raised = {f.subject_url for f in findings if f.indicator == "SITE-SEC-PRIVACY" and f.fingerprint}
    assert any(url.endswith("mingdan.pdf") for url in raised)


def test_no_full_personal_number_in_anything_the_sweeps_wrote(swept: dict[str, Any]) -> None:
    store: Store = swept["store"]
    hits = store.es.search(index=f"{store.prefix}-*", size=10000, query={"match_all": {}})["hits"]["hits"]
    record = next(r for r in swept["full"].records if r["type"] == "sweep")
    assert len(hits) >= record["observations"] > 300  # every observation the full sweep stored
    assert any(h["_source"].get("doc_type") == "text" for h in hits)
    written = {
        "elasticsearch": json.dumps([h["_source"] for h in hits], ensure_ascii=False),
        "full sweep log (DEBUG)": swept["full"].stderr,
        "patrol log (DEBUG)": swept["patrol"].stderr,
    }
    for path in swept["tmp"].rglob("*"):  # JSON Lines, spool, configs, anything else written there
        if path.is_file():
            written[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    assert len(swept["full"].stderr) > 100_000  # the DEBUG log is there, items and all
    assert sum("****" in text for text in written.values()) >= 4  # masked forms in every output
    for number in contentwatch.planted_numbers():
        for where, text in written.items():
            assert number not in text, f"full number {number[:4]}... in {where}"


def test_text_records_round_trip_as_facts(swept: dict[str, Any]) -> None:
    """What the sweep stored rebuilds into the same kind of record the spiders yield."""
    _, _, sweeps = records_from_jsonl(swept["full"].records)
    (doc,) = [t for t in texts_stored(swept["store"], sweeps[0]["id"]) if t["url"].endswith("mingdan.xlsx")]
    text = text_from_doc(doc)
    assert text.format == "xlsx"
    assert text.pages == 2
    assert "\f" in text.text
    assert record_from_dict(type(text), text.to_dict()) == text
