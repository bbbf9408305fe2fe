"""Items travel from a worker to the coordinator as JSON and come back equal, never as pickle;
the distributed settings load from the config; the scheduler can hand its sweeps to workers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from crawlers import html as html_facts
from crawlers import links
from crawlers.config import ConfigError, load_config
from crawlers.events import EventWatch, RepostObservation, RepostPost
from crawlers.listpage import extract_list
from crawlers.models import PageObservation, TargetDone
from govpatrol.distributed.codec import (
    CodecError,
    decode_items,
    decode_target,
    encode_item,
    encode_items,
    encode_target,
)
from govpatrol.distributed.plan import SweepPlan
from scheduler.jobs import job_argv
from tests.unit import factories

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "listpages"


def page_from_fixture(name: str) -> PageObservation:
    """A column observation built from a recorded list page, as the site spider builds it."""
    folder = FIXTURES / name
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    html = (folder / "input.html").read_text(encoding="utf-8")
    now = datetime.fromisoformat(meta["now"])
    found = extract_list(html, meta["base_url"], now)
    root = html_facts.parse(html)
    return PageObservation(
        target_id="S001",
        url=meta["base_url"],
        role="column",
        fetched_at=now,
        status=200,
        elapsed_ms=12.5,
        final_url=meta["base_url"],
        redirects=[meta["base_url"] + "?from=nav"],
        title=html_facts.page_title(root),
        items=found.items,
        item_count=found.item_count,
        newest=found.newest,
        links=links.extract_links(root, meta["base_url"]),
        column_name="通知公告",
        column_level=1,
        text_chars=120,
        text_excerpt="通知公告 暂无信息",
    )


def test_a_real_list_page_observation_round_trips_with_its_dates_and_links():
    obs = page_from_fixture("govcn_list")
    assert obs.items
    assert obs.links
    assert obs.newest is not None
    (back,) = decode_items(encode_items([obs]))
    assert back == obs
    assert isinstance(back, PageObservation)
    assert back.newest is not None
    assert back.newest.date.utcoffset() == obs.newest.date.utcoffset()
    assert type(back.items[0]).__name__ == "DatedItem"
    assert type(back.links[0]).__name__ == "LinkRef"


def test_every_item_kind_of_one_target_round_trips_in_order():
    items = [
        factories.homepage(),
        *factories.columns(2, "news"),
        factories.dead_link("https://www.example.gov.cn/gone.html"),
        factories.account(post_days=[1, 3, 9]),
        factories.account(None, state="gone"),
        TargetDone(target_id="site-001", requests=17),
    ]
    assert decode_items(encode_items(items)) == items


def test_targets_and_plans_round_trip():
    site, acct = factories.target(), factories.account_target()
    assert decode_target(encode_target(site)) == site
    plan = SweepPlan("full-x", factories.AS_OF, "full", [site, acct])
    back = SweepPlan.from_json(plan.to_json())
    assert (back.sweep_id, back.as_of, back.mode, back.targets) == (
        "full-x",
        factories.AS_OF,
        "full",
        [site, acct],
    )


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        '{"type": "TargetDone"}',
        '[{"type": "Finding", "data": {}}]',  # judgments are never accepted from a worker
        '[{"type": "TargetDone", "data": {"target_id": "S1", "exec": "x"}}]',
        '[{"type": "PageObservation", "data": {"target_id": "S1"}}]',  # required fields missing
        '[{"type": "LinkCheck", "data": {"target_id": "S1", "url": "u", "kind": "page", '
        '"found_on": [], "on_homepage": true, "checked_at": "yesterday"}}]',
    ],
)
def test_anything_but_our_records_is_refused(payload):
    with pytest.raises(CodecError):
        decode_items(payload)


def test_only_crawl_items_are_encoded():
    with pytest.raises(CodecError):
        encode_item(factories.target())


def test_distributed_section_loads_with_defaults_and_checks_types(tmp_path):
    assert load_config(None).distributed.lease_seconds == 30
    path = tmp_path / "c.toml"
    path.write_text(
        '[distributed]\nredis_url = "redis://127.0.0.1:7000/1"\nlease_seconds = 6\nheartbeat_seconds = 1\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert (config.distributed.redis_url, config.distributed.lease_seconds) == (
        "redis://127.0.0.1:7000/1",
        6.0,
    )
    path.write_text('[distributed]\ntargets_in_flight = "many"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="targets_in_flight"):
        load_config(path)


def test_the_scheduler_runs_distributed_sweeps_when_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("GOVPATROL_SCHEDULER_COMMAND", raising=False)
    (tmp_path / "sites.csv").write_text("id,kind,name,owner,region,url\n", encoding="utf-8")
    path = tmp_path / "govpatrol.toml"
    when = datetime.fromisoformat("2025-04-01T02:00:00+08:00")
    path.write_text('[scheduler]\ntargets = "sites.csv"\n', encoding="utf-8")
    assert "--distributed" not in job_argv("patrol", load_config(path), when)
    path.write_text('[scheduler]\ntargets = "sites.csv"\ndistributed = true\n', encoding="utf-8")
    config = load_config(path)
    assert "--distributed" in job_argv("patrol", config, when)
    assert "--distributed" in job_argv("full", config, when)
    assert "--distributed" not in job_argv("probe", config, when)


def test_the_repost_watch_travels_with_the_plan_and_its_facts_come_back():
    since = factories.AS_OF - timedelta(hours=3)
    watch = EventWatch("ev-1", since, ("acct-001",))
    plan = SweepPlan("patrol-x", factories.AS_OF, "patrol", [factories.account_target()], (watch,))
    assert SweepPlan.from_json(plan.to_json()).watches == (watch,)
    post = RepostPost(date=since + timedelta(minutes=25), title="转发：通告", text="通告全文", url="https://x/p1",
                      links=["https://www.gov.cn/a.html"])  # fmt: skip
    fact = RepostObservation(event_id="ev-1", target_id="acct-001", platform="weibo", url="https://x",
                             fetched_at=factories.AS_OF, as_of=factories.AS_OF, state="latest", since=since,
                             posts=[post], posts_seen=8, oldest_seen=since - timedelta(days=2))  # fmt: skip
    assert decode_items(encode_items([fact])) == [fact]
