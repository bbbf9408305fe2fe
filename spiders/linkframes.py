"""The messages between a sweep and its link-check child (:mod:`spiders.linkchild`), and their framing.

Frames are a 4-byte big-endian length and a pickle. Both ends are this project's code on one
machine, talking over a pipe nobody else holds; nothing read from the network is unpickled. The
classes live here, not in the child's ``__main__``, so both ends name them the same.
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from crawlers.pagewords import PageWords
from spiders.httpclient import AddressGuard
from spiders.linkcheck import LinkResult
from spiders.linkengine import EngineSettings

HEADER = struct.Struct(">I")


@dataclass
class ChildSetup:
    """The first frame: what the child's engine needs (the parent's engine would get the same)."""

    settings: EngineSettings
    guard: AddressGuard | None
    words: PageWords
    tz: tzinfo


@dataclass
class CheckAsk:
    """Check ``url`` (the arguments of :meth:`LinkEngine.check`); ``key`` names it in the answer."""

    key: int
    url: str
    first: str = "HEAD"
    internal: bool = False
    read: bool = False


@dataclass
class CheckAnswer:
    key: int
    result: LinkResult
    requests: int  # the child's requests sent so far (its engine's counter)


def frame(message: Any) -> bytes:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


async def read_frame(reader: asyncio.StreamReader) -> Any:
    """The next message, or None at the end of the stream."""
    try:
        head = await reader.readexactly(HEADER.size)
        # our own child or parent at the other end of a private pipe (see the module docstring)
        return pickle.loads(await reader.readexactly(HEADER.unpack(head)[0]))  # noqa: S301
    except asyncio.IncompleteReadError:
        return None
