"""The sweep plan in Redis: what workers need to crawl a sweep, and the list of sweeps under way.

The plan carries the sweep id, as-of time, mode and the targets (as :meth:`Target.to_dict`); the
workers read everything else (network, politeness, platforms) from their own ``--config``. Workers
watch ``{prefix}:sweeps:active`` (a zset: sweep id -> publication time) for work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from crawlers.events import EventWatch
from crawlers.models import Target
from govpatrol.distributed import text
from govpatrol.distributed.codec import decode_target, encode_target
from govpatrol.distributed.leases import LeasedQueue

if TYPE_CHECKING:
    import redis


@dataclass
class SweepPlan:
    sweep_id: str
    as_of: datetime
    mode: str
    targets: list[Target]
    watches: tuple[EventWatch, ...] = ()  # open 重大事件: accounts the account spider watches for reposts

    def to_json(self) -> str:
        doc = {
            "sweep_id": self.sweep_id,
            "as_of": self.as_of.isoformat(),
            "mode": self.mode,
            "targets": [encode_target(t) for t in self.targets],
            "watches": [w.to_dict() for w in self.watches],
        }
        return json.dumps(doc, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> SweepPlan:
        doc = json.loads(text)
        return cls(
            sweep_id=doc["sweep_id"],
            as_of=datetime.fromisoformat(doc["as_of"]),
            mode=doc["mode"],
            targets=[decode_target(t) for t in doc["targets"]],
            watches=tuple(EventWatch.from_dict(w) for w in doc.get("watches", [])),
        )


def active_key(prefix: str) -> str:
    return f"{prefix}:sweeps:active"


def plan_key(prefix: str, sweep_id: str) -> str:
    return f"{prefix}:sweep:{sweep_id}:plan"


def publish(redis: redis.Redis, prefix: str, plan: SweepPlan) -> LeasedQueue:
    """Store the plan, enqueue its targets, then announce it (workers never see half a plan)."""
    redis.set(plan_key(prefix, plan.sweep_id), plan.to_json())
    queue = LeasedQueue(redis, plan.sweep_id, prefix)
    queue.enqueue((t.id, t.kind) for t in plan.targets)
    seconds, micros = redis.time()
    redis.zadd(active_key(prefix), {plan.sweep_id: seconds * 1000 + micros // 1000}, nx=True)
    return queue


def load(redis: redis.Redis, prefix: str, sweep_id: str) -> SweepPlan | None:
    raw = redis.get(plan_key(prefix, sweep_id))
    return SweepPlan.from_json(text(raw)) if raw else None


def active_sweeps(redis: redis.Redis, prefix: str) -> list[str]:
    """Sweeps under way, oldest first."""
    return [str(v) for v in redis.zrange(active_key(prefix), 0, -1)]  # the client decodes replies


def retire(redis: redis.Redis, prefix: str, sweep_id: str, keep_seconds: int = 7 * 86400) -> None:
    """The sweep is recorded: no longer active; its keys stay a week as evidence, then expire."""
    redis.zrem(active_key(prefix), sweep_id)
    redis.expire(plan_key(prefix, sweep_id), keep_seconds)
    LeasedQueue(redis, sweep_id, prefix).expire(keep_seconds)
