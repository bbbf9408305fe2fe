"""The guard's SOCKS5 proxy on its own: it resolves names our way, connects only to checked
addresses, and answers every refusal with a SOCKS error (to Chromium: a network error)."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import pytest

from crawlers.guardproxy import (
    REPLY_COMMAND,
    REPLY_NOT_ALLOWED,
    REPLY_OK,
    REPLY_REFUSED,
    REPLY_UNREACHABLE,
    BrowserGuardSpec,
    GuardProxy,
)
from crawlers.hostmap import ResolveMap
from crawlers.ssrf import AddressPolicy
from simweb.server import free_closed_port


@pytest.fixture
def upstream() -> Iterator[int]:
    """A loopback server answering one line to whoever connects."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(5)
    yield server.getsockname()[1]
    server.close()


def _proxy(port: int) -> GuardProxy:
    policy = AddressPolicy.from_entries([f"site.gov.cn:{port}", "127.0.0.1:1"])
    resolve = ResolveMap.parse({"site.gov.cn": "127.0.0.1", "alias.gov.cn": "127.0.0.1"})
    proxy = GuardProxy(BrowserGuardSpec(policy, resolve, offline=True, connect_timeout=5))
    proxy.start()
    return proxy


def _connect(proxy: GuardProxy, host: str, port: int, command: int = 1) -> tuple[int, socket.socket]:
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    sock.sendall(b"\x05\x01\x00")
    assert sock.recv(2) == b"\x05\x00"
    name = host.encode()
    sock.sendall(bytes((5, command, 0, 3, len(name))) + name + struct.pack("!H", port))
    reply = sock.recv(10)
    return reply[1], sock


def test_an_allowed_name_is_resolved_by_the_map_and_connected(upstream):
    proxy = _proxy(upstream)
    try:
        code, sock = _connect(proxy, "site.gov.cn", upstream)
        assert code == REPLY_OK
        sock.close()
    finally:
        proxy.stop()


@pytest.mark.parametrize(
    ("host", "code"),
    [
        ("localhost", REPLY_NOT_ALLOWED),  # resolved by us, to loopback: not listed
        ("alias.gov.cn", REPLY_NOT_ALLOWED),  # mapped to 127.0.0.1 but not listed
        ("2130706433", REPLY_NOT_ALLOWED),
        ("169.254.169.254", REPLY_NOT_ALLOWED),
        ("www.unmapped.gov.cn", REPLY_UNREACHABLE),  # offline: not in [network] resolve
    ],
)
def test_refusals_are_socks_errors_and_nothing_is_connected(upstream, host, code):
    proxy = _proxy(upstream)
    try:
        got, sock = _connect(proxy, host, upstream)
        assert got == code
        assert sock.recv(1) == b""  # closed: no tunnel
        sock.close()
        assert len(proxy.refused) == 1
    finally:
        proxy.stop()


def test_another_port_of_an_allowed_name_is_refused_and_a_closed_allowed_port_is_connection_refused(upstream):
    proxy = _proxy(upstream)
    try:
        assert _connect(proxy, "site.gov.cn", free_closed_port())[0] == REPLY_NOT_ALLOWED
        assert _connect(proxy, "127.0.0.1", 1)[0] == REPLY_REFUSED  # allowed, nothing listens
        assert _connect(proxy, "site.gov.cn", upstream, command=2)[0] == REPLY_COMMAND  # BIND
    finally:
        proxy.stop()
