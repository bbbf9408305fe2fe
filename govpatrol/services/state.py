"""Where the local services live and how their processes are found again.

A state file in the run dir (``$GOVPATROL_RUN_DIR``, default ``/tmp/govpatrol-services``) records
each started service (pid, port, URL, data dir, log); a lock file serialises start and stop between
processes, since parallel test sessions and the office's commands share one node. Commands that
talk to Elasticsearch read the same file to find the node ``govpatrol services start`` recorded.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawlers.servicestate import services_run_dir, services_state_file


class ServiceError(RuntimeError):
    """A local service could not be provided; the message says what to install or read."""


def run_dir(create: bool = True) -> Path:
    path = services_run_dir()  # the SSRF guard reads the state there too (crawlers/servicestate.py)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Where the ES distribution lives between runs; must be readable by the ES user."""
    if os.environ.get("GOVPATROL_CACHE"):
        return Path(os.environ["GOVPATROL_CACHE"])
    if os.geteuid() == 0:
        return Path("/var/cache/govpatrol")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "govpatrol"


def default_data_dir() -> Path:
    """The persistent node's home: findings, history and alert marks survive stop, start and reboots.

    As root ``/var/lib/govpatrol/elasticsearch`` (the unprivileged ES user cannot enter ``/root``),
    otherwise ``$XDG_DATA_HOME/govpatrol/elasticsearch`` (``~/.local/share/...``).
    """
    if os.geteuid() == 0:
        return Path("/var/lib/govpatrol/elasticsearch")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "govpatrol" / "elasticsearch"


@contextlib.contextmanager
def locked() -> Iterator[None]:
    """Serialise start/stop between processes (parallel test sessions share one node)."""
    with (run_dir() / "services.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_state(trusted_only: bool = False) -> dict[str, Any]:
    """The recorded services; ``trusted_only``: ignore a file another (non-root) user wrote, since
    commands would send their data wherever it points."""
    path = services_state_file()
    try:
        if trusted_only and path.stat().st_uid not in (0, os.geteuid()):
            return {}
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_state(state: dict[str, Any]) -> None:
    run_dir()
    path = services_state_file()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
    tmp.replace(path)


def say(message: str) -> None:
    """Progress goes to stderr so stdout stays parseable."""
    print(f"[services] {message}", file=sys.stderr, flush=True)


# --- processes ----------------------------------------------------------------------------------


def free_port(preferred: int) -> int:
    """``preferred`` unless something holds it (a port in TIME_WAIT is free: servers bind with
    SO_REUSEADDR, as Elasticsearch does), else any free port."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise ServiceError("no free TCP port on 127.0.0.1")


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:port (a bind test would trip on TIME_WAIT)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie child of ours is reaped first, so it does not count)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def terminate(pids: list[int], group: int | None = None, grace: float = 30.0) -> None:
    """SIGTERM ``pids`` and the process ``group`` (a launcher and its children), wait until every
    pid is gone, then SIGKILL what is left."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if group is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, sig)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not any(alive(pid) for pid in pids):
                return
            time.sleep(0.2)


def entry(
    pid: int, port: int, url: str, data: Path, log: Path, version: str, started: float, **extra: Any
) -> dict[str, Any]:
    """A started service as the state file records it (what ``status`` and ``stop`` read back)."""
    return {
        "pid": pid,
        "port": port,
        "url": url,
        "data_dir": str(data),
        "log": str(log),
        "version": version,
        "started_at": datetime.now(UTC).isoformat(),
        "startup_s": round(time.monotonic() - started, 1),
        **extra,
    }


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
