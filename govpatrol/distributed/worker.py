"""``govpatrol worker``: watch Redis for active sweeps and crawl a share of each one.

Scrapy's reactor cannot be restarted, so every sweep's crawl runs in a child process
(:mod:`govpatrol.distributed.crawl`) that dies with its worker (``PR_SET_PDEATHSIG``, and it stays in
the worker's process group): a worker killed with SIGKILL takes its crawl with it, and its leases
lapse and go back to the queue for the others. Each child gets a fresh lease holder name
(``NAME/xxxxxx``), so a restarted worker never mistakes an old incarnation's leases for its own.
SIGTERM: the child stops claiming and gives its leases back, then the worker exits.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from crawlers.config import Config
from govpatrol.distributed import connect
from govpatrol.distributed.leases import LeasedQueue
from govpatrol.distributed.plan import active_sweeps

PR_SET_PDEATHSIG = 1
ROOT = Path(__file__).resolve().parents[2]


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def shown_url(url: str) -> str:
    """A Redis URL without its password, for logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def default_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Worker:
    """``Worker(config, url, name).run(once)``; the loop only polls Redis, the crawl is the child's."""

    def __init__(self, config: Config, url: str, name: str | None = None) -> None:
        self.config = config
        self.url = url
        self.name = name or default_name()
        self.redis = connect(url)
        self.prefix = config.distributed.key_prefix
        self.stopping = False
        self.child: subprocess.Popen[bytes] | None = None
        self.crawls = 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)

    def _work(self) -> tuple[str | None, bool]:
        """A sweep with targets to claim (reaping lapsed leases first), and whether any sweep is
        still under way (leases held elsewhere may yet come back)."""
        busy = False
        for sweep_id in active_sweeps(self.redis, self.prefix):
            queue = LeasedQueue(self.redis, sweep_id, self.prefix)
            queue.reap()
            progress = queue.progress()
            if progress.pending:
                return sweep_id, True
            busy = busy or not progress.idle
        return None, busy

    def run(self, once: bool = False) -> int:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        say(f"worker {self.name}: watching {shown_url(self.url)} (prefix {self.prefix})")
        poll = max(0.1, self.config.distributed.poll_seconds)
        while not self.stopping:
            sweep_id, busy = self._work()
            if sweep_id is not None:
                self._crawl(sweep_id)
                continue
            if once and not busy:
                break
            time.sleep(poll)
        say(f"worker {self.name}: stopped after {self.crawls} crawl(s)")
        return 0

    def _crawl(self, sweep_id: str) -> None:
        owner = f"{self.name}/{secrets.token_hex(3)}"
        cmd = [sys.executable, "-m", "govpatrol.distributed.crawl", "--sweep", sweep_id]
        cmd += ["--owner", owner, "--redis", self.url]
        if self.config.source:
            cmd += ["--config", str(Path(self.config.source).resolve())]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        say(f"worker {self.name}: sweep {sweep_id}: crawling as {owner}")
        self.crawls += 1
        self.child = subprocess.Popen(cmd, env=env, cwd=ROOT, preexec_fn=_die_with_parent)  # noqa: PLW1509
        try:
            code = self.child.wait()
        except KeyboardInterrupt:
            code = self.child.wait()
        self.child = None
        given = LeasedQueue(self.redis, sweep_id, self.prefix).release(owner)  # a crashed child's leases
        say(
            f"worker {self.name}: sweep {sweep_id}: crawl ended (exit {code}, {len(given)} lease(s) given back)"
        )
        if code != 0 and not self.stopping:
            time.sleep(max(1.0, self.config.distributed.poll_seconds))  # no hot loop on a broken crawl
