"""Static host resolution as data: the ``[network] resolve`` map.

The simulated web, a mirror or a split-horizon DNS all need "this government hostname lives at
that address" without touching /etc/hosts. :class:`ResolveMap` is that map, parsed once and used
by every client that resolves a name (Scrapy's resolver in :mod:`crawlers.resolver`, the link
engine, the probe, the certificate check, and the browser guard's proxy that Chromium connects
through, :mod:`crawlers.guardproxy`). Nothing here needs Scrapy, so the config schema checks
``[network] resolve`` with this same parser.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

#: names that always go to the system resolver, even offline (they never leave the machine)
LOCAL_NAMES = ("localhost",)


def is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class ResolveMap:
    """Exact names and ``*.suffix`` wildcards; an exact name wins, then the longest suffix."""

    exact: dict[str, str] = field(default_factory=dict)
    wildcards: tuple[tuple[str, str], ...] = ()  # (".suffix", ip), longest suffix first

    @classmethod
    def parse(cls, resolve: Mapping[str, str]) -> ResolveMap:
        exact: dict[str, str] = {}
        wild: dict[str, str] = {}
        for raw_name, raw_ip in resolve.items():
            name = raw_name.strip().lower().rstrip(".")
            ip = str(raw_ip).strip()
            if not name or not is_ip_literal(ip):
                raise ValueError(f"[network] resolve: {raw_name!r} = {raw_ip!r} is not 'host' = 'IP address'")
            if name.startswith("*."):
                wild["." + name[2:]] = ip
            elif "*" in name:
                raise ValueError(f"[network] resolve: {raw_name!r}: only a leading '*.' wildcard is allowed")
            else:
                exact[name] = ip
        ordered = tuple(sorted(wild.items(), key=lambda kv: len(kv[0]), reverse=True))
        return cls(exact=exact, wildcards=ordered)

    def lookup(self, host: str) -> str | None:
        """The mapped address, or None. ``*.gov.cn`` matches ``a.gov.cn`` but not ``gov.cn``."""
        name = host.lower().rstrip(".")
        if name in self.exact:
            return self.exact[name]
        for suffix, ip in self.wildcards:
            if name.endswith(suffix):
                return ip
        return None

    def __bool__(self) -> bool:
        return bool(self.exact or self.wildcards)
