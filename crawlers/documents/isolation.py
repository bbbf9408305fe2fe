"""A few long-lived reader processes, killed and replaced when a file outlasts its time.

Why a pool (pebble's ``ProcessPool``) and not a process per file: starting Python and importing
the readers costs a few hundred milliseconds, more than reading a typical attachment, and a full
sweep reads thousands. pebble gives what the isolation needs: a per-file timeout that kills only
the process reading that file, a crashed process reported for its own file alone, and processes
replaced after ``MAX_TASKS`` files so a parser's leaks never pile up. The processes are spawned,
not forked from a crawler with live threads, and limit their own address space once.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from concurrent.futures import TimeoutError as FutureTimeout

from pebble import ProcessExpired, ProcessPool

from crawlers.documents import worker
from crawlers.documents.caps import Caps, Extracted, failed

WORKERS = max(1, min(4, os.cpu_count() or 1))  # readers are CPU-bound: about one per core
MAX_TASKS = 1000  # files a process reads before it is replaced (a respawn costs ~0.3 s of imports)

_pools: dict[int, ProcessPool] = {}  # one pool per address-space limit (one in practice)
_lock = threading.Lock()


def _pool(memory_mb: int) -> ProcessPool:
    with _lock:
        pool = _pools.get(memory_mb)
        if pool is None or not pool.active:
            pool = ProcessPool(
                max_workers=WORKERS,
                max_tasks=MAX_TASKS,
                initializer=worker.limit,
                initargs=(memory_mb,),
                context=multiprocessing.get_context("spawn"),
            )
            _pools[memory_mb] = pool
        return pool


def read_isolated(data: bytes, url: str, content_type: str, caps: Caps, fmt: str) -> Extracted:
    """Read one file in a reader process; a timeout or a dead process is this file's answer."""
    future = _pool(caps.memory_mb).schedule(
        worker.read, args=(data, url, content_type, caps.to_json()), timeout=caps.timeout_s
    )
    try:
        return Extracted(**future.result())
    except FutureTimeout:
        return failed(fmt, "timeout", f"reading took over {caps.timeout_s:g} s")
    except ProcessExpired as exc:
        return failed(fmt, "crashed", f"reader process died (exit {exc.exitcode})")
    except MemoryError:
        return failed(fmt, "too_large", "the reader ran out of memory")
    except Exception as exc:  # noqa: BLE001 - any other failure of the reader is this file's, not the crawl's
        return failed(fmt, "crashed", f"{type(exc).__name__}: {exc}")


@atexit.register
def _stop() -> None:
    with _lock:
        for pool in _pools.values():
            pool.stop()
            pool.join(timeout=5)
        _pools.clear()
