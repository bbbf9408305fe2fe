"""The planted 重大事件's ground truth and its check: the simulated web plants every case of the repost
watch, and ``compare_reposts`` reports a table that judges any of them wrongly (so the demo's
"every account of the 重大事件 judged right" can fail)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simweb.reposts import repost_world
from simweb.verify import compare_reposts

AS_OF = datetime.fromisoformat("2026-10-08T10:00:00+08:00")
TRUTH = repost_world(AS_OF).reposts.truth()


def right_rows() -> list[dict[str, Any]]:
    return [{"target_id": tid, **want} for tid, want in TRUTH["accounts"].items()]


def test_every_case_of_the_issue_is_planted() -> None:
    statuses = [want["status"] for want in TRUTH["accounts"].values()]
    assert {"reposted", "late", "missing", "unverified", "pending"} <= set(statuses)
    delays = {want["delay_minutes"] for want in TRUTH["accounts"].values()}
    assert {25, 110, 130} <= delays  # within 30 minutes, at 1 h 50, at 2 h 10
    assert compare_reposts(TRUTH, right_rows()) == []


def test_a_wrong_status_time_or_delay_and_a_missing_or_extra_row_are_reported() -> None:
    rows = right_rows()
    by_id = {r["target_id"]: r for r in rows}
    by_id["E03"]["status"] = "reposted"  # a late repost judged in time
    by_id["E01"]["delay_minutes"] = 26
    by_id["E02"]["reposted_at"] = "2026-10-01T00:00:00+08:00"
    rows = [r for r in rows if r["target_id"] != "E04"] + [{"target_id": "X1", "status": "missing"}]
    problems = compare_reposts(TRUTH, rows)
    assert [p.split(":")[0] for p in problems] == ["E01", "E02", "E03", "E04", "X1"]
