"""The certificate check of an https site: one real TLS handshake with verification on.

The site spider downloads with verification off (an expired certificate must not hide the page from
the other checks), so SITE-REQ-HTTPS needs its own answer: does the certificate verify against the
system trust store (plus ``[network] ca_file``) for this host name? The handshake is blocking and
runs in a thread. The outcome travels in the homepage observation's ``meta`` under :data:`META_KEY`
so the observation that is stored also says what the certificate looked like.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from crawlers.config import Config
from crawlers.hostmap import ResolveMap

META_KEY = "patrol_tls"  # homepage meta: the problem class ('' = verified)
META_DETAIL = "patrol_tls_detail"

#: problem class -> what an inspector reads
PROBLEMS = {
    "expired": "证书已过期",
    "not_yet_valid": "证书尚未生效",
    "hostname_mismatch": "证书与域名不符",
    "untrusted": "证书不受信任",
    "revoked": "证书已被吊销",
    "invalid": "证书无效",
    "handshake": "TLS握手失败",
}
# OpenSSL X509_V_ERR_* codes
_CODES = {
    10: "expired",
    9: "not_yet_valid",
    62: "hostname_mismatch",
    2: "untrusted",
    18: "untrusted",
    19: "untrusted",
    20: "untrusted",
    21: "untrusted",
    27: "untrusted",
    23: "revoked",
}


@dataclass(frozen=True)
class CertCheck:
    """``problem`` is '' when the certificate verified, else a :data:`PROBLEMS` key; ``checked``
    is False when no handshake could be made (then nothing is known)."""

    problem: str = ""
    detail: str = ""
    checked: bool = True


def problem_of(exc: BaseException) -> str:
    """The problem class of a failed verifying handshake."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = _CODES.get(getattr(exc, "verify_code", 0) or 0)
        if code:
            return code
        message = str(getattr(exc, "verify_message", "") or exc).lower()
        if "hostname" in message or "ip address mismatch" in message:
            return "hostname_mismatch"
        if "expired" in message:
            return "expired"
        return "invalid"
    return "handshake"


def verify_context(ca_file: str = "") -> ssl.SSLContext:
    """The system trust store, plus the configured extra CAs."""
    ctx = ssl.create_default_context()
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    return ctx


def check_certificate(
    host: str, port: int, address: str, *, ca_file: str = "", timeout: float = 10.0
) -> CertCheck:
    """Handshake with ``address:port`` as ``host`` (SNI and name check). Blocking: run in a thread."""
    try:
        ctx = verify_context(ca_file)
    except (OSError, ssl.SSLError) as exc:
        return CertCheck(checked=False, detail=f"ca_file unusable: {exc}")
    try:
        with (
            socket.create_connection((address, port), timeout=timeout) as raw,
            ctx.wrap_socket(raw, server_hostname=host),
        ):
            return CertCheck()
    except ssl.SSLError as exc:
        return CertCheck(problem=problem_of(exc), detail=f"{type(exc).__name__}: {exc}"[:300])
    except OSError as exc:  # refused, reset, timeout: the connection, not the certificate
        return CertCheck(checked=False, detail=f"{type(exc).__name__}: {exc}"[:300])


def certificate_meta(url: str, config: Config, cache: dict[tuple[str, int], CertCheck]) -> dict[str, str]:
    """The certificate check of an https ``url`` as homepage meta keys ({} for http, or unchecked).

    Blocking (run it in a thread); one handshake per host and port per sweep (``cache``). The
    address comes from ``[network] resolve`` first, as the crawl's own requests do.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        return {}
    host, port = parts.hostname.lower(), parts.port or 443
    result = cache.get((host, port))
    if result is None:
        address = ResolveMap.parse(config.network.resolve).lookup(host)
        if address is None and config.network.offline:
            return {}
        timeout = min(config.crawl.homepage_timeout, config.crawl.link_timeout)
        result = check_certificate(
            host, port, address or host, ca_file=config.network.ca_file, timeout=timeout
        )
        cache[(host, port)] = result
    if not result.checked:
        return {}
    return {META_KEY: result.problem, META_DETAIL: result.detail} if result.problem else {META_KEY: ""}
