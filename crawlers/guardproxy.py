"""The browser's only way out: a SOCKS5 proxy on loopback that applies the SSRF guard.

Chromium resolves names and follows redirects itself, runs the page's own ``fetch``/XHR and opens
WebSockets: a check of the first URL cannot see any of that. So Chromium is launched with
``--proxy-server=socks5://127.0.0.1:PORT`` (and ``--proxy-bypass-list=<-loopback>``, since Chromium
otherwise connects to loopback names and addresses directly), and every connection it makes — a
page, each redirect hop, a subresource, a script's request, a WebSocket — arrives here as
"connect to host:port". With SOCKS5 Chromium hands over the *name* and never resolves it itself;
this proxy resolves it with the crawler's own rules (``[network] resolve``, offline mode, the
system resolver), passes each address through :class:`~crawlers.ssrf.AddressPolicy` with the port,
and connects to the checked address only (no second lookup). A refused connection gets the SOCKS
reply "not allowed by ruleset": to the page it is a network error, as a blocked request should be.

Why SOCKS5 and not an HTTP proxy: one small protocol for every scheme (http, https, ws, wss), no
HTTP parsing or re-framing of untrusted responses, and keep-alive connections stay bound to the
host:port they were checked for. The proxy runs its own event loop in a thread, so a busy Scrapy
loop never stalls the browser's bytes; it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import struct
import threading
from collections import deque
from dataclasses import dataclass

from crawlers.hostmap import LOCAL_NAMES, ResolveMap
from crawlers.ssrf import AddressPolicy, BlockedAddress, parse_ip

log = logging.getLogger(__name__)

#: Chromium flags that go with the proxy: no loopback bypass, no name resolution of its own (a
#: connection that somehow skipped the proxy finds no name), WebRTC only through the proxy.
CHROMIUM_GUARD_ARGS = (
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--disable-quic",
)

# SOCKS5 (RFC 1928)
_VERSION, _NO_AUTH, _NO_METHOD, _CONNECT = 5, 0, 0xFF, 1
_IPV4, _NAME, _IPV6 = 1, 3, 4
REPLY_OK, REPLY_FAILURE, REPLY_NOT_ALLOWED = 0, 1, 2
REPLY_UNREACHABLE, REPLY_REFUSED, REPLY_TTL, REPLY_COMMAND, REPLY_ADDRESS = 4, 5, 6, 7, 8
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class BrowserGuardSpec:
    """What the proxy needs: the policy, the static map and offline mode of one configuration.

    It stands in ``PLAYWRIGHT_LAUNCH_OPTIONS["proxy"]`` until the provider starts the proxy, so a
    browser launched from these settings without the guard fails at once instead of running open.
    """

    policy: AddressPolicy
    resolve: ResolveMap
    offline: bool
    connect_timeout: float = 15.0


class Refused(Exception):
    """A connection the proxy will not make; ``reply`` is the SOCKS5 reply code."""

    def __init__(self, reply: int, message: str) -> None:
        super().__init__(message)
        self.reply = reply


class GuardProxy:
    """A running guard proxy: ``start()`` returns its ``socks5://`` URL, ``stop()`` ends it."""

    def __init__(self, spec: BrowserGuardSpec) -> None:
        self.spec = spec
        self.port = 0
        self.connections = 0
        self.refused: deque[str] = deque(maxlen=200)  # the latest refusals, newest last
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"socks5://127.0.0.1:{self.port}"

    def start(self) -> str:
        ready = threading.Event()
        failed: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(ready, failed), name="guard-proxy", daemon=True
        )
        self._thread.start()
        ready.wait()
        if failed:
            raise failed[0]
        return self.url

    def stop(self) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop ended meanwhile
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self, ready: threading.Event, failed: list[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(ready))
        except BaseException as exc:  # noqa: BLE001 - reported to start(); the thread just ends
            failed.append(exc)
            ready.set()
        finally:
            loop.close()

    async def _serve(self, ready: threading.Event) -> None:
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        try:
            await self._stop.wait()
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            await self._session(reader, writer)
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the browser went away mid-handshake or mid-transfer
        except Exception:  # noqa: BLE001 - one connection's surprise never stops the proxy
            log.warning("guard proxy: connection failed", exc_info=True)
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = await _handshake(reader, writer)
        try:
            upstream_reader, upstream_writer = await self._open(host, port)
        except Refused as exc:
            self.refused.append(str(exc))
            log.info("browser connection refused: %s", exc)
            await _reply(writer, exc.reply)
            return
        await _reply(writer, REPLY_OK)
        try:
            await _relay(reader, writer, upstream_reader, upstream_writer)
        finally:
            upstream_writer.close()

    async def _open(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Resolve ``host`` our way, pass every address through the guard, connect to a checked one."""
        addresses = await self._resolve(host, port)
        for ip in addresses:
            try:
                self.spec.policy.check(host, ip, port)
            except BlockedAddress as exc:
                raise Refused(REPLY_NOT_ALLOWED, f"{exc} [port {port}]") from exc
        last: OSError | None = None
        for ip in addresses:
            try:
                return await asyncio.wait_for(asyncio.open_connection(ip, port), self.spec.connect_timeout)
            except TimeoutError as exc:
                raise Refused(REPLY_TTL, f"{host}:{port}: connect timed out") from exc
            except OSError as exc:
                last = exc
        refused = isinstance(last, ConnectionRefusedError)
        raise Refused(REPLY_REFUSED if refused else REPLY_UNREACHABLE, f"{host}:{port}: {last}")

    async def _resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host``: the static map, an address literal, else the system resolver."""
        mapped = self.spec.resolve.lookup(host)
        if mapped is not None:
            return [mapped]
        literal = parse_ip(host)  # 2130706433, 0177.0.0.1 ... as the C library would read them
        if literal is not None:
            return [str(literal)]
        if self.spec.offline and host.lower() not in LOCAL_NAMES:
            raise Refused(REPLY_UNREACHABLE, f"{host}: not in [network] resolve (offline)")
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise Refused(REPLY_UNREACHABLE, f"{host}: {exc}") from exc
        found = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not found:
            raise Refused(REPLY_UNREACHABLE, f"{host}: no address")
        return found


async def _handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[str, int]:
    """The SOCKS5 greeting and CONNECT request: ``(host, port)`` the browser wants."""
    version, count = await reader.readexactly(2)
    methods = await reader.readexactly(count)
    if version != _VERSION or _NO_AUTH not in methods:
        writer.write(bytes((_VERSION, _NO_METHOD)))
        await writer.drain()
        raise OSError("not a SOCKS5 client without authentication")
    writer.write(bytes((_VERSION, _NO_AUTH)))
    await writer.drain()
    version, command, _, kind = await reader.readexactly(4)
    if kind == _IPV4:
        host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
    elif kind == _IPV6:
        host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
    elif kind == _NAME:
        (length,) = await reader.readexactly(1)
        host = (await reader.readexactly(length)).decode("ascii", "replace").lower()
    else:
        await _reply(writer, REPLY_ADDRESS)
        raise OSError(f"unknown SOCKS5 address type {kind}")
    (port,) = struct.unpack("!H", await reader.readexactly(2))
    if version != _VERSION or command != _CONNECT:
        await _reply(writer, REPLY_COMMAND)
        raise OSError(f"unsupported SOCKS5 command {command}")
    return host, port


async def _reply(writer: asyncio.StreamWriter, code: int) -> None:
    writer.write(bytes((_VERSION, code, 0, _IPV4, 0, 0, 0, 0, 0, 0)))
    await writer.drain()


async def _relay(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    upstream_reader: asyncio.StreamReader,
    upstream_writer: asyncio.StreamWriter,
) -> None:
    """Bytes both ways until either side closes; then both are closed."""
    tasks = {
        asyncio.ensure_future(_copy(reader, upstream_writer)),
        asyncio.ensure_future(_copy(upstream_reader, writer)),
    }
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await source.read(_CHUNK):
            sink.write(data)
            await sink.drain()
