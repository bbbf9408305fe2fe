"""The sweep's shared frontier: a queue of target ids with leases, so no target is lost or judged twice.

A worker *claims* targets (each gets a lease that expires unless renewed by the worker's heartbeat)
and *commits* a target's items when it is done. Expired leases are *reaped* back to the front of the
queue, so the targets of a worker killed with SIGKILL are crawled again by another; the commit is
accepted only from the lease's current holder and only once, so a worker that lost its lease can
never add a second result. Every step is one Lua script (atomic in Redis) and every time is Redis
server time (``TIME``), so workers' clocks never matter.

Keys under ``{prefix}:sweep:{id}``: ``pending:site`` / ``pending:account`` (lists of ids),
``leases`` (zset id -> expiry ms), ``owner`` (hash id -> lease holder), ``kind`` (hash id -> kind),
``done`` (set), ``results`` (list of committed payloads, in commit order), ``claims`` (hash id ->
times claimed), ``committed_by`` (hash id -> holder), ``workers`` (set), ``meta`` (hash: planned,
reaped).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from govpatrol.distributed import text

if TYPE_CHECKING:
    import redis

KINDS = ("site", "account")

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"

# KEYS: pending(kind), leases, owner, done, claims, workers   ARGV: worker, n, ttl_ms
_CLAIM = (
    _NOW
    + """
local out = {}
for i = 1, tonumber(ARGV[2]) do
  local id = redis.call('LPOP', KEYS[1])
  if not id then break end
  if redis.call('SISMEMBER', KEYS[4], id) == 0 and not redis.call('ZSCORE', KEYS[2], id) then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), id)
    redis.call('HSET', KEYS[3], id, ARGV[1])
    redis.call('HINCRBY', KEYS[5], id, 1)
    out[#out + 1] = id
  end
end
if #out > 0 then redis.call('SADD', KEYS[6], ARGV[1]) end
return out
"""
)

# KEYS: leases, owner   ARGV: worker, ttl_ms, id...   -> the ids still held (renewed)
_RENEW = (
    _NOW
    + """
local held = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', KEYS[2], id) == ARGV[1] and redis.call('ZSCORE', KEYS[1], id) then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), id)
    held[#held + 1] = id
  end
end
return held
"""
)

# KEYS: leases, owner, done, results, committed_by   ARGV: worker, id, payload
_COMMIT = """
local id = ARGV[2]
if redis.call('HGET', KEYS[2], id) ~= ARGV[1] then return 0 end
if not redis.call('ZSCORE', KEYS[1], id) then return 0 end
if redis.call('SISMEMBER', KEYS[3], id) == 1 then return 0 end
redis.call('ZREM', KEYS[1], id)
redis.call('HDEL', KEYS[2], id)
redis.call('SADD', KEYS[3], id)
redis.call('RPUSH', KEYS[4], ARGV[3])
redis.call('HSET', KEYS[5], id, ARGV[1])
return 1
"""

# KEYS: leases, owner, kind, meta, pending:site, pending:account   -> the ids put back
_REAP = (
    _NOW
    + """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[2], id)
  local pending = KEYS[5]
  if redis.call('HGET', KEYS[3], id) == 'account' then pending = KEYS[6] end
  redis.call('LPUSH', pending, id)
end
if #ids > 0 then redis.call('HINCRBY', KEYS[4], 'reaped', #ids) end
return ids
"""
)

# KEYS: leases, owner, kind, pending:site, pending:account   ARGV: worker   -> the ids given back
_RELEASE = """
local out = {}
local owners = redis.call('HGETALL', KEYS[2])
for i = 1, #owners, 2 do
  local id = owners[i]
  if owners[i + 1] == ARGV[1] then
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    local pending = KEYS[4]
    if redis.call('HGET', KEYS[3], id) == 'account' then pending = KEYS[5] end
    redis.call('LPUSH', pending, id)
    out[#out + 1] = id
  end
end
return out
"""


@dataclass(frozen=True)
class Progress:
    planned: int
    pending: int
    leased: int
    done: int

    @property
    def complete(self) -> bool:
        return self.planned > 0 and self.done >= self.planned

    @property
    def idle(self) -> bool:
        """Nothing left to claim or to wait for (the sweep is complete, or was never planned)."""
        return self.pending == 0 and self.leased == 0


class LeasedQueue:
    """One sweep's targets in Redis: ``LeasedQueue(redis, sweep_id, prefix)``."""

    def __init__(self, redis: redis.Redis, sweep_id: str, prefix: str = "govpatrol") -> None:
        self.redis = redis
        self.sweep_id = sweep_id
        self.base = f"{prefix}:sweep:{sweep_id}"
        self._claim = redis.register_script(_CLAIM)
        self._renew = redis.register_script(_RENEW)
        self._commit = redis.register_script(_COMMIT)
        self._reap = redis.register_script(_REAP)
        self._release = redis.register_script(_RELEASE)

    def key(self, name: str) -> str:
        return f"{self.base}:{name}"

    def pending_key(self, kind: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown target kind {kind!r}")
        return self.key(f"pending:{kind}")

    def enqueue(self, targets: Iterable[tuple[str, str]]) -> int:
        """Plan the sweep once: (target id, kind) pairs in order. A second call changes nothing."""
        pairs = list(targets)
        if not self.redis.hsetnx(self.key("meta"), "planned", len(pairs)):
            return 0
        with self.redis.pipeline(transaction=True) as pipe:
            for kind in KINDS:
                ids = [tid for tid, k in pairs if k == kind]
                if ids:
                    pipe.rpush(self.pending_key(kind), *ids)
            if pairs:
                pipe.hset(self.key("kind"), mapping=dict(pairs))
            pipe.execute()
        return len(pairs)

    def claim(self, kind: str, worker: str, n: int, ttl: float) -> list[str]:
        """Lease up to ``n`` targets of ``kind`` for ``ttl`` seconds."""
        keys = [self.pending_key(kind), *map(self.key, ("leases", "owner", "done", "claims", "workers"))]
        return list(self._claim(keys=keys, args=[worker, int(n), int(ttl * 1000)]))

    def renew(self, worker: str, ids: Iterable[str], ttl: float) -> list[str]:
        """The heartbeat: extend this worker's leases; returns those it still holds."""
        ids = list(ids)
        if not ids:
            return []
        keys = [self.key("leases"), self.key("owner")]
        return list(self._renew(keys=keys, args=[worker, int(ttl * 1000), *ids]))

    def commit(self, worker: str, target_id: str, payload: str) -> bool:
        """Store a target's result if ``worker`` holds its lease and it is not done yet."""
        keys = [self.key(k) for k in ("leases", "owner", "done", "results", "committed_by")]
        return bool(self._commit(keys=keys, args=[worker, target_id, payload]))

    def reap(self) -> list[str]:
        """Expired leases back to the front of their queue (crawled next)."""
        keys = [*map(self.key, ("leases", "owner", "kind", "meta")), *map(self.pending_key, KINDS)]
        return list(self._reap(keys=keys))

    def release(self, worker: str) -> list[str]:
        """A worker stopping gracefully gives its leases back at once (no wait for expiry)."""
        keys = [*map(self.key, ("leases", "owner", "kind")), *map(self.pending_key, KINDS)]
        return list(self._release(keys=keys, args=[worker]))

    def progress(self) -> Progress:
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hget(self.key("meta"), "planned")
            for kind in KINDS:
                pipe.llen(self.pending_key(kind))
            pipe.zcard(self.key("leases"))
            pipe.scard(self.key("done"))
            planned, *pending, leased, done = pipe.execute()
        return Progress(int(planned or 0), int(sum(pending)), int(leased), int(done))

    def results(self, start: int, count: int = 500) -> list[str]:
        """Committed payloads from index ``start`` (non-destructive: a reader keeps its own cursor)."""
        return [text(v) for v in self.redis.lrange(self.key("results"), start, start + count - 1)]

    def claims(self) -> dict[str, int]:
        return {text(k): int(v) for k, v in self.redis.hgetall(self.key("claims")).items()}

    def owners(self) -> dict[str, str]:
        """Current leases: target id -> holder."""
        return {text(k): text(v) for k, v in self.redis.hgetall(self.key("owner")).items()}

    def committed_by(self) -> dict[str, str]:
        return {text(k): text(v) for k, v in self.redis.hgetall(self.key("committed_by")).items()}

    def workers(self) -> set[str]:
        return {text(v) for v in self.redis.smembers(self.key("workers"))}

    def reaped(self) -> int:
        return int(self.redis.hget(self.key("meta"), "reaped") or 0)

    def expire(self, seconds: int) -> None:
        """Let a finished sweep's keys go after ``seconds`` (kept a while as evidence)."""
        names = ["meta", "kind", "leases", "owner", "done", "results", "claims", "committed_by", "workers"]
        with self.redis.pipeline(transaction=False) as pipe:
            for name in [*names, *(f"pending:{k}" for k in KINDS)]:
                pipe.expire(self.key(name), seconds)
            pipe.execute()
