"""The simulated web over TLS: a throw-away test CA, per-host certificates, SNI-chosen.

:func:`issue_certificates` writes a CA and one leaf per host (any names, validity window, or
self-signed: the bad certificates a government site may really serve); :class:`TLSServer` serves
a :class:`~simweb.server.SimulatedWeb`'s world over TLS on its own port with those certificates.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from simweb.server import SimulatedWeb, _Server, serve_in_thread, stop_server


@dataclass
class PKI:
    """A throw-away CA and per-host leaf certificates (PEM files in one directory)."""

    ca_file: Path
    leaves: dict[str, tuple[Path, Path]] = field(default_factory=dict)  # host -> (cert, key)


def issue_certificates(
    directory: Path, plan: dict[str, tuple[list[str], tuple[int, int], bool]], now: dt.datetime | None = None
) -> PKI:
    """A test CA and one leaf per host of ``plan``: host -> (names, validity days from now, self-signed)."""
    now = now or dt.datetime.now(dt.UTC)
    directory.mkdir(parents=True, exist_ok=True)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def build(
        subject: str, sans: list[str], issuer: Any, key: Any, sign: Any, days: tuple[int, int], ca: bool
    ) -> Any:
        b = (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + dt.timedelta(days=days[0]))
            .not_valid_after(now + dt.timedelta(days=days[1]))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if sans:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
        if ca:
            b = b.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
            b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        return b.sign(sign, hashes.SHA256())

    pem = serialization.Encoding.PEM
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("govpatrol test CA", [], name("govpatrol test CA"), ca_key, ca_key, (-1, 3650), True)
    pki = PKI(ca_file=directory / "ca.pem")
    pki.ca_file.write_bytes(ca_cert.public_bytes(pem))
    for host, (sans, days, self_signed) in plan.items():
        key = ec.generate_private_key(ec.SECP256R1())
        issuer, signer = (name(sans[0]), key) if self_signed else (ca_cert.subject, ca_key)
        cert = build(sans[0], sans, issuer, key, signer, days, False)
        cert_path, key_path = directory / f"{host}.pem", directory / f"{host}.key"
        cert_path.write_bytes(cert.public_bytes(pem))
        key_path.write_bytes(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        pki.leaves[host] = (cert_path, key_path)
    return pki


class _TLSServer(_Server):
    """The simulated web's handler behind TLS; the certificate is chosen by SNI."""

    def __init__(self, address: tuple[str, int], web: SimulatedWeb, pki: PKI) -> None:
        self.contexts: dict[str, ssl.SSLContext] = {}
        for host, (cert, key) in pki.leaves.items():
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self.contexts[host] = ctx
        self.default = next(iter(self.contexts.values()))
        self.default.sni_callback = self._pick
        super().__init__(address, web)

    def _pick(self, sock: ssl.SSLObject | ssl.SSLSocket, server_name: str | None, _: ssl.SSLContext) -> None:
        ctx = self.contexts.get((server_name or "").lower())
        if ctx is not None:
            sock.context = ctx

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        # the handshake happens in the handler's thread (first read), never in the accept loop
        return self.default.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr


class TLSServer:
    """Serve ``web``'s world over TLS on its own port: ``with TLSServer(web, pki) as tls``."""

    def __init__(self, web: SimulatedWeb, pki: PKI) -> None:
        self.web, self.pki = web, pki
        self.port = 0
        self._server: _TLSServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> TLSServer:
        self._server = _TLSServer((self.web.host, 0), self.web, self.pki)
        self.port = self._server.server_address[1]
        self._thread = serve_in_thread(self._server, "simweb-tls")
        self.web.tls_ports.append(self.port)  # the world's config allows its names on this port too
        return self

    def __exit__(self, *exc: object) -> None:
        if self.port in self.web.tls_ports:
            self.web.tls_ports.remove(self.port)
        server, self._server = self._server, None
        stop_server(server, self._thread)
