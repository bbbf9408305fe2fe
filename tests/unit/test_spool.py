"""The disk spool keeps unwritten bulk records in order, on disk, until Elasticsearch takes them.

The spool's only contact with Elasticsearch is a ``send`` callable answering per record (the
store's ``send_records``); here a recording receiver plays it, so these tests need no node.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.spool import DEAD_LETTER, Spool, SpoolBusy, list_spools, replay_all, segments
from pipelines.store import BulkOutcome, group_ops, retriable


def record(n: int) -> list[dict]:
    return [{"index": {"_index": "obs", "_id": f"doc-{n}"}}, {"n": n, "text": "政务网站"}]


def numbers(records: list[list[dict]]) -> list[int]:
    return [r[1]["n"] for r in records]


class Receiver:
    """Takes records like Elasticsearch would; ``down`` fails everything from record ``fail_at``."""

    def __init__(self, fail_at: int | None = None, reject: frozenset[int] = frozenset()) -> None:
        self.fail_at = fail_at
        self.reject = reject
        self.landed: list[int] = []
        self.calls = 0

    def __call__(self, records: list[list[dict]]) -> BulkOutcome:
        self.calls += 1
        outcome = BulkOutcome()
        for i, n in enumerate(numbers(records)):
            if self.fail_at is not None and n >= self.fail_at:
                outcome.failed[i] = {"status": 0, "type": "ConnectionError", "reason": "refused"}
                outcome.error = "connection refused"
            elif n in self.reject:
                outcome.rejected[i] = {
                    "index": "obs",
                    "id": f"doc-{n}",
                    "status": 400,
                    "type": "document_parsing_exception",
                    "reason": "failed to parse field [status] of type [integer]",
                }
            else:
                self.landed.append(n)
        return outcome


def test_replay_delivers_in_the_order_records_were_spooled(tmp_path: Path) -> None:
    with Spool(tmp_path / "sweep-1") as spool:
        spool.append([record(n) for n in range(5)])
        spool.append([record(n) for n in range(5, 12)])
        assert spool.pending == 12
        receiver = Receiver()
        result = spool.replay(receiver, batch=4)

        assert receiver.landed == list(range(12))
        assert (result.delivered, result.rejected, result.error) == (12, 0, "")
        assert spool.pending == 0
    assert not (tmp_path / "sweep-1").exists(), "an empty spool leaves no directory behind"


def test_spooled_records_survive_a_new_process(tmp_path: Path) -> None:
    directory = tmp_path / "sweep-1"
    with Spool(directory) as spool:
        spool.append([record(n) for n in range(3)])
    segment = segments(directory)[-1]
    with segment.open("ab") as fh:  # a crash in the middle of an append
        fh.write(b'{"ops": [{"index": {"_id": "torn"')

    with Spool(directory) as reopened:
        assert reopened.pending == 3
        receiver = Receiver()
        reopened.replay(receiver)
    assert receiver.landed == [0, 1, 2]


def test_segments_rotate_and_each_is_deleted_once_all_its_records_landed(tmp_path: Path) -> None:
    directory = tmp_path / "sweep-1"
    with Spool(directory, segment_bytes=150) as spool:
        for n in range(8):
            spool.append([record(n)])
        first = segments(directory)
        assert len(first) >= 3

        spool.replay(Receiver(fail_at=3))  # 0..2 land; the head segment still holds unlanded ones
        left = segments(directory)
        assert left[-1] == first[-1]
        assert len(left) < len(first)
        receiver = Receiver()
        spool.replay(receiver)
        assert receiver.landed == [3, 4, 5, 6, 7]
        assert segments(directory) == []


def test_replay_stops_at_the_first_failure_and_resumes_from_it(tmp_path: Path) -> None:
    directory = tmp_path / "sweep-1"
    with Spool(directory) as spool:
        spool.append([record(n) for n in range(10)])
        down = Receiver(fail_at=4)
        result = spool.replay(down, batch=100)
        assert down.landed == [0, 1, 2, 3]
        assert result.delivered == 4
        assert result.error == "connection refused"
        assert spool.pending == 6
        still_down = Receiver(fail_at=0)
        spool.replay(still_down)
        assert still_down.landed == []
        assert spool.pending == 6

    with Spool(directory) as later:  # another process resumes where the last one stopped
        assert later.pending == 6
        back = Receiver()
        later.replay(back)
        assert back.landed == [4, 5, 6, 7, 8, 9]


def test_records_refused_for_good_go_to_the_dead_letter_file_with_the_reason(tmp_path: Path) -> None:
    directory = tmp_path / "sweep-1"
    with Spool(directory) as spool:
        spool.append([record(n) for n in range(4)])
        receiver = Receiver(reject=frozenset({2}))
        result = spool.replay(receiver)
        assert receiver.landed == [0, 1, 3]
        assert (result.delivered, result.rejected, spool.pending) == (3, 1, 0)
        assert spool.dead_letters == 1

    (letter,) = [json.loads(x) for x in (directory / DEAD_LETTER).read_text(encoding="utf-8").splitlines()]
    assert letter["id"] == "doc-2"
    assert letter["type"] == "document_parsing_exception"
    assert "status" in letter["reason"]
    assert letter["ops"] == record(2)
    assert directory.is_dir(), "dead letters keep their spool directory"


def test_a_record_after_the_failure_is_not_dead_lettered_before_its_turn(tmp_path: Path) -> None:
    with Spool(tmp_path / "s") as spool:
        spool.append([record(n) for n in range(4)])
        result = spool.replay(Receiver(fail_at=1, reject=frozenset({0})))
        assert (result.rejected, spool.pending) == (1, 3)


def test_a_spool_in_use_is_never_replayed_by_another_process(tmp_path: Path) -> None:
    with Spool(tmp_path / "running") as running:
        running.append([record(1)])
        with pytest.raises(SpoolBusy):
            Spool(tmp_path / "running")
        with Spool(tmp_path / "left-over") as left:
            left.append([record(2)])
        receiver = Receiver()
        done = replay_all(tmp_path, receiver)

        assert receiver.landed == [2]
        assert done.busy == ["running"]
        assert (done.delivered, done.stopped) == (1, "")
        assert running.pending == 1


def test_replay_all_goes_oldest_first_and_stops_at_a_spool_it_cannot_empty(tmp_path: Path) -> None:
    for name, n in (("b-older", 1), ("a-newer", 2)):
        with Spool(tmp_path / name) as spool:
            spool.append([record(n)])
    infos = list_spools(tmp_path)
    assert [i.name for i in infos] == ["b-older", "a-newer"]
    assert [(i.pending, i.in_use) for i in infos] == [(1, False), (1, False)]

    done = replay_all(tmp_path, Receiver(fail_at=0))
    assert "b-older" in done.stopped
    receiver = Receiver()
    replay_all(tmp_path, receiver)
    assert receiver.landed == [1, 2]
    assert list_spools(tmp_path) == []


def test_bulk_actions_on_one_document_form_one_record() -> None:
    upsert = [{"update": {"_index": "f", "_id": "x"}}, {"doc": {"evidence": None}, "upsert": {"a": 1}}]
    upsert += [{"update": {"_index": "f", "_id": "x"}}, {"doc": {"a": 1}}]
    ops = [*record(1), *upsert, *record(2)]
    assert [len(r) for r in group_ops(ops)] == [2, 4, 2]


@pytest.mark.parametrize(
    ("status", "kind", "again"),
    [
        (429, "es_rejected_execution_exception", True),
        (503, "unavailable_shards_exception", True),
        (403, "cluster_block_exception", True),
        (409, "version_conflict_engine_exception", True),
        (400, "document_parsing_exception", False),
        (400, "strict_dynamic_mapping_exception", False),
        (403, "security_exception", False),
        (404, "document_missing_exception", False),
    ],
)
def test_which_refusals_are_worth_another_try(status: int, kind: str, again: bool) -> None:
    assert retriable(status, kind) is again
