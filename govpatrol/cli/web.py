"""``govpatrol web``: the duty desk (值班台), a web page for the people on duty."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path
from typing import Any

DEFAULT_PORT = 8800
_HELP = """\
Serve the duty desk (值班台): 今日值守, 待审核 (confirm or dismiss security hits), 重大事件转载,
问题查询 (with XLSX export), 值守日志 / 巡网台账 and the duty roster (值班表), in Chinese, on the
same Elasticsearch as the other commands (--es, the config, GOVPATROL_ES_URL or the local node).

Sign-in is by local users (govpatrol users add). The desk listens on loopback by default. Any other
address needs TLS (--cert and --key): passwords and session cookies would otherwise cross the
network in clear text. --insecure allows plain HTTP on another address anyway (only behind a
TLS-terminating proxy on the same host, or on an isolated test network).

examples:
  govpatrol users add --role admin zhangsan
  govpatrol web                                    # http://127.0.0.1:8800/
  govpatrol web --host 0.0.0.0 --cert desk.pem --key desk-key.pem
"""


def add_cli(subparsers: Any) -> None:
    """Register `govpatrol web`."""
    p = subparsers.add_parser(
        "web",
        help="serve the duty desk (值班台) web pages",
        description=_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, loopback only)"
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    p.add_argument("--config", metavar="FILE.toml", help="configuration file (see crawlers/config.py)")
    p.add_argument(
        "--es", metavar="URL", help="Elasticsearch URL (default: config, GOVPATROL_ES_URL, or the local node)"
    )
    p.add_argument("--cert", metavar="PEM", help="TLS certificate chain (with --key): serve HTTPS")
    p.add_argument("--key", metavar="PEM", help="TLS private key (with --cert)")
    p.add_argument(
        "--insecure",
        action="store_true",
        help="allow plain HTTP on a non-loopback address: passwords and session cookies then cross the "
        "network unencrypted, so use it only behind a TLS proxy on this host or on an isolated network",
    )
    p.set_defaults(func=web_command)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(host: str, cert: str | None, key: str | None, insecure: bool) -> str | None:
    """Why this binding is refused, or None."""
    if bool(cert) != bool(key):
        return "--cert and --key go together"
    for option, value in (("--cert", cert), ("--key", key)):
        if value and not Path(value).is_file():
            return f"{option}: no such file: {value}"
    if not is_loopback(host) and not cert and not insecure:
        return (
            f"--host {host} is not loopback: serve it over TLS (--cert FILE --key FILE), or pass --insecure "
            "to send passwords and session cookies unencrypted"
        )
    return None


def web_command(args: argparse.Namespace) -> int:
    from crawlers.config import ConfigError
    from govpatrol.services.discovery import hint, load_app_config
    from govpatrol.web.app import create_app, serve
    from pipelines.store import StoreUnavailable

    refused = check_binding(args.host, args.cert, args.key, args.insecure)
    if refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    try:
        config = load_app_config(args.config, args.es)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        app = create_app(config, https=bool(args.cert))
    except StoreUnavailable as exc:
        print(f"error: {exc}\n{hint(config)}", file=sys.stderr)
        return 1
    scheme = "https" if args.cert else "http"
    print(f"duty desk: {scheme}://{args.host}:{args.port}/", flush=True)
    serve(
        app,
        args.host,
        args.port,
        cert=Path(args.cert) if args.cert else None,
        key=Path(args.key) if args.key else None,
    )
    return 0
