"""Replay: the observations a sweep stored in Elasticsearch, judged again under another indicator file.

One real sweep of five simulated sites writes its observations to Elasticsearch; the simulated web
is then stopped, so nothing below can crawl. Read back, the same facts judged under the shipped
indicator data give exactly the sweep's findings, and judged under an office's override give the
findings that override implies: column thresholds, a dead-link confirmation status, the column
categories and the soft-404 phrases all change the verdicts.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawlers.config import load_config
from crawlers.models import Finding
from crawlers.registry import load_targets
from pipelines.judge import judge_site, load_rules
from pipelines.store import Store
from pipelines.stored import sweep_observations
from simweb.server import SimulatedWeb
from simweb.world import build_world
from tests.jsonl_runs import sweep_to_jsonl

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
STALE_A, EMPTY_C, DEAD, SPACED_FRESH, SPACED_STALE = "S013", "S016", "S018", "S034", "S035"
SITES = (STALE_A, EMPTY_C, DEAD, SPACED_FRESH, SPACED_STALE)
COLUMN_STALE, POLICY = "SITE-VETO-COLUMN-STALE", "SITE-DED-POLICY-STALE"
DEAD_HOME, DEAD_OTHER = "SITE-DED-DEAD-LINK-HOME", "SITE-DED-DEAD-LINK"


@pytest.fixture(scope="module")
def stored(tmp_path_factory, es_url) -> Any:
    tmp = tmp_path_factory.mktemp("replay")
    web = SimulatedWeb(build_world(AS_OF)).start()
    prefix = f"govpatrol-it-{uuid.uuid4().hex[:8]}"
    try:
        every = web.write_targets_csv(tmp / "all.csv").read_text(encoding="utf-8").splitlines()
        targets = tmp / "targets.csv"
        targets.write_text("\n".join([every[0], *(r for r in every[1:] if r.split(",")[0] in SITES)]) + "\n")
        config = web.write_config(tmp / "config.toml", es_url=es_url, index_prefix=prefix)
        run = sweep_to_jsonl(targets, config, AS_OF, tmp / "sweep.jsonl")
    finally:
        web.stop()  # from here on nothing can be crawled
    store = Store(load_config(config).elasticsearch)
    sweep_id = next(r["id"] for r in run.records if r["type"] == "sweep")
    registry = load_targets(targets)
    yield {
        "observed": sweep_observations(store, sweep_id, registry),
        "findings": [r for r in run.records if r["type"] == "finding"],
        "tmp": tmp,
    }
    store.delete_indices()


def judge_all(stored: dict[str, Any], override: str | None = None) -> list[Finding]:
    rules = load_rules(override)
    return [f for site in stored["observed"].values() for f in judge_site(site, AS_OF, rules)[0]]


def override(stored: dict[str, Any], name: str, text: str) -> str:
    path: Path = stored["tmp"] / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def hits(findings: list[Finding], indicator: str, target: str, **match: Any) -> list[Finding]:
    return [
        f
        for f in findings
        if f.indicator == indicator
        and f.target_id == target
        and all(getattr(f, k) == v for k, v in match.items())
    ]


def key(f: Finding | dict[str, Any]) -> tuple[Any, ...]:
    get = f.get if isinstance(f, dict) else lambda name: getattr(f, name)
    return (get("id"), get("status"), get("level"), get("severity"), round(float(get("points")), 6))


def test_the_stored_facts_judged_again_give_exactly_the_sweeps_findings(stored):
    assert sorted(stored["observed"]) == sorted(SITES)
    assert sorted(key(f) for f in judge_all(stored)) == sorted(key(f) for f in stored["findings"])


def test_the_spaced_policy_column_is_found_and_its_healthy_look_alike_is_not(stored):
    findings = judge_all(stored)
    (stale,) = hits(findings, POLICY, SPACED_STALE, level="violation")
    assert stale.evidence["name"] == "政 策 文 件"
    assert hits(findings, POLICY, SPACED_FRESH) == []


def test_a_column_threshold_changes_the_column_findings(stored):
    assert hits(judge_all(stored), COLUMN_STALE, STALE_A, subject="a", level="violation")
    relaxed = override(stored, "news", '["SITE-VETO-COLUMN-STALE"]\nnews_idle_days = 60\n')
    after = hits(judge_all(stored, relaxed), COLUMN_STALE, STALE_A, subject="a")
    assert all(f.level == "warning" for f in after)  # the 25-40 day news columns count no more


def test_a_dead_link_confirmation_status_changes_the_dead_link_findings(stored):
    confirmed = hits(judge_all(stored), DEAD_HOME, DEAD, level="violation")
    assert any(f.evidence["status"] == 404 for f in confirmed)
    only_410 = override(stored, "status", "[dead_links]\nconfirmed_statuses = [410]\n")
    after = judge_all(stored, only_410)
    for f in confirmed:
        if f.evidence["status"] == 404:  # now only suspected: an early warning with no points
            (again,) = [g for g in hits(after, DEAD_HOME, DEAD) if g.subject == f.subject]
            assert (again.level, again.points, again.evidence["confirmed"]) == ("warning", 0.0, False)


def test_the_column_categories_change_the_column_findings(stored):
    before = hits(judge_all(stored), COLUMN_STALE, STALE_A, subject="a")
    assert before
    categories = override(stored, "categories", '[columns]\nnews = ["要闻"]\n')  # 动态 columns become "other"
    after = hits(judge_all(stored, categories), COLUMN_STALE, STALE_A, subject="a")
    assert sum(f.evidence["count"] for f in after) < sum(f.evidence["count"] for f in before)
    assert all(c["category"] != "news" or "要闻" in c["name"] for f in after for c in f.evidence["columns"])


def test_the_empty_column_count_and_the_soft404_phrases_are_judged_at_replay_too(stored):
    (empty,) = hits(judge_all(stored), COLUMN_STALE, EMPTY_C, subject="c", level="violation")
    soft = [f for f in hits(judge_all(stored), DEAD_HOME, DEAD) + hits(judge_all(stored), DEAD_OTHER, DEAD)]
    soft = [f for f in soft if f.evidence["soft404"]]
    assert soft
    text = '["SITE-VETO-COLUMN-STALE"]\nempty_count_veto = 6\n[markers]\nsoft404_phrases = []\nsoft404_title_phrases = []\n'
    after = judge_all(stored, override(stored, "words", text))
    (again,) = hits(after, COLUMN_STALE, EMPTY_C, subject="c")
    assert (again.level, again.evidence["count"]) == ("warning", empty.evidence["count"])
    still = {f.subject for f in hits(after, DEAD_HOME, DEAD) + hits(after, DEAD_OTHER, DEAD)}
    assert not {f.subject for f in soft} & still  # with no phrase, a 200 page is no soft-404
