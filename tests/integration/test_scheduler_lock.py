"""One running scheduler per job store: real `govpatrol scheduler` processes on one SQLite or Redis job
store. Jobs are a tiny script (GOVPATROL_SCHEDULER_COMMAND) that appends "<scheduler pid> <own pid>
<job>" to a marker file, and probes fire every second (the hidden --probe-seconds hook)."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from govpatrol.services import ensure_redis

SCHEDULER = [sys.executable, "-m", "govpatrol", "scheduler"]

JOB_SCRIPT = """\
import os, sys, time
with open(os.environ["GOVPATROL_TEST_MARKS"], "a") as f:
    f.write(f"{os.getppid()} {os.getpid()} {sys.argv[1]}\\n")
if os.environ.get("GOVPATROL_TEST_HANG") == sys.argv[1]:
    time.sleep(600)
"""


class Deployment:
    """A config, a job store and a marker file in tmp; starts scheduler processes and stops them all."""

    def __init__(self, tmp_path: Path, redis_url: str = "") -> None:
        self.tmp = tmp_path
        self.marks = tmp_path / "marks.txt"
        self.prefix = f"govpatrol-test-{uuid.uuid4().hex[:8]}"
        self.redis_url = redis_url
        (tmp_path / "job.py").write_text(JOB_SCRIPT, encoding="utf-8")
        (tmp_path / "sites.csv").write_text("id,kind,name,owner,region,url\n", encoding="utf-8")
        self.config = tmp_path / "govpatrol.toml"
        self.config.write_text(
            f'[elasticsearch]\nindex_prefix = "{self.prefix}"\n'
            f'[scheduler]\ntargets = "sites.csv"\nstate_dir = "state"\nredis_url = "{redis_url}"\n',
            encoding="utf-8",
        )
        self.env = {
            **os.environ,
            "GOVPATROL_SCHEDULER_COMMAND": shlex.join([sys.executable, str(tmp_path / "job.py")]),
            "GOVPATROL_TEST_MARKS": str(self.marks),
        }
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"scheduler-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(
            [*SCHEDULER, "--config", str(self.config), "--probe-seconds", "1", *extra],
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        proc.log_path = Path(log.name)  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def runs_by(self, proc: subprocess.Popen[bytes]) -> list[tuple[int, str]]:
        """(job process pid, job) for every job the scheduler process started."""
        if not self.marks.exists():
            return []
        rows = [line.split() for line in self.marks.read_text(encoding="utf-8").splitlines()]
        return [(int(child), job) for parent, child, job in rows if int(parent) == proc.pid]

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
        if self.redis_url:
            import redis

            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(f"{self.prefix}:*"))
            if keys:
                client.delete(*keys)


def log_of(proc: subprocess.Popen[bytes]) -> str:
    return proc.log_path.read_text(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]


def poll(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for: {what}")
        time.sleep(0.1)


@pytest.fixture(params=["sqlite", "redis"])
def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Deployment]:
    d = Deployment(tmp_path, ensure_redis() if request.param == "redis" else "")
    yield d
    d.stop_all()


def test_two_schedulers_on_one_job_store_exactly_one_runs_jobs_and_the_other_takes_over(deployment):
    first = deployment.start()
    poll(lambda: deployment.runs_by(first), "the first scheduler runs a probe")
    second = deployment.start()
    poll(
        lambda: "another scheduler holds the lock" in log_of(second),
        "the second scheduler waits for the lock",
    )
    seen = len(deployment.runs_by(first))
    poll(lambda: len(deployment.runs_by(first)) >= seen + 3, "three more probes by the first scheduler")
    assert deployment.runs_by(second) == []
    assert second.poll() is None

    refused = subprocess.run(
        [*SCHEDULER, "--config", str(deployment.config), "--no-wait"],
        env=deployment.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "another scheduler holds the lock" in refused.stderr

    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0
    assert "lock released" in log_of(first)
    done_by_first = len(deployment.runs_by(first))
    poll(lambda: deployment.runs_by(second), "the second scheduler takes over and runs a probe")
    assert {job for _, job in deployment.runs_by(second)} == {"probe"}
    assert len(deployment.runs_by(first)) == done_by_first

    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=30) == 0


def test_sigterm_ends_a_running_job_process_and_releases_the_lock(tmp_path):
    deployment = Deployment(tmp_path)
    try:
        proc = deployment.start(env={"GOVPATROL_TEST_HANG": "probe"})
        poll(lambda: deployment.runs_by(proc), "a probe that hangs")
        (job_pid, _), *_ = deployment.runs_by(proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        with pytest.raises(ProcessLookupError):
            os.kill(job_pid, 0)
        assert "terminating job process" in log_of(proc)
        again = deployment.start("--no-wait")
        poll(lambda: deployment.runs_by(again), "a new scheduler takes the released lock at once")
    finally:
        deployment.stop_all()
