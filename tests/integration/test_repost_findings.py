"""The repost watch's findings on the real Elasticsearch: an account we could not read, or that had not
reposted by the deadline, has an ACCOUNT-REPOST-LATE finding; when a later check finds its repost made
within the deadline, those accounts' findings — and only theirs — are marked rectified."""

from __future__ import annotations

from datetime import datetime, timedelta

from crawlers.events import Event, RepostObservation, RepostPost
from crawlers.models import Target
from govpatrol.events import record_findings
from pipelines.judge import load_rules
from pipelines.rules.account_repost import judge_event
from pipelines.store import Store

RULES = load_rules()
TITLE = "苏州市防汛防旱指挥部关于启动防汛Ⅳ级应急响应的通告"
PUBLISHED = datetime.fromisoformat("2025-06-27T15:00:00+08:00")
H = timedelta(hours=1)
M = timedelta(minutes=1)
IDS = ("A1", "A2", "A3")


def account(tid: str) -> dict[str, object]:
    return Target(
        tid, "account", f"账号{tid}", "某单位", "江苏省苏州市", f"https://x/{tid}", "weibo"
    ).to_dict()


EVENT = Event("ev-1", TITLE, PUBLISHED, keywords=["防汛"], accounts=[account(t) for t in IDS])


def check(
    tid: str, at: datetime, reposted_after: timedelta | None, state: str = "latest"
) -> RepostObservation:
    posts = (
        []
        if reposted_after is None
        else [RepostPost(date=PUBLISHED + reposted_after, title=TITLE, url=f"https://x/{tid}/p")]
    )
    return RepostObservation(
        event_id=EVENT.id, target_id=tid, platform="weibo", url=f"https://x/{tid}", fetched_at=at, as_of=at,
        state=state, since=PUBLISHED, posts=posts, posts_seen=len(posts) + 1, oldest_seen=PUBLISHED - H,
        reason="captcha" if state == "unverified" else "",
    )  # fmt: skip


def findings(store: Store) -> dict[str, str]:
    store.refresh()
    docs = store.search_all("findings", {"term": {"indicator": "ACCOUNT-REPOST-LATE"}}, [{"id": "asc"}])
    return {d["target_id"]: d["status"] for d in docs}


def test_reposts_seen_later_rectify_those_accounts_findings_only(store: Store) -> None:
    first = PUBLISHED + 130 * M
    facts = [check("A1", first, None, "unverified"), check("A2", first, None), check("A3", first, None)]
    record_findings(store, {EVENT.id: judge_event(EVENT, facts, first, RULES)}, first, "sw-1")
    assert findings(store) == {"A1": "unverified", "A2": "open", "A3": "open"}

    later = PUBLISHED + 3 * H  # A1 readable now, A2's list longer: both reposted within the deadline
    facts += [check("A1", later, 100 * M), check("A2", later, 110 * M), check("A3", later, None)]
    record_findings(store, {EVENT.id: judge_event(EVENT, facts, later, RULES)}, later, "sw-2")
    assert findings(store) == {"A1": "rectified", "A2": "rectified", "A3": "open"}
