"""The leased target queue against a real Redis: a lapsed lease goes to another worker, the first
worker's late commit is refused, every target is done exactly once; host slots hold across clients."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from govpatrol.distributed import connect
from govpatrol.distributed.hostslots import HostSlots
from govpatrol.distributed.leases import LeasedQueue
from govpatrol.services import ensure_redis

TTL = 0.3  # seconds: short leases so that expiry happens within the test


@pytest.fixture
def redis() -> Iterator[object]:
    client = connect(ensure_redis())
    prefix = f"govpatrol-test-{uuid.uuid4().hex[:8]}"
    client.prefix = prefix  # type: ignore[attr-defined]
    yield client
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def queue_of(redis: object, sweep: str = "s1") -> LeasedQueue:
    return LeasedQueue(redis, sweep, redis.prefix)  # type: ignore[attr-defined,arg-type]


def wait_until(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_claims_take_targets_of_their_own_kind_in_plan_order(redis):
    q = queue_of(redis)
    assert q.enqueue([("S1", "site"), ("A1", "account"), ("S2", "site"), ("S3", "site")]) == 4
    assert q.enqueue([("S9", "site")]) == 0  # planned once
    assert q.claim("site", "w1", 2, 30) == ["S1", "S2"]
    assert q.claim("account", "w2", 5, 30) == ["A1"]
    assert q.claim("site", "w2", 5, 30) == ["S3"]
    assert q.claim("site", "w3", 5, 30) == []
    p = q.progress()
    assert (p.planned, p.pending, p.leased, p.done) == (4, 0, 4, 0)
    assert q.owners() == {"S1": "w1", "S2": "w1", "A1": "w2", "S3": "w2"}


def test_an_expired_lease_is_reclaimed_by_another_worker_and_the_late_commit_is_refused(redis):
    q = queue_of(redis)
    q.enqueue([("S1", "site"), ("S2", "site")])
    assert q.claim("site", "w1", 2, TTL) == ["S1", "S2"]
    assert q.renew("w1", ["S2"], 30) == ["S2"]  # w1's heartbeat keeps S2 only
    wait_until(lambda: q.reap() == ["S1"])  # S1 lapsed: back to the front of the queue
    assert q.renew("w1", ["S1", "S2"], 30) == ["S2"]  # the heartbeat learns S1 is lost
    assert q.claim("site", "w2", 5, 30) == ["S1"]
    assert q.commit("w1", "S1", "late") is False  # w1 no longer holds S1
    assert q.commit("w2", "S1", "fresh") is True
    assert q.commit("w2", "S1", "again") is False  # done once only
    assert q.commit("w1", "S2", "s2") is True
    assert q.results(0) == ["fresh", "s2"]
    assert q.claims() == {"S1": 2, "S2": 1}
    assert q.committed_by() == {"S1": "w2", "S2": "w1"}
    assert q.reaped() == 1
    p = q.progress()
    assert p.complete
    assert p.idle
    assert (p.planned, p.done) == (2, 2)


def test_a_lapsed_lease_not_yet_reaped_still_cannot_be_committed_twice(redis):
    q = queue_of(redis)
    q.enqueue([("S1", "site")])
    q.claim("site", "w1", 1, TTL)
    wait_until(lambda: q.reap() == ["S1"])
    assert q.commit("w1", "S1", "late") is False  # the lease is gone: the target is pending again
    assert q.progress().pending == 1


def test_release_gives_a_workers_leases_back_at_once(redis):
    q = queue_of(redis)
    q.enqueue([("S1", "site"), ("S2", "site"), ("A1", "account")])
    q.claim("site", "w1", 1, 30)
    q.claim("site", "w2", 1, 30)
    q.claim("account", "w1", 1, 30)
    assert sorted(q.release("w1")) == ["A1", "S1"]
    assert q.claim("account", "w3", 1, 30) == ["A1"]
    assert q.claim("site", "w3", 1, 30) == ["S1"]
    assert q.owners() == {"S2": "w2", "A1": "w3", "S1": "w3"}


def test_many_workers_racing_do_every_target_exactly_once(redis):
    q = queue_of(redis)
    ids = [f"S{i:03d}" for i in range(200)]
    q.enqueue((i, "site") for i in ids)
    workers = [f"w{n}" for n in range(5)]
    held: dict[str, list[str]] = {w: [] for w in workers}
    while not q.progress().complete:
        for w in workers:
            held[w] += q.claim("site", w, 7, 30)
            if held[w]:
                q.commit(w, held[w].pop(0), "x")
    assert q.progress().done == len(ids) == len(q.results(0, 1000))
    assert set(q.committed_by()) == set(ids)
    assert set(q.claims().values()) == {1}


def test_host_slots_are_shared_by_every_client_and_lapse_when_a_holder_dies(redis):
    one = HostSlots(redis, redis.prefix, 2)
    other = HostSlots(connect(ensure_redis()), redis.prefix, 2)  # another worker's connection
    a = one.try_acquire("www.example.gov.cn", 30)
    b = other.try_acquire("www.example.gov.cn", TTL)
    assert a
    assert b
    assert other.try_acquire("www.example.gov.cn", 30) is None  # full across both clients
    assert one.try_acquire("www.other.gov.cn", 30)  # hosts are independent
    # b's holder never releases (killed): its slot lapses and the host is usable again
    wait_until(lambda: one.try_acquire("www.example.gov.cn", 30) is not None)
    assert one.held("www.example.gov.cn") == 2
    one.release("www.example.gov.cn", a)
    assert one.held("www.example.gov.cn") == 1
