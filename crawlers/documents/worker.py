"""What runs inside a reader process: its limits, and one file read into a plain dict.

The pool in :mod:`crawlers.documents.isolation` starts these processes with ``spawn`` (never a
fork of a crawler with live threads) and calls :func:`limit` once in each. The address-space
limit holds for the process's life; run time is bounded by the pool, which kills a process whose
file outlasts ``caps.timeout_s`` (a per-process CPU limit would add up over the files it reads).
"""

from __future__ import annotations

import dataclasses
import resource
from typing import Any

from crawlers.documents.caps import Caps, failed
from crawlers.documents.readers import extract_here
from crawlers.documents.sniff import sniff


def limit(memory_mb: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))


def read(data: bytes, url: str, content_type: str, caps: dict[str, Any]) -> dict[str, Any]:
    """One file's :class:`~crawlers.documents.caps.Extracted`, as a dict (what crosses the pipe)."""
    try:
        result = extract_here(data, url, content_type, Caps(**caps))
    except MemoryError:
        result = failed(sniff(data, url, content_type), "too_large", "the reader ran out of memory")
    return dataclasses.asdict(result)
