"""Link checks in a child process (``[crawl] link_workers = 2``): the parent's side.

:class:`LinkWorker` has the :class:`~spiders.linkengine.LinkEngine` interface (``check``,
``close``, ``requests``) and sends each check to :mod:`spiders.linkchild`, which runs the same
engine -- same settings, SSRF guard, page words -- on its own event loop, on the other core. The
parent keeps the politeness it would have had: a check waits for a place on its host
(``per_host``) and in the process-wide cap shared with Scrapy's downloads before it is sent, as
the in-process engine's checks do.

Nothing is lost if the child dies: it is started again and the checks it had in flight are sent
again; a check in flight at two deaths is answered as a failure (``other``, with the reason), and
after :data:`MAX_RESTARTS` deaths the remaining checks run in this process's own engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from yarl import URL

from spiders.inflight import shared_cap
from spiders.linkcheck import LinkResult, read_page, read_signals
from spiders.linkengine import LinkEngine
from spiders.linkframes import CheckAsk, ChildSetup, frame, read_frame

log = logging.getLogger(__name__)
MAX_TRIES = 2  # a URL in flight at this many deaths of the child is answered as a failure
MAX_RESTARTS = 5  # then the rest of the sweep's checks run in-process


@dataclass
class _Asked:
    ask: CheckAsk
    future: asyncio.Future[LinkResult]
    tries: int = 0


class _Child:
    """One running child: its process, the pipe to it, and the task reading its answers."""

    def __init__(self, proc: subprocess.Popen[bytes], send: asyncio.WriteTransport) -> None:
        self.proc = proc
        self.send = send
        self.requests = 0
        self.listening: asyncio.Task[None] | None = None


class LinkWorker:
    """Checks link URLs in a child process: ``await worker.check(url, first=..., internal=...)``."""

    def __init__(self, setup: ChildSetup) -> None:
        self.setup = setup
        self.settings = setup.settings
        self.restarts = 0  # deaths of a child (each followed by a new one, up to MAX_RESTARTS)
        self._child: _Child | None = None
        self._starting: asyncio.Future[_Child] | None = None
        self._asked: dict[int, _Asked] = {}
        self._keys = itertools.count()
        self._ended_requests = 0  # requests sent by children that have ended
        self._fallback: LinkEngine | None = None
        self._closing = False
        self._all: asyncio.Semaphore | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}

    @property
    def requests(self) -> int:
        """HTTP requests sent for the checks (the children's counters, plus the fallback's)."""
        own = self._fallback.requests if self._fallback is not None else 0
        return self._ended_requests + (self._child.requests if self._child else 0) + own

    @property
    def in_flight(self) -> int:
        """Checks sent to a child and not answered yet."""
        return len(self._asked)

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before the first check)."""
        return self._child.proc.pid if self._child is not None else None

    def warm(self) -> None:
        """Start the child now (on the running loop), so its start-up overlaps the page crawl."""
        if self._child is None and self._starting is None and self._fallback is None:
            self._starting = asyncio.ensure_future(self._start())

    async def check(
        self, url: str, *, first: str = "HEAD", internal: bool = False, read: bool = False
    ) -> LinkResult:
        """The child's answer for ``url`` (the arguments of :meth:`LinkEngine.check`)."""
        if self._fallback is not None:
            return await self._fallback.check(url, first=first, internal=internal, read=read)
        async with self._slot(url):
            child = await self._running()
            asked = _Asked(
                CheckAsk(next(self._keys), url, first, internal, read), self._loop().create_future()
            )
            self._asked[asked.ask.key] = asked
            child.send.write(frame(asked.ask))
            return await asked.future

    async def close(self) -> None:
        """Close the pipe (the child finishes and exits), wait for it; the fallback engine too."""
        self._closing = True
        child, self._child = self._child, None
        if child is not None:
            child.send.close()
            try:
                await asyncio.to_thread(child.proc.wait, 10)
            except subprocess.TimeoutExpired:
                child.proc.kill()
            if child.listening is not None:
                await child.listening
            self._ended_requests += child.requests
        self._fail_all("the link worker was closed with the check in flight")
        if self._fallback is not None:
            await self._fallback.close()

    @contextlib.asynccontextmanager
    async def _slot(self, url: str) -> AsyncIterator[None]:
        """A place on the URL's host, then in the process-wide cap (the in-process engine's order)."""
        host = (URL(url).host or "").lower()
        if self._all is None:
            self._all = shared_cap(self.settings.concurrency)
        per_host = self._hosts.get(host)
        if per_host is None:
            per_host = self._hosts[host] = asyncio.Semaphore(max(1, self.settings.per_host))
        async with per_host, self._all:
            yield

    @staticmethod
    def _loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    async def _running(self) -> _Child:
        if self._child is not None:
            return self._child
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())
        return await asyncio.shield(self._starting)

    async def _start(self) -> _Child:
        proc = subprocess.Popen(
            [sys.executable, "-m", "spiders.linkchild"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert proc.stdin is not None
        assert proc.stdout is not None
        loop = self._loop()
        reader = asyncio.StreamReader(limit=2**20)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), proc.stdout)
        send, _ = await loop.connect_write_pipe(asyncio.Protocol, proc.stdin)
        child = _Child(proc, send)
        send.write(frame(self.setup))
        for asked in self._asked.values():  # what the child before had in flight
            send.write(frame(asked.ask))
        child.listening = asyncio.ensure_future(self._listen(child, reader))
        self._child, self._starting = child, None
        return child

    async def _listen(self, child: _Child, reader: asyncio.StreamReader) -> None:
        try:
            while (answer := await read_frame(reader)) is not None:
                child.requests = answer.requests
                asked = self._asked.pop(answer.key, None)
                if asked is not None and not asked.future.done():
                    asked.future.set_result(answer.result)
        except Exception:  # a garbled answer: this child is ended and replaced like a dead one
            log.exception("link worker %s: unreadable answer", child.proc.pid)
            child.proc.kill()
        if not self._closing and self._child is child:
            await self._died(child)

    async def _died(self, child: _Child) -> None:
        """The child ended while the sweep goes on: start another, send again what it had."""
        self._child = None  # checks asked from now on wait for the next child
        code = await asyncio.to_thread(child.proc.wait)
        self._ended_requests += child.requests
        self.restarts += 1
        log.warning(
            "link worker %s ended (exit %s) with %d checks in flight", child.proc.pid, code, len(self._asked)
        )
        for key, asked in list(self._asked.items()):
            asked.tries += 1
            if asked.tries >= MAX_TRIES:
                del self._asked[key]
                asked.future.set_result(
                    self._failure(asked.ask.url, f"the link worker died twice checking it (exit {code})")
                )
        if self.restarts >= MAX_RESTARTS:
            log.error(
                "link worker died %d times: the sweep's remaining link checks run in-process", self.restarts
            )
            self._fail_all(f"the link worker died {self.restarts} times (exit {code})")
            self._fallback = self._engine()
            return
        if self._asked and self._starting is None:
            self._starting = asyncio.ensure_future(self._start())

    def _engine(self) -> LinkEngine:
        setup = self.setup
        return LinkEngine(
            setup.settings,
            signals=lambda html: read_signals(html, setup.words),
            now=lambda: datetime.now(setup.tz),
            guard=setup.guard,
            reader=read_page,
        )

    def _failure(self, url: str, reason: str) -> LinkResult:
        return LinkResult(url=url, checked_at=datetime.now(self.setup.tz), error="other", error_detail=reason)

    def _fail_all(self, reason: str) -> None:
        for asked in self._asked.values():
            if not asked.future.done():
                asked.future.set_result(self._failure(asked.ask.url, reason))
        self._asked.clear()
