"""The local Redis (Debian's ``redis-server``): distributed sweeps' queue and the scheduler's lock.

No persistence: what Redis holds (leases, the scheduler lock) is rebuilt by the next run.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from govpatrol.services.state import (
    ServiceError,
    alive,
    entry,
    free_port,
    locked,
    read_state,
    run_dir,
    say,
    tail,
    terminate,
    write_state,
)


def redis_ping(url: str) -> bool:
    import redis  # ~0.7 s to import: only commands that look at Redis pay for it

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0).ping())
    except redis.RedisError:
        return False


def _start_redis(timeout: float = 20.0) -> dict[str, Any]:
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).is_file():
        raise ServiceError("redis-server not found: install the Debian package `redis-server`")
    port = free_port(6379)
    tmp = Path(tempfile.mkdtemp(prefix="govpatrol-redis-"))
    log = run_dir() / f"redis-{port}.log"
    url = f"redis://127.0.0.1:{port}/0"
    cmd = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    cmd += ["--dir", str(tmp), "--daemonize", "no"]
    say(f"starting redis-server on 127.0.0.1:{port} (log {log}) ...")
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    while not redis_ping(url):
        if proc.poll() is not None or time.monotonic() - started > timeout:
            terminate([proc.pid], group=proc.pid)
            shutil.rmtree(tmp, ignore_errors=True)
            raise ServiceError(f"redis-server did not answer PING; last lines of {log}:\n{tail(log)}")
        time.sleep(0.1)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout
    version = next((w.split("=", 1)[1] for w in version.split() if w.startswith("v=")), "")
    return entry(proc.pid, port, url, tmp, log, version, started)


def redis_running(node: dict[str, Any] | None) -> bool:
    return bool(node and alive(int(node["pid"])) and redis_ping(node["url"]))


def stop_redis(node: dict[str, Any]) -> None:
    """End redis-server and remove its (empty) working dir."""
    terminate([int(node["pid"])], group=int(node["pid"]))
    if node.get("data_dir"):
        shutil.rmtree(node["data_dir"], ignore_errors=True)


def ensure_redis_entry() -> tuple[dict[str, Any], bool]:
    with locked():
        state = read_state()
        node = state.get("redis")
        if redis_running(node):
            assert node is not None
            return node, True
        if node:
            stop_redis(node)
        node = _start_redis()
        state = read_state()
        state["redis"] = node
        write_state(state)
        return node, False


def ensure_redis() -> str:
    """Start a redis-server (no persistence) unless one is recorded; returns its URL."""
    return ensure_redis_entry()[0]["url"]
