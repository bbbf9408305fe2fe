"""The SSRF guard: the one place that decides whether an address may be fetched.

A government page is untrusted input: a link (or a redirect) to ``http://10.0.0.7/``, to the cloud
metadata service or to a name that resolves to ``127.0.0.1`` would make the crawler probe the
inspection office's own network. So every address the crawler is about to connect to is
classified, and anything that is not a public address is refused unless the operator allowed it
in ``[network] allow_hosts``: a name opens only that name (``*.suffix`` the names under it), an
address or CIDR network only URLs spelling an address, and an entry with a port (``name:8080``,
``127.0.0.1:8080``, ``[::1]:8080``) only that port. The project's own Elasticsearch and Redis are
refused whatever the list says (:mod:`crawlers.guard` finds them).

The check is made on the address actually connected to (after the static map, an IP literal or
the system lookup), never on the URL text alone: odd spellings such as ``2130706433``,
``0177.0.0.1`` or ``::ffff:127.0.0.1`` and addresses embedded in 6to4, NAT64 or Teredo IPv6
addresses are normalised first, so they cannot slip through.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from twisted.internet.error import DNSLookupError

if TYPE_CHECKING:
    from crawlers.config import NetworkConfig

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Cloud instance-metadata endpoints (credentials live there): refused even when their range is
#: allowed by CIDR, unless the exact address (or its host name) is allowed.
METADATA_ADDRESSES: tuple[str, ...] = (
    "169.254.169.254",  # AWS, Azure, GCP, OpenStack, Huawei Cloud, Oracle Cloud
    "169.254.170.2",  # AWS ECS task metadata and credentials
    "169.254.170.23",  # AWS EKS pod identity agent
    "169.254.0.23",  # Tencent Cloud (metadata.tencentyun.com)
    "100.100.100.200",  # Alibaba Cloud
    "192.0.0.192",  # Oracle Cloud Classic
    "fd00:ec2::254",  # AWS IMDS over IPv6
    "fd00:ec2::23",  # AWS EKS pod identity over IPv6
)
_METADATA = frozenset(ipaddress.ip_address(a) for a in METADATA_ADDRESSES)

# (class, networks), checked in order after the metadata addresses
_CLASSES: tuple[tuple[str, tuple[IPNetwork, ...]], ...] = tuple(
    (name, tuple(ipaddress.ip_network(n) for n in nets))
    for name, nets in (
        ("unspecified", ("0.0.0.0/8", "::/128")),  # "this host": Linux connects 0.0.0.0 to loopback
        ("loopback", ("127.0.0.0/8", "::1/128")),
        ("link-local", ("169.254.0.0/16", "fe80::/10")),
        ("shared", ("100.64.0.0/10",)),  # carrier-grade NAT (RFC 6598)
        ("multicast", ("224.0.0.0/4", "ff00::/8")),
        ("private", ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")),
    )
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPAT = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d
_LENIENT_V4 = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)


class BlockedAddress(DNSLookupError):
    """A host that resolves to a non-public address not in the allowlist.

    A subclass of Twisted's DNSLookupError so every download path reports it as a failed fetch
    (never a crash); its own type lets the spider record the failure class ``blocked``.
    """

    def __init__(self, host: str, ip: str, klass: str) -> None:
        self.host, self.ip, self.klass = host, ip, klass
        hint = "add it to [network] allow_hosts to allow"
        if klass == "service":
            super().__init__(
                f"refused: {host} at {ip} is one of the project's own services (Elasticsearch or Redis): "
                "never fetched from crawled content, whatever [network] allow_hosts says"
            )
        elif parse_ip(host) is not None and str(parse_ip(host)) == ip:
            super().__init__(f"refused: {ip} is a {klass} address ({hint})")
        else:
            super().__init__(f"refused: {host} resolves to {ip} ({klass} address; {hint})")

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple[type[BlockedAddress], tuple[str, str, str]]:
        return (BlockedAddress, (self.host, self.ip, self.klass))


@functools.lru_cache(maxsize=8192)  # asked once per link check: hosts repeat
def parse_ip(text: str) -> IPAddress | None:
    """The address a host string denotes, accepting every IPv4 spelling ``inet_aton`` accepts.

    ``2130706433``, ``0x7f.1`` and ``0177.0.0.1`` all mean 127.0.0.1 to the C library, so they
    must mean it here too; IPv6 may come in brackets and with a zone (``fe80::1%eth0``).
    """
    host = text.strip().strip("[]").rstrip(".")
    if not host:
        return None
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    if _LENIENT_V4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64, Teredo client, compatible)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _IPV4_COMPAT and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip))
    return None


def classify(ip: str | IPAddress) -> str | None:
    """The class of a non-public address, or None for a public one.

    Classes: metadata, unspecified, loopback, link-local, shared, multicast, private, reserved
    (documentation, benchmarking, broadcast, future use: everything else that is not global).
    An IPv6 address carrying an IPv4 one is classed by the IPv4 address when that is not public.
    """
    addr = parse_ip(ip) if isinstance(ip, str) else ip
    if addr is None:
        raise ValueError(f"not an IP address: {ip!r}")
    if addr in _METADATA:
        return "metadata"
    if isinstance(addr, ipaddress.IPv6Address):
        inner = _embedded_v4(addr)
        if inner is not None:
            klass = classify(inner)
            if klass is not None:
                return klass
    for name, nets in _CLASSES:
        if any(addr in net for net in nets if net.version == addr.version):
            return name
    if not addr.is_global:
        return "reserved"
    return None


def _host_key(host: str) -> str:
    return host.strip().lower().strip("[]").rstrip(".")


def url_host(url: str) -> str:
    """The host of a URL (lower case, no brackets), '' when it has none."""
    try:
        return _host_key(urlsplit(url).hostname or "")
    except ValueError:
        return ""


def url_port(url: str) -> int | None:
    """The port a URL connects to (the scheme's default when none is written), None if unknown."""
    try:
        parts = urlsplit(url)
        return parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None


DEFAULT_PORTS: dict[str, int] = {
    "http": 80,
    "https": 443,
    "ws": 80,
    "wss": 443,
    "redis": 6379,
    "rediss": 6379,
}


@dataclass(frozen=True)
class AllowEntry:
    """One ``[network] allow_hosts`` entry: a name, a ``*.suffix``, an address or a CIDR network,
    optionally with a port (``127.0.0.1:8080``, ``[::1]:8080``, ``*.sim.gov.cn:8080``)."""

    kind: str  # "name", "suffix" (value ".suffix") or "network"
    value: str | IPNetwork
    port: int | None = None

    @classmethod
    def parse(cls, raw: str) -> AllowEntry | None:
        """The entry ``raw`` denotes, None for a blank one; ValueError naming the entry otherwise."""
        text = str(raw).strip().lower()
        if not text:
            return None
        if "://" in text:
            raise ValueError(
                f"[network] allow_hosts: {raw!r} is a URL: give its host (and port), e.g. 'a.gov.cn:8080'"
            )
        host, port = _split_port(text, raw)
        host = host.strip("[]").rstrip(".")
        if "/" in host:
            try:
                return cls("network", ipaddress.ip_network(host, strict=False), port)
            except ValueError as exc:
                raise ValueError(f"[network] allow_hosts: {raw!r} is not a CIDR network") from exc
        ip = parse_ip(host)
        if ip is not None:
            return cls("network", ipaddress.ip_network(ip), port)
        if host.startswith("*.") and _NAME.match(host[2:]):
            return cls("suffix", host[1:], port)
        if not _NAME.match(host):
            raise ValueError(f"[network] allow_hosts: {raw!r} is not a host name, address or network")
        return cls("name", host, port)

    def __str__(self) -> str:
        host = f"*{self.value}" if self.kind == "suffix" else str(self.value)
        if self.port is None:
            return host
        if isinstance(self.value, ipaddress.IPv6Network):
            return f"[{host.removesuffix('/128')}]:{self.port}"
        return f"{host.removesuffix('/32')}:{self.port}"

    def allows(self, name: str, addr: IPAddress, port: int | None, klass: str) -> bool:
        """True when this entry opens ``name`` (the URL's host, lower case) at ``addr``:``port``.

        A name opens only itself (or names under a ``*.suffix``); an address or network opens only
        URLs that spell an address, never the names that resolve into it. ``port`` None (a lookup
        that does not know the port) matches any entry; the caller with the URL checks the port.
        """
        if self.port is not None and port is not None and self.port != port:
            return False
        literal = parse_ip(name)
        if self.kind == "name":
            return literal is None and name == self.value
        if self.kind == "suffix":
            return literal is None and name.endswith(str(self.value))
        assert not isinstance(self.value, str)
        if literal is None or self.value.version != addr.version or addr not in self.value:
            return False
        # a CIDR range does not open the metadata service; naming its exact address does
        return klass != "metadata" or self.value.num_addresses == 1


_NAME = re.compile(r"^[^\s/@?#:*\[\]\\]+$")  # a host name: no URL punctuation or spaces


def _split_port(text: str, raw: str) -> tuple[str, int | None]:
    """``host:port`` apart; IPv6 takes brackets for a port (``[::1]:80``), a bare ``::1`` has none."""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise ValueError(f"[network] allow_hosts: {raw!r} is not [address] or [address]:port")
        return host, _port(rest[1:], raw)
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, _port(port, raw)
    return text, None


def _port(text: str, raw: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"[network] allow_hosts: {raw!r} has an invalid port (1-65535)")
    return int(text)


@dataclass(frozen=True)
class ServiceEndpoint:
    """One of the project's own services (Elasticsearch, Redis): never fetched from crawled content.

    ``loopback``: the service listens on a loopback or unspecified address, so every loopback
    spelling (``127.0.0.2``, ``[::1]``, ``0.0.0.0``, ``localhost``) with its port reaches it.
    """

    label: str
    port: int
    name: str = ""
    addresses: frozenset[IPAddress] = frozenset()
    loopback: bool = False

    def matches(self, name: str, addr: IPAddress, port: int) -> bool:
        if port != self.port:
            return False
        if self.name and name == self.name:
            return True
        if _plain(addr) in self.addresses:
            return True
        return self.loopback and classify(addr) in ("loopback", "unspecified")


def _plain(addr: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries, else the address itself (one spelling to compare)."""
    if isinstance(addr, ipaddress.IPv6Address):
        return _embedded_v4(addr) or addr
    return addr


@dataclass(frozen=True)
class AddressPolicy:
    """What may be fetched besides public addresses (the allow list), and what never may be (the
    project's own services, whatever the allow list says)."""

    entries: tuple[AllowEntry, ...] = ()
    services: tuple[ServiceEndpoint, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str], services: Iterable[ServiceEndpoint] = ()) -> AddressPolicy:
        """Entries are names, ``*.suffix``, addresses or CIDR networks, each with an optional
        ``:port`` (bad ones raise ValueError naming the entry)."""
        parsed = (AllowEntry.parse(raw) for raw in entries)
        return cls(tuple(e for e in parsed if e is not None), tuple(services))

    @classmethod
    def from_config(cls, network: NetworkConfig, extra_hosts: Iterable[str] = ()) -> AddressPolicy:
        """``[network] allow_hosts`` plus operator-configured hosts (platform origins)."""
        return cls.from_entries([*network.allow_hosts, *extra_hosts])

    def entries_text(self) -> list[str]:
        """The allow list as entries again (for a Scrapy setting and messages)."""
        return [str(e) for e in self.entries]

    def blocked_class(self, host: str, ip: str | IPAddress, port: int | None = None) -> str | None:
        """The class that makes ``host`` at ``ip``:``port`` refused, None when it may be fetched.

        ``service`` is one of the project's own services (checked when the port is known).
        """
        addr = parse_ip(ip) if isinstance(ip, str) else ip
        if addr is None:
            raise ValueError(f"not an IP address: {ip!r}")
        name = _host_key(host)
        if port is not None and any(s.matches(name, addr, port) for s in self.services):
            return "service"
        klass = classify(addr)
        if klass is None or any(e.allows(name, addr, port, klass) for e in self.entries):
            return None
        return klass

    def check(self, host: str, ip: str | IPAddress, port: int | None = None) -> None:
        """Raise :class:`BlockedAddress` unless ``host`` at ``ip`` (and ``port``) may be fetched."""
        klass = self.blocked_class(host, ip, port)
        if klass is not None:
            raise BlockedAddress(_host_key(host) or str(ip), str(ip), klass)

    def check_url(self, url: str, ip: str | IPAddress) -> None:
        """:meth:`check` for the host and port of ``url``."""
        self.check(url_host(url), ip, url_port(url))
