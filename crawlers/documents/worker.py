"""The isolating process: ``python -m crawlers.documents.worker CAPS_JSON URL CONTENT_TYPE``.

Reads the file from stdin, limits its own address space (``caps.memory_mb``) and CPU time, and
writes one JSON :class:`~crawlers.documents.caps.Extracted` to stdout. The parent kills it at the
wall-clock timeout.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import sys

from crawlers.documents import extract_here
from crawlers.documents.caps import Caps


def _limit(caps: Caps) -> None:
    memory = caps.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    cpu = int(caps.timeout_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def main(argv: list[str]) -> int:
    caps = Caps(**json.loads(argv[0]))
    url = argv[1] if len(argv) > 1 else ""
    content_type = argv[2] if len(argv) > 2 else ""
    _limit(caps)
    data = sys.stdin.buffer.read()
    result = extract_here(data, url, content_type, caps)
    sys.stdout.write(json.dumps(dataclasses.asdict(result), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
