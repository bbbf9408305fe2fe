"""The link-check child process: a :class:`~spiders.linkengine.LinkEngine` on its own event loop.

A sweep's parent process parses pages, runs Scrapy and judges; at 0 ms latency one core is its
bound. Link checks (aiohttp requests, decoding, soft-404 signals) run here instead, on the second
core: ``python -m spiders.linkchild`` reads framed requests on stdin and answers each on stdout
(see :mod:`spiders.linkworker`, the parent side). The first frame is the engine's whole setup --
its settings, the SSRF guard, the page words and the time zone of the sweep -- so every check
passes the same guard and gives the same facts as the in-process engine.

The messages and their framing are :mod:`spiders.linkframes`.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime
from typing import Any

from spiders.linkcheck import LinkResult, read_page, read_signals
from spiders.linkengine import LinkEngine
from spiders.linkframes import CheckAnswer, CheckAsk, ChildSetup, frame, read_frame


async def serve(reader: asyncio.StreamReader, write: Any) -> None:
    """Answer checks until the parent closes the pipe, then finish what is in flight."""
    setup: ChildSetup | None = await read_frame(reader)
    if setup is None:
        return
    tz, words = setup.tz, setup.words
    engine = LinkEngine(
        setup.settings,
        signals=lambda html: read_signals(html, words),
        now=lambda: datetime.now(tz),
        guard=setup.guard,
        reader=read_page,
    )

    async def one(ask: CheckAsk) -> None:
        try:
            result = await engine.check(ask.url, first=ask.first, internal=ask.internal, read=ask.read)
        except Exception as exc:  # an answer for every ask: the parent never waits for nothing
            result = LinkResult(
                url=ask.url, checked_at=datetime.now(tz), error="other", error_detail=repr(exc)[:500]
            )
        write(frame(CheckAnswer(ask.key, result, engine.requests)))

    running: set[asyncio.Task[None]] = set()
    while (ask := await read_frame(reader)) is not None:
        task = asyncio.create_task(one(ask))
        running.add(task)
        task.add_done_callback(running.discard)
    if running:
        await asyncio.gather(*running, return_exceptions=True)
    await engine.close()


async def _main() -> None:
    out_fd = os.dup(1)  # the answers' pipe; a stray print() goes to stderr instead
    os.dup2(2, 1)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
    out = os.fdopen(out_fd, "wb", buffering=0)
    transport, _ = await loop.connect_write_pipe(asyncio.Protocol, out)
    await serve(reader, transport.write)
    transport.close()


if __name__ == "__main__":
    asyncio.run(_main())
