"""The SSRF guard: the one place that decides whether an address may be fetched.

A government page is untrusted input: a link (or a redirect) to ``http://10.0.0.7/``, to the cloud
metadata service or to a name that resolves to ``127.0.0.1`` would make the crawler probe the
inspection office's own network. So every address the crawler is about to connect to is
classified, and anything that is not a public address is refused unless the operator allowed the
host name or the address in ``[network] allow_hosts`` (tests and the demo allow ``127.0.0.1``).

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
    from crawlers.config import Config, NetworkConfig

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
        if parse_ip(host) is not None and str(parse_ip(host)) == ip:
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


@dataclass(frozen=True)
class AddressPolicy:
    """What may be fetched besides public addresses: host names (``*.suffix`` too) and networks."""

    names: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()  # ".suffix" of "*.suffix" entries
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> AddressPolicy:
        """Entries are host names, IP addresses or CIDR networks (bad ones raise ValueError)."""
        names: set[str] = set()
        suffixes: list[str] = []
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = _host_key(str(raw))
            if not entry:
                continue
            if "/" in entry:
                try:
                    networks.append(ipaddress.ip_network(entry, strict=False))
                except ValueError as exc:
                    raise ValueError(f"[network] allow_hosts: {raw!r} is not a CIDR network") from exc
                continue
            ip = parse_ip(entry)
            if ip is not None:
                networks.append(ipaddress.ip_network(ip))
            elif entry.startswith("*."):
                suffixes.append(entry[1:])
            else:
                names.add(entry)
        return cls(frozenset(names), tuple(suffixes), tuple(networks))

    @classmethod
    def from_config(cls, network: NetworkConfig, extra_hosts: Iterable[str] = ()) -> AddressPolicy:
        """``[network] allow_hosts`` plus operator-configured hosts (platform origins)."""
        return cls.from_entries([*network.allow_hosts, *extra_hosts])

    def entries(self) -> list[str]:
        """The policy as allowlist entries again (for a Scrapy setting)."""
        return [*sorted(self.names), *(f"*{s}" for s in self.suffixes), *(str(n) for n in self.networks)]

    def allows_name(self, host: str) -> bool:
        name = _host_key(host)
        return name in self.names or any(name.endswith(s) for s in self.suffixes)

    def blocked_class(self, host: str, ip: str | IPAddress) -> str | None:
        """The class that makes ``ip`` refused for ``host``, None when it may be fetched."""
        addr = parse_ip(ip) if isinstance(ip, str) else ip
        if addr is None:
            raise ValueError(f"not an IP address: {ip!r}")
        klass = classify(addr)
        if klass is None or self.allows_name(host):
            return None
        # a CIDR range does not open the metadata service; naming its exact address does
        exact_only = klass == "metadata"
        for net in self.networks:
            if net.version == addr.version and addr in net and (not exact_only or net.num_addresses == 1):
                return None
        return klass

    def check(self, host: str, ip: str | IPAddress) -> None:
        """Raise :class:`BlockedAddress` unless ``host`` at ``ip`` may be fetched."""
        klass = self.blocked_class(host, ip)
        if klass is not None:
            raise BlockedAddress(_host_key(host) or str(ip), str(ip), klass)


def configured_hosts(config: Config) -> list[str]:
    """Hosts the operator configured the crawler to fetch: every platform's ``origin``.

    The Elasticsearch URL is deliberately not among them: the crawler never fetches it, and
    allowing its host would let any page make the crawler GET the local index.
    """
    hosts = (url_host(p.origin) for p in config.platforms.values() if p.origin)
    return sorted({h for h in hosts if h})


def policy_for(config: Config) -> AddressPolicy:
    """The policy of one configuration: the allowlist plus the implicit hosts."""
    return AddressPolicy.from_config(config.network, configured_hosts(config))
