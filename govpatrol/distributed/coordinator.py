"""The coordinator side of ``govpatrol sweep --distributed``: the crawl step of a sweep, done by workers.

``run_sweep`` plans and records the sweep exactly as for a single process; only its crawl step is
replaced: the plan is published to Redis, and the targets' committed results are read back in
commit order (``LRANGE`` from a cursor, non-destructive) and fed to the same ``on_item`` the local
crawl would call, so each target is judged when its result arrives. Lapsed leases are reaped here
too, so a sweep whose workers all died continues as soon as any worker arrives. The sweep is
complete when every planned target is done; only then does ``run_sweep`` write its record.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.config import Config
from crawlers.events import EventWatch
from crawlers.models import Target, TargetDone
from govpatrol.distributed import connect, redis_url
from govpatrol.distributed.codec import CodecError, decode_items
from govpatrol.distributed.plan import SweepPlan, publish, retire
from govpatrol.distributed.worker import ROOT, _die_with_parent, shown_url

log = logging.getLogger(__name__)

STATUS_EVERY_S = 10.0  # a progress line on stderr this often (the bar shows judged targets)
WORKER_STOP_S = 30.0  # local workers get this long to exit after the sweep


def _say(message: str, quiet: bool) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def start_local_workers(n: int, url: str, config: Config) -> list[subprocess.Popen[bytes]]:
    """``--workers N``: N ``govpatrol worker --once`` processes that die with this one."""
    cmd = [sys.executable, "-m", "govpatrol", "worker", "--once", "--redis", url]
    if config.source:
        cmd += ["--config", str(Path(config.source).resolve())]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    return [
        subprocess.Popen([*cmd, "--id", f"local-{i + 1}"], env=env, cwd=ROOT, preexec_fn=_die_with_parent)  # noqa: PLW1509
        for i in range(n)
    ]


def stop_workers(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + WORKER_STOP_S
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def run_distributed_crawl(
    sweep_id: str,
    targets: list[Target],
    as_of: datetime,
    mode: str,
    config: Config,
    on_item: Callable[[object], None],
    *,
    url: str | None = None,
    workers: int = 0,
    quiet: bool = False,
    watches: tuple[EventWatch, ...] = (),
) -> dict[str, Any]:
    """Publish the sweep, feed every committed item to ``on_item``, return the crawl's stats.

    Stats: ``requests``, ``items``, ``targets_done``, ``on_item_errors``, ``decode_errors`` and
    ``distributed`` (redis, workers seen, claims, reclaimed targets, reaped leases) for the record.
    """
    url = redis_url(config, url)
    redis = connect(url)
    prefix, dist = config.distributed.key_prefix, config.distributed
    queue = publish(redis, prefix, SweepPlan(sweep_id, as_of, mode, targets, watches))
    _say(
        f"distributed: sweep {sweep_id}: {len(targets)} targets queued in {shown_url(url)} (prefix {prefix})",
        quiet,
    )
    children = start_local_workers(workers, url, config) if workers else []
    counts: Counter[str] = Counter()
    cursor, last_line = 0, 0.0
    try:
        while True:
            batch = queue.results(cursor)
            for payload in batch:
                _feed(payload, on_item, counts)
            cursor += len(batch)
            progress = queue.progress()
            if progress.complete and cursor >= progress.done:
                break
            if batch:
                continue
            queue.reap()
            now = time.monotonic()
            if now - last_line >= STATUS_EVERY_S:
                last_line = now
                _say(
                    f"distributed: {progress.done}/{progress.planned} done, {progress.leased} leased, "
                    f"{progress.pending} pending, workers seen {len(queue.workers())}",
                    quiet,
                )
            time.sleep(max(0.05, min(dist.poll_seconds, 0.5)))
        claims = queue.claims()
        record: dict[str, Any] = {
            "redis": shown_url(url),
            "key_prefix": prefix,
            "workers": sorted(queue.workers()),
            "claims": sum(claims.values()),
            "reclaimed_targets": sorted(t for t, n in claims.items() if n > 1),
            "reaped_leases": queue.reaped(),
        }
        retire(redis, prefix, sweep_id)
    finally:
        stop_workers(children)
    _say(
        f"distributed: sweep {sweep_id} complete: {len(targets)} targets by {len(record['workers'])} "
        f"worker crawl(s), {len(record['reclaimed_targets'])} target(s) crawled again after a lost lease",
        quiet,
    )
    return {
        "requests": counts["requests"],
        "items": counts["items"],
        "targets_done": counts["targets_done"],
        "on_item_errors": counts["on_item_errors"],
        "decode_errors": counts["decode_errors"],
        "distributed": record,
    }


def _feed(payload: str, on_item: Callable[[object], None], counts: Counter[str]) -> None:
    """One committed target: its observations, then its TargetDone (which judges it)."""
    try:
        items = decode_items(payload)
    except CodecError as exc:
        counts["decode_errors"] += 1
        log.error("a committed result could not be read (its target is judged without it): %s", exc)
        return
    for item in items:
        counts["items"] += 1
        if isinstance(item, TargetDone):
            counts["targets_done"] += 1
            counts["requests"] += item.requests
        try:
            on_item(item)
        except Exception:
            counts["on_item_errors"] += 1
            log.exception("on_item failed for %s", type(item).__name__)
