"""One running scheduler per job store.

Two schedulers on one job store would both fire every job (two probes counted per hour, two sweeps
at once), so the service takes a lock before it touches the store and holds it for its lifetime:

- SQL job store: an exclusive ``fcntl.flock`` on ``<db>.lock`` next to the SQLite file. The kernel
  drops it when the process dies, however it dies; the descriptor is not inherited by the crawl
  subprocesses, so a crawl outliving a killed scheduler does not keep it.
- Redis job store: ``SET key token NX PX ttl``, renewed by a heartbeat thread only while the key
  still holds our token, deleted on release only if it is still ours. A holder killed without
  releasing loses it after ``ttl``. A heartbeat that finds the key gone or taken sets ``lost``; the
  service then stops rather than risk two schedulers.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

from crawlers.config import Config
from scheduler.jobs import state_dir

log = logging.getLogger("govpatrol.scheduler")

REDIS_TTL_S = 30.0  # a killed holder's Redis lock expires after this long

_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


def _me() -> str:
    return (
        f"pid {os.getpid()} on {socket.gethostname()} since {datetime.now().astimezone():%Y-%m-%d %H:%M:%S%z}"
    )


def store_url(config: Config) -> str:
    """The SQLAlchemy URL of the job store: ``[scheduler] job_store`` or SQLite in the state dir."""
    return config.scheduler.job_store or f"sqlite:///{state_dir(config) / 'jobs.sqlite'}"


def namespace(config: Config) -> str:
    """Keys and table names of one deployment: its Elasticsearch index prefix (tests use a unique one)."""
    return config.elasticsearch.index_prefix


class FileLock:
    """An exclusive flock held until :meth:`release` or process exit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lost = threading.Event()  # a flock cannot be lost while the process lives
        self._fd: int | None = None

    def __str__(self) -> str:
        return f"lock file {self.path}"

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # close-on-exec: children don't inherit
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{_me()}\n".encode())
        self._fd = fd
        return True

    def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None


class RedisLock:
    """``SET NX PX`` with a heartbeat; see the module docstring."""

    def __init__(self, url: str, key: str, ttl_s: float = REDIS_TTL_S) -> None:
        import redis

        self._redis_error = redis.RedisError
        self.client = redis.Redis.from_url(url, socket_timeout=ttl_s / 3)
        self.key = key
        self.ttl_ms = int(ttl_s * 1000)
        self.token = f"{_me()} [{uuid.uuid4().hex[:8]}]"
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __str__(self) -> str:
        return f"Redis key {self.key}"

    def acquire(self) -> bool:
        try:
            taken = bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))
        except self._redis_error as exc:
            log.warning("Redis unreachable while taking the scheduler lock: %s", exc)
            return False
        if taken:
            self._stop.clear()
            self._thread = threading.Thread(target=self._heartbeat, name="scheduler-lock", daemon=True)
            self._thread.start()
        return taken

    def _heartbeat(self) -> None:
        renewed = time.monotonic()
        while not self._stop.wait(self.ttl_ms / 3000):
            try:
                if not self.client.eval(_RENEW, 1, self.key, self.token, self.ttl_ms):
                    log.error("the scheduler lock %s was lost (expired or taken)", self.key)
                    self.lost.set()
                    return
                renewed = time.monotonic()
            except self._redis_error as exc:
                log.warning("could not renew the scheduler lock: %s", exc)
                if time.monotonic() - renewed > self.ttl_ms / 1000:
                    self.lost.set()
                    return

    def holder(self) -> str:
        try:
            value = self.client.get(self.key)
        except self._redis_error:
            return "unknown (Redis unreachable)"
        if isinstance(value, bytes):
            value = value.decode()
        return value or "nobody (just released)"

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        try:
            self.client.eval(_RELEASE, 1, self.key, self.token)
        except self._redis_error as exc:
            log.warning("could not release the scheduler lock (it expires by itself): %s", exc)


def lock_for(config: Config) -> FileLock | RedisLock:
    """The lock that guards this config's job store."""
    if config.scheduler.redis_url:
        return RedisLock(config.scheduler.redis_url, f"{namespace(config)}:scheduler:lock")
    url = store_url(config)
    if url.startswith("sqlite:///"):
        return FileLock(Path(url.removeprefix("sqlite:///") + ".lock"))
    # Another database: the lock is per machine only (two hosts on one database are not guarded).
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return FileLock(state_dir(config) / f"jobstore-{digest}.lock")
