"""The SSRF guard of one configuration: its allow list, the platform origins and the project's own
services (Elasticsearch, Redis) that crawled content must never reach.

The services are found wherever a command could find them: the config (``[elasticsearch] url``,
the scheduler's and the distributed workers' ``redis_url``), the environment
(``GOVPATROL_ES_URL``, ``GOVPATROL_REDIS_URL``) and the state file ``govpatrol services start``
writes (:mod:`crawlers.servicestate`). A link to any of their address and port is refused, however
it is spelled and whatever ``[network] allow_hosts`` says: allowing ``127.0.0.1`` for a test site
must not open ``127.0.0.1:9200``.
"""

from __future__ import annotations

import concurrent.futures
import functools
import ipaddress
import os
import socket
from typing import TYPE_CHECKING

from crawlers.hostmap import LOCAL_NAMES, ResolveMap
from crawlers.servicestate import recorded_service_urls
from crawlers.ssrf import AddressPolicy, IPAddress, ServiceEndpoint, classify, parse_ip, url_host, url_port

if TYPE_CHECKING:
    from crawlers.config import Config

LOOKUP_TIMEOUT_S = 3.0  # a service's host name is looked up once per process, at most this long


def service_urls(config: Config) -> list[tuple[str, str]]:
    """``(label, url)`` of every Elasticsearch and Redis this configuration may use."""
    found = [
        ("Elasticsearch", config.elasticsearch.url),
        ("Elasticsearch", os.environ.get("GOVPATROL_ES_URL", "")),
    ]
    found += [("Redis", config.scheduler.redis_url), ("Redis", config.distributed.redis_url)]
    found.append(("Redis", os.environ.get("GOVPATROL_REDIS_URL", "")))
    found += recorded_service_urls()
    return [(label, url) for label, url in dict.fromkeys(found) if url]


def project_services(config: Config) -> tuple[ServiceEndpoint, ...]:
    """The project's own services as endpoints the guard refuses (name, addresses, port)."""
    resolve = ResolveMap.parse(config.network.resolve)
    endpoints: list[ServiceEndpoint] = []
    for label, url in service_urls(config):
        host, port = url_host(url), url_port(url)
        if not host or port is None:
            continue
        addresses = _addresses(host, resolve)
        loopback = host in LOCAL_NAMES or any(classify(a) in ("loopback", "unspecified") for a in addresses)
        endpoints.append(ServiceEndpoint(label, port, host, frozenset(addresses), loopback))
    return tuple(endpoints)


def _addresses(host: str, resolve: ResolveMap) -> set[IPAddress]:
    literal = parse_ip(host)
    if literal is not None:
        return {literal}
    mapped = resolve.lookup(host)
    found = {ipaddress.ip_address(mapped)} if mapped else set()
    return found | set(_system_lookup(host))


@functools.lru_cache(maxsize=64)
def _system_lookup(host: str) -> tuple[IPAddress, ...]:
    """Best effort: the addresses the system resolver gives ``host`` (none when it is slow or fails)."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        infos = pool.submit(socket.getaddrinfo, host, None, type=socket.SOCK_STREAM).result(LOOKUP_TIMEOUT_S)
    except (OSError, UnicodeError, concurrent.futures.TimeoutError):
        return ()
    finally:
        pool.shutdown(wait=False)
    found = (parse_ip(str(info[4][0])) for info in infos)
    return tuple(a for a in found if a is not None)


def configured_hosts(config: Config) -> list[str]:
    """Hosts the operator configured the crawler to fetch: every platform's ``origin``, with its port.

    The Elasticsearch URL is deliberately not among them: the crawler never fetches it.
    """
    hosts = (_origin_entry(p.origin) for p in config.platforms.values() if p.origin)
    return sorted({h for h in hosts if h})


def _origin_entry(origin: str) -> str:
    host, port = url_host(origin), url_port(origin)
    if not host or port is None:
        return host
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def policy_for(config: Config) -> AddressPolicy:
    """The policy of one configuration: the allow list and the platform origins, with the project's
    own Elasticsearch and Redis refused whatever the allow list says."""
    allowed = AddressPolicy.from_config(config.network, configured_hosts(config))
    return AddressPolicy(allowed.entries, project_services(config))
