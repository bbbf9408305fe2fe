"""What every benchmark shares: the bench web in its own process, timed runs with peak RSS, inputs.

Peak RSS is the sum over the measured process and all its children (lychee and LinkChecker are one
process, govpatrol may start Chromium), sampled every 50 ms from /proc through psutil: short peaks
can be missed, so the figure is a lower bound on the true peak. Summed RSS counts a page shared by
several processes (Chromium's renderers share most of theirs) once per process, so the harness also
samples the tree's PSS (proportional set size: a shared page split between its sharers, from
``/proc/PID/smaps_rollup``) about once a second; that sum is what the tree really holds. CPU seconds
are the tree's user + system time (``getrusage`` of reaped children, which includes their reaped
descendants) and, as a check, the sum of each process's last sampled CPU time: the figures to
compare on a loaded machine where wall time is not.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from benchmarks.benchaccounts import AS_OF
from benchmarks.benchweb import EXTERNAL_HOSTS, BenchSpec, BenchWorld, site_code
from simweb.platforms import app_class

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
VENV_BIN = Path(sys.executable).parent


# more ``[crawl]`` lines for govpatrol's config (``--link-workers N`` of linkcheck and profile)
CRAWL_EXTRA: list[str] = []
# more sections (``--no-attachments`` of linkcheck and profile: ``[content_watch] attachments = false``)
SECTIONS_EXTRA: list[str] = []


class BenchWeb:
    """``with BenchWeb(spec) as web:`` serves ``spec`` from a child process until the block ends."""

    def __init__(self, spec: BenchSpec, limit_per_minute: int = 0) -> None:
        self.spec = spec
        self.limit_per_minute = limit_per_minute  # every simulated platform throttles above this
        self.proc: subprocess.Popen[str] | None = None
        self.world: BenchWorld | None = None
        self.platforms: dict[str, int] = {}

    def __enter__(self) -> BenchWeb:
        cmd = [sys.executable, "-m", "benchmarks.benchserver", *self.spec.args()]
        cmd.append(f"--limit-per-minute={self.limit_per_minute}")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # blocks until the server listens (or dies)
        if not line:
            raise RuntimeError(f"bench server exited with {self.proc.wait()}")
        ready = json.loads(line)
        self.world = BenchWorld(self.spec, ready["port"], ready["refused_port"])
        self.platforms = ready["platforms"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def proxy_env(self) -> dict[str, str]:
        """Environment for peers that resolve names themselves: every request goes to the bench server
        in proxy form, except the refused-host links (127.0.0.1), which must really be refused."""
        assert self.world is not None
        proxy = f"http://127.0.0.1:{self.world.port}"
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.update(http_proxy=proxy, HTTP_PROXY=proxy, no_proxy="127.0.0.1", NO_PROXY="127.0.0.1")
        return env

    def write_govpatrol_inputs(
        self,
        folder: Path,
        *,
        concurrency: int,
        per_host: int,
        accounts: list[dict[str, str]] | None = None,
        budget_per_minute: float = 0,
        backoff_seconds: float = 0.2,
    ) -> tuple[Path, Path]:
        """A targets CSV of the bench sites (and accounts) and a config that reaches them offline;
        every bench platform gets the request budget ``budget_per_minute`` (0: none)."""
        assert self.world is not None
        folder.mkdir(parents=True, exist_ok=True)
        targets = folder / "targets.csv"
        fields = ["id", "kind", "name", "owner", "region", "url", "platform", "account_id", "site_code"]
        with targets.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            for n, (tid, name, url) in enumerate(self.world.iter_sites()):
                row = {"id": tid, "kind": "site", "name": name, "owner": "基准测试市人民政府办公室"}
                row.update(region="基准测试市", url=url, site_code=site_code(n))
                writer.writerow(row)
            for row in accounts or []:
                writer.writerow(row)
        resolve = {f"*.{self.spec.domain}": "127.0.0.1", **{h: "127.0.0.1" for h in EXTERNAL_HOSTS}}
        # the guard opens only what is listed: the bench names on the bench port, and 127.0.0.1 (the
        # refused-host links, which must really be refused by the closed port, not by the guard)
        allow = ["127.0.0.1", *(f"{host}:{self.world.port}" for host in resolve)]
        lines = [
            "[network]",
            "allow_hosts = [" + ", ".join(json.dumps(a) for a in allow) + "]",
            "offline = true",
            "resolve = { " + ", ".join(f'"{k}" = "{v}"' for k, v in resolve.items()) + " }",
            "",
            "[crawl]",
            f"concurrency = {concurrency}",
            f"per_host = {per_host}",
            'render_js = "never"',
            "max_columns = 200",
            *CRAWL_EXTRA,
            "",
            *SECTIONS_EXTRA,
        ]
        for key, port in self.platforms.items():
            # unthrottled bench platforms: no request budget and a short pause after their planted
            # anti-bot answers (the CPU cost per account is measured, not the platform budgets)
            lines += [
                f"[platforms.{key}]",
                f'origin = "http://127.0.0.1:{port}"',
                f"requests_per_minute = {float(budget_per_minute)}",
                f"backoff_seconds = {float(backoff_seconds)}",
                *office_login(key),
                "",
            ]
        config = folder / "config.toml"
        config.write_text("\n".join(lines), encoding="utf-8")
        return targets, config


def office_login(key: str) -> list[str]:
    """The office's own back-office login for a bench platform that has one (WeChat's MP list), as
    the simulated web's config gives it: without it, accounts read only through the back office
    (WeChat's zombie and never-posted cases) are rightly unverified, which a throttling figure would
    count against the budgets."""
    app = app_class(key)([], AS_OF)
    creds = getattr(app, "credentials", None)
    if creds is None:
        return []
    pairs = ", ".join(f"{name} = {json.dumps(value)}" for name, value in creds().items())
    return [f"credentials = {{ {pairs} }}"]


@dataclass
class Run:
    wall_s: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    peak_pss_mb: float = 0.0  # PSS summed over the tree, sampled about once a second
    cpu_s: float = 0.0  # user + system CPU seconds of the whole tree (getrusage of reaped children)
    # the same summed from 50 ms samples of each live process: a process that dies unreaped (a
    # renderer killed with its browser) is missed by getrusage, one shorter than a sample by this
    cpu_sampled_s: float = 0.0


PSS_EVERY = 20  # RSS samples between two PSS samples (smaps_rollup walks every mapping: costly)


def _pss_kb(pid: int) -> int:
    """A process's PSS in kB from ``/proc/PID/smaps_rollup``; 0 when it is gone or unreadable."""
    try:
        with Path(f"/proc/{pid}/smaps_rollup").open(encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0


def tree_pss(proc: psutil.Process) -> int:
    """PSS in bytes summed over ``proc`` and its descendants."""
    try:
        pids = [proc.pid, *(c.pid for c in proc.children(recursive=True))]
    except psutil.Error:
        return 0
    return sum(_pss_kb(pid) for pid in pids) * 1024


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree_rss(proc: psutil.Process, cpu: dict[int, float] | None = None) -> int:
    """Summed RSS of ``proc``'s tree; ``cpu`` (pid -> CPU seconds) gets each live process's CPU."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
            if cpu is not None:
                times = p.cpu_times()
                cpu[p.pid] = max(cpu.get(p.pid, 0.0), times.user + times.system)
        except psutil.Error:
            continue
    return total


def run_measured(
    cmd: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 900,
    on_sample: Callable[[], None] | None = None,
) -> Run:
    """Run ``cmd`` to the end; wall time, CPU seconds and the peak RSS and PSS of its process tree
    (``on_sample``: also called about once a second while it runs)."""
    start = time.monotonic()
    cpu_before = _children_cpu()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = peak_pss = 0
    seen_cpu: dict[int, float] = {}  # the last CPU seconds sampled per process of the tree
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    import threading

    def drain(stream: Any, sink: list[str]) -> None:
        for line in stream:
            sink.append(line)

    readers = [
        threading.Thread(target=drain, args=(proc.stdout, out_chunks), daemon=True),
        threading.Thread(target=drain, args=(proc.stderr, err_chunks), daemon=True),
    ]
    for t in readers:
        t.start()
    samples = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(ps, seen_cpu))
        if samples % PSS_EVERY == 0:
            peak_pss = max(peak_pss, tree_pss(ps))
        samples += 1
        if on_sample is not None and samples % 20 == 1:
            on_sample()
        if time.monotonic() - start > timeout:
            proc.kill()
            break
        time.sleep(0.05)  # the sampling period of the RSS probe, not a wait for a condition
    proc.wait()
    wall = time.monotonic() - start
    for t in readers:
        t.join(5)
    cpu = _children_cpu() - cpu_before
    out, err = "".join(out_chunks), "".join(err_chunks)
    sampled = sum(seen_cpu.values())
    return Run(wall, peak / 2**20, proc.returncode, out, err, peak_pss / 2**20, cpu, sampled)


def machine() -> dict[str, Any]:
    """nproc, RAM and CPU model, for the README and every results file."""
    model = ""
    with Path("/proc/cpuinfo").open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": model,
        "python": platform.python_version(),
        "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def save_results(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    text = json.dumps(data, ensure_ascii=False, indent=2)
    path.write_text(text, encoding="utf-8")
    (RESULTS / f"{name}-latest.json").write_text(text, encoding="utf-8")
    return path
