"""The findings lifecycle (pipelines.lifecycle): what a sweep's findings do to the findings on record.

Findings come from the real judge over the factories' observations, so the ids, indicators and
evidence are the ones a sweep produces.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from crawlers.models import Finding, SiteObservations, Target
from pipelines.judge import judge_account, judge_site, load_rules
from pipelines.lifecycle import (
    SweepLifecycle,
    covers,
    finding_from_dict,
    reconcile,
)
from tests.unit.factories import (
    AS_OF,
    HOME,
    account,
    account_target,
    column,
    columns,
    dead_link,
    homepage,
    site,
)

RULES = load_rules()
FIRST = AS_OF - timedelta(days=3)  # the sweep that found the problems
HOME_STALE = "SITE-VETO-HOME-STALE"
COLUMN_STALE = "SITE-VETO-COLUMN-STALE"
DEAD_HOME = "SITE-DED-DEAD-LINK-HOME"
NO_UPDATE = "ACCOUNT-VETO-NO-UPDATE"
GONE_URL = f"{HOME}home/gone.html"


def judged_site(obs: SiteObservations, when: datetime = AS_OF) -> list[Finding]:
    return judge_site(obs, when, RULES)[0]


def stamped(findings: list[Finding], sweep_id: str, when: datetime) -> list[Finding]:
    """What the sweep recorder does before reconciling: this sweep's id and time."""
    for f in findings:
        f.sweep_id, f.first_seen, f.last_seen = sweep_id, f.first_seen or when, when
    return findings


def on_record(target: Target, observed: Any, findings: list[Finding]) -> list[dict[str, Any]]:
    """The stored documents after a first full sweep at FIRST that found ``findings``."""
    first = SweepLifecycle([], {"id": "full-1", "kind": "full"}, FIRST)
    written = first.target(target, observed, stamped(findings, "full-1", FIRST))
    return [f.to_dict() for f in written]


def stale_site() -> SiteObservations:
    """Homepage idle 20 days, one dead homepage link, too many empty columns."""
    return site(
        home=homepage(20.0),
        cols=columns(5, "news", empty=True),
        links=[dead_link(GONE_URL)],
    )


def by(findings: list[Finding], indicator: str) -> Finding:
    (found,) = [f for f in findings if f.indicator == indicator]
    return found


def indicators(findings: list[Finding]) -> set[str]:
    return {f.indicator for f in findings}


# ------------------------------------------------------------------------------- coverage


def test_a_patrol_covers_the_homepage_and_accounts_not_columns() -> None:
    assert covers("patrol", HOME_STALE)
    assert covers("patrol", DEAD_HOME)
    assert covers("patrol", NO_UPDATE)
    assert not covers("patrol", COLUMN_STALE)
    assert not covers("patrol", "SITE-DED-DEAD-LINK")
    assert covers("full", COLUMN_STALE)
    assert covers("recheck", COLUMN_STALE)


def test_no_sweep_can_rectify_the_unreachable_veto_of_the_weekly_roll_up() -> None:
    assert not any(covers(kind, "SITE-VETO-UNREACHABLE") for kind in ("patrol", "full", "recheck"))


# ------------------------------------------------------------------------------- new findings


def test_first_sweep_opens_every_finding_with_one_history_entry() -> None:
    obs = stale_site()
    current = stamped(judged_site(obs), "full-1", FIRST)
    result = reconcile([], current, lambda doc: True, {"id": "full-1", "kind": "full"}, FIRST)
    assert sorted(result.opened) == sorted(f.id for f in current)
    assert result.closed == []
    assert result.still_open == []
    stale = by(result.findings, HOME_STALE)
    assert stale.status == "open"
    assert stale.first_seen == FIRST
    assert stale.recheck_count == 0
    assert stale.history == [
        {"at": FIRST.isoformat(), "sweep_id": "full-1", "kind": "full", "status": "open"}
    ]


# ------------------------------------------------------------------------------- reproduced


def test_a_reproduced_finding_stays_open_keeps_first_seen_and_a_patrol_is_no_recheck() -> None:
    obs = stale_site()
    previous = on_record(obs.target, obs, judged_site(obs, FIRST))
    patrol = SweepLifecycle(previous, {"id": "patrol-2", "kind": "patrol"}, AS_OF)
    out = patrol.target(obs.target, obs, stamped(judged_site(obs), "patrol-2", AS_OF))
    stale = by(out, HOME_STALE)
    assert stale.status == "open"
    assert stale.first_seen == FIRST
    assert stale.last_seen == AS_OF
    assert [h["sweep_id"] for h in stale.history] == ["full-1", "patrol-2"]
    assert stale.recheck_count == 0
    assert stale.last_recheck_at is None
    assert patrol.total.opened == []
    assert patrol.total.closed == []


def test_a_recheck_that_finds_it_again_counts_the_recheck() -> None:
    obs = stale_site()
    previous = on_record(obs.target, obs, judged_site(obs, FIRST))
    recheck = SweepLifecycle(previous, {"id": "recheck-2", "kind": "recheck"}, AS_OF)
    out = recheck.target(obs.target, obs, stamped(judged_site(obs), "recheck-2", AS_OF))
    stale = by(out, HOME_STALE)
    assert (stale.status, stale.recheck_count, stale.last_recheck_at) == ("open", 1, AS_OF)
    assert stale.first_seen == FIRST
    assert stale.rectified_at is None


# ------------------------------------------------------------------------------- rectified


def test_a_recheck_after_the_fix_rectifies_with_the_observation_that_shows_it() -> None:
    obs = stale_site()
    previous = on_record(obs.target, obs, judged_site(obs, FIRST))
    fixed = site(
        cols=columns(5, "news"), links=[dead_link(GONE_URL, status=200, confirmed=False, error=None)]
    )
    recheck = SweepLifecycle(previous, {"id": "recheck-2", "kind": "recheck"}, AS_OF)
    out = recheck.target(fixed.target, fixed, stamped(judged_site(fixed), "recheck-2", AS_OF))
    assert indicators(out) == {HOME_STALE, COLUMN_STALE, DEAD_HOME}
    assert all(f.status == "rectified" for f in out)
    assert sorted(recheck.total.closed) == sorted(doc["id"] for doc in previous)
    stale = by(out, HOME_STALE)
    assert stale.rectified_at == AS_OF
    assert stale.first_seen == FIRST
    assert stale.rectified_evidence is not None
    assert stale.rectified_evidence["newest"] == fixed.homepage.newest.date.isoformat()  # type: ignore[union-attr]
    assert stale.rectified_evidence["newest_url"] == fixed.homepage.newest.url  # type: ignore[union-attr]
    assert stale.history[-1] == {
        "at": AS_OF.isoformat(),
        "sweep_id": "recheck-2",
        "kind": "recheck",
        "status": "rectified",
    }
    assert stale.recheck_count == 1
    assert stale.last_recheck_at == AS_OF
    link = by(out, DEAD_HOME).rectified_evidence or {}
    assert (link["url"], link["status"], link["error"]) == (GONE_URL, 200, None)
    assert stale.evidence == by(finding_list(previous), HOME_STALE).evidence  # what was wrong, kept


def finding_list(docs: list[dict[str, Any]]) -> list[Finding]:
    return [finding_from_dict(d) for d in docs]


def test_a_patrol_cannot_rectify_a_column_finding() -> None:
    obs = stale_site()
    previous = on_record(obs.target, obs, judged_site(obs, FIRST))
    homepage_fixed = site(cols=[], links=[])  # a patrol fetches no columns
    patrol = SweepLifecycle(previous, {"id": "patrol-2", "kind": "patrol"}, AS_OF)
    out = patrol.target(
        homepage_fixed.target, homepage_fixed, stamped(judged_site(homepage_fixed), "p", AS_OF)
    )
    assert {f.indicator: f.status for f in out} == {HOME_STALE: "rectified", DEAD_HOME: "rectified"}
    assert COLUMN_STALE not in indicators(out)  # untouched: stays open on record


def test_a_site_that_did_not_load_rectifies_nothing_and_keeps_the_old_evidence() -> None:
    obs = stale_site()
    previous = on_record(obs.target, obs, judged_site(obs, FIRST))
    down = site(home=homepage(None, status=None, error="timeout"), cols=[], links=[])
    recheck = SweepLifecycle(previous, {"id": "recheck-2", "kind": "recheck"}, AS_OF)
    out = recheck.target(down.target, down, stamped(judged_site(down), "recheck-2", AS_OF))
    assert recheck.total.closed == []
    stale = by(out, HOME_STALE)  # the judge said unverified; the record says still open
    old = by(finding_list(previous), HOME_STALE)
    assert stale.status == "open"
    assert stale.evidence == old.evidence
    assert stale.last_seen == FIRST
    assert stale.recheck_count == 1
    assert stale.history[-1]["check"] == "unverified"
    assert indicators(out) == {HOME_STALE}


def test_a_recheck_only_rectifies_the_findings_it_was_asked_to_retest() -> None:
    obs = stale_site()
    previous = on_record(obs.target, obs, judged_site(obs, FIRST))
    only = {by(finding_list(previous), HOME_STALE).id}
    fixed = site(cols=columns(5, "news"), links=[])
    recheck = SweepLifecycle(previous, {"id": "recheck-2", "kind": "recheck"}, AS_OF, only=only)
    out = recheck.target(fixed.target, fixed, stamped(judged_site(fixed), "recheck-2", AS_OF))
    assert {f.indicator for f in out if f.status == "rectified"} == {HOME_STALE}
    assert recheck.total.closed == list(only)


def test_a_finding_back_after_rectification_is_opened_again_with_its_history() -> None:
    obs = stale_site()
    doc = by(finding_list(on_record(obs.target, obs, judged_site(obs, FIRST))), HOME_STALE)
    doc.status, doc.rectified_at = "rectified", FIRST + timedelta(days=1)
    doc.history.append(
        {"at": doc.rectified_at.isoformat(), "sweep_id": "r", "kind": "recheck", "status": "rectified"}
    )
    current = stamped([by(judged_site(obs), HOME_STALE)], "full-3", AS_OF)
    result = reconcile([doc.to_dict()], current, lambda d: True, {"id": "full-3", "kind": "full"}, AS_OF)
    (back,) = result.findings
    assert result.opened == [back.id]
    assert back.status == "open"
    assert back.first_seen == FIRST
    assert back.rectified_at is None
    assert [h["status"] for h in back.history] == ["open", "rectified", "open"]


# ------------------------------------------------------------------------------- unverified, retried


def _unverified_homepage_doc() -> dict[str, Any]:
    """On record: a homepage with no dated item at all (HOME-STALE unverified)."""
    blank = site(home=homepage(None), cols=[])
    return by(finding_list(on_record(blank.target, blank, judged_site(blank, FIRST))), HOME_STALE).to_dict()


def test_an_unverified_finding_is_retried_now_open() -> None:
    previous = [_unverified_homepage_doc()]
    assert previous[0]["status"] == "unverified"
    obs = site(home=homepage(20.0))
    lc = SweepLifecycle(previous, {"id": "patrol-2", "kind": "patrol"}, AS_OF)
    stale = by(lc.target(obs.target, obs, stamped(judged_site(obs), "patrol-2", AS_OF)), HOME_STALE)
    assert stale.status == "open"
    assert stale.id == previous[0]["id"]
    assert stale.first_seen == FIRST


def test_an_unverified_finding_that_passes_now_is_cleared_never_rectified() -> None:
    """待核实 that was never a confirmed problem is dismissed (cleared), never 已整改."""
    previous = [_unverified_homepage_doc()]
    obs = site()
    lc = SweepLifecycle(previous, {"id": "patrol-2", "kind": "patrol"}, AS_OF)
    out = lc.target(obs.target, obs, stamped(judged_site(obs), "patrol-2", AS_OF))
    assert [(f.indicator, f.status, f.rectified_at) for f in out] == [(HOME_STALE, "dismissed", None)]
    assert (lc.total.closed, lc.total.cleared) == ([], [previous[0]["id"]])
    assert out[0].history[-1]["check"] == "cleared"


def test_a_confirmed_problem_unverified_on_its_last_check_is_rectified_when_fixed() -> None:
    """Open, then a check that could not look (kept open), then fixed: 已整改."""
    stale = stale_site()
    previous = on_record(stale.target, stale, judged_site(stale, FIRST))
    blank = site(home=homepage(None), cols=[])
    middle = SweepLifecycle(previous, {"id": "patrol-2", "kind": "patrol"}, FIRST + timedelta(days=1))
    kept = middle.target(
        blank.target, blank, stamped(judged_site(blank), "patrol-2", FIRST + timedelta(days=1))
    )
    assert by(kept, HOME_STALE).status == "open"
    fixed_obs = site()
    lc = SweepLifecycle([f.to_dict() for f in kept], {"id": "patrol-3", "kind": "patrol"}, AS_OF)
    out = lc.target(fixed_obs.target, fixed_obs, stamped(judged_site(fixed_obs), "patrol-3", AS_OF))
    assert by(out, HOME_STALE).status == "rectified"


def test_a_replay_with_an_older_as_of_never_touches_findings_seen_later() -> None:
    stale = stale_site()
    previous = on_record(stale.target, stale, judged_site(stale, FIRST))  # last seen at FIRST
    older = FIRST - timedelta(days=600)
    healthy = site()
    lc = SweepLifecycle(previous, {"id": "full-old", "kind": "full"}, older)
    out = lc.target(healthy.target, healthy, stamped(judged_site(healthy, older), "full-old", older))
    assert out == []  # nothing rectified 20 months before it was first seen
    assert sorted(lc.total.later) == sorted(d["id"] for d in previous)
    replay = SweepLifecycle(previous, {"id": "full-old", "kind": "full"}, older)
    again = replay.target(stale.target, stale, stamped(judged_site(stale, older), "full-old", older))
    assert [f for f in again if f.id in {d["id"] for d in previous}] == []  # not rewritten either


def test_an_unverified_finding_is_retried_still_unverified() -> None:
    previous = [_unverified_homepage_doc()]
    obs = site(home=homepage(None), cols=[])
    lc = SweepLifecycle(previous, {"id": "recheck-2", "kind": "recheck"}, AS_OF)
    stale = by(lc.target(obs.target, obs, stamped(judged_site(obs), "recheck-2", AS_OF)), HOME_STALE)
    assert (stale.status, stale.recheck_count) == ("unverified", 1)
    assert lc.total.closed == []
    assert lc.total.opened == []


# ------------------------------------------------------------------------------- accounts


def test_a_zombie_account_posting_again_is_rectified_with_its_new_latest_post() -> None:
    tgt = account_target()
    zombie = account(30.0)
    previous = on_record(tgt, zombie, judge_account(zombie, tgt, FIRST, RULES)[0])
    assert [d["indicator"] for d in previous] == [NO_UPDATE]
    alive = account(0.5)
    lc = SweepLifecycle(previous, {"id": "recheck-2", "kind": "recheck"}, AS_OF)
    (fixed,) = lc.target(tgt, alive, stamped(judge_account(alive, tgt, AS_OF, RULES)[0], "recheck-2", AS_OF))
    assert fixed.status == "rectified"
    assert fixed.rectified_at == AS_OF
    evidence = fixed.rectified_evidence or {}
    assert evidence["latest"] == alive.latest.isoformat()  # type: ignore[union-attr]
    assert evidence["post_url"] == alive.latest_post["url"]


def test_an_account_behind_a_captcha_is_not_rectified() -> None:
    tgt = account_target()
    zombie = account(30.0)
    previous = on_record(tgt, zombie, judge_account(zombie, tgt, FIRST, RULES)[0])
    blocked = account(None, "unverified", reason="captcha")
    lc = SweepLifecycle(previous, {"id": "recheck-2", "kind": "recheck"}, AS_OF)
    (kept,) = lc.target(
        tgt, blocked, stamped(judge_account(blocked, tgt, AS_OF, RULES)[0], "recheck-2", AS_OF)
    )
    assert (kept.status, kept.recheck_count, kept.last_recheck_at) == ("open", 1, AS_OF)
    assert kept.evidence == previous[0]["evidence"]


# ------------------------------------------------------------------------------- records


def test_a_stored_finding_reads_back_as_the_same_finding() -> None:
    obs = site(home=homepage(20.0), cols=[column("工作动态")])
    (doc,) = [d for d in on_record(obs.target, obs, judged_site(obs, FIRST)) if d["indicator"] == HOME_STALE]
    again = finding_from_dict(doc)
    assert again.to_dict() == doc
    assert again.first_seen == FIRST
