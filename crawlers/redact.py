"""Credential masking: Elasticsearch, webhook and SMTP secrets never reach logs, findings or reports.

Two layers, because neither alone is enough. Patterns mask what *looks* like a secret wherever it
appears (``user:password@`` in a URL, ``access_token=``, ``key=``, ``sign=`` query values, an
``ApiKey``/``Basic`` header); and the exact values an office configured (the ES password and API
key, every webhook URL's token, the DingTalk secret, the SMTP password) are masked even where no
pattern would spot them, e.g. inside a library's exception text. :func:`install_log_redaction`
applies both to every log record of the process, whoever logs it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MASK = "***"
MIN_SECRET_CHARS = 4  # shorter values ("1", "on") would mask ordinary text, and guess nothing

#: query parameters whose values are credentials (DingTalk, WeCom, ES, generic)
SECRET_PARAMS = ("access_token", "token", "key", "secret", "sign", "api_key", "apikey", "password", "pwd")

_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<userinfo>[^/@\s'\"<>]+)@", re.IGNORECASE)
_PARAM = re.compile(
    r"(?P<name>(?<![A-Za-z0-9_])(?:" + "|".join(SECRET_PARAMS) + r"))=(?P<value>[^&#\s'\"<>]+)",
    re.IGNORECASE,
)
_AUTH_HEADER = re.compile(r"(?P<scheme>\b(?:ApiKey|Basic|Bearer)\s+)(?P<value>[A-Za-z0-9+/=._~-]{8,})")

_known: set[str] = set()
_lock = threading.Lock()
_installed = False


def mask_url(url: str) -> str:
    """The URL with its user:password and secret query values masked (scheme, host, path kept)."""
    return redact_text(url, ())


def redact_text(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with secrets masked: known values (``secrets``, else every registered one) and
    anything that looks like a credential in a URL or an authorization header."""
    values = _known if secrets is None else set(secrets)
    for value in sorted(values, key=len, reverse=True):  # a long secret before its own prefix
        if len(value) >= MIN_SECRET_CHARS and value in text:
            text = text.replace(value, MASK)
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    text = _PARAM.sub(lambda m: f"{m['name']}={MASK}", text)
    return _AUTH_HEADER.sub(lambda m: f"{m['scheme']}{MASK}", text)


def redact_value(value: Any, secrets: Iterable[str] | None = None) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings) with :func:`redact_text` applied."""
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {k: redact_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v, secrets) for v in value]
    return value


def url_secrets(url: str) -> list[str]:
    """The credential parts of a URL: user info, password, and secret query values."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    found = [parts.password or "", parts.username or "" if parts.password else ""]
    found += [v for k, v in parse_qsl(parts.query) if k.lower() in SECRET_PARAMS]
    return [s for s in found if s]


def register(secrets: Iterable[str]) -> None:
    """Add values to mask from now on, in every log record and :func:`redact_text` call."""
    with _lock:
        _known.update(s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_CHARS)


def forget() -> None:
    """Mask nothing registered so far: a process that runs many commands (a test session) starts
    each with only its own configuration's secrets."""
    with _lock:
        _known.clear()


def install_log_redaction(secrets: Iterable[str] = ()) -> None:
    """Mask secrets in every log record this process creates (idempotent; secrets accumulate).

    A record factory rather than a handler filter: Scrapy installs its own root handler when a
    crawl starts, and a factory covers records whatever handler ends up writing them.
    """
    global _installed
    register(secrets)
    with _lock:
        if _installed:
            return
        _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's own business to report
            return record
        masked = redact_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:  # tracebacks print exception text
            exc_text = str(record.exc_info[1])
            if redact_text(exc_text) != exc_text:
                record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
