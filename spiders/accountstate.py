"""One account while its page object runs, and what the account spider keeps out of evidence and
logs: the office's cookies and credentials for a platform, masked wherever they would appear."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from crawlers.config import Config
from crawlers.models import Target
from crawlers.platforms.base import PlatformSettings

SECRET_MIN_CHARS = 4  # shorter values ("1", "on") would mask ordinary text, and guess nothing


def platform_settings(key: str, config: Config) -> PlatformSettings:
    """Cookies and credentials an office configured for one platform (the config file reads
    ``GOVPATROL_<KEY>_COOKIE`` from the environment too)."""
    pc = config.platforms.get(key)
    if pc is None:
        return PlatformSettings()
    return PlatformSettings(cookies=dict(pc.cookies), credentials=dict(pc.credentials))


def scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    """A copy with every secret value masked, however deep in dicts and lists it sits."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, "***")
        return value
    if isinstance(value, dict):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, secrets) for v in value]
    return value


@dataclass
class AccountState:
    """One account while its page object runs."""

    target: Target
    key: str
    po: ModuleType | None = None
    settings: PlatformSettings = field(default_factory=PlatformSettings)
    origin: str = ""
    secrets: tuple[str, ...] = ()
    steps: int = 0
    requests: int = 0
    browser: bool = False
    elapsed_ms: float = 0.0
    retries: int = 0
    throttles: int = 0  # throttle answers; each sends the account to the back of its platform's queue
    sent_at: float = 0.0  # monotonic time its last request went out (spiders/platformpace.py)
    done: bool = False
    final: str = ""  # the result's state, once done
    warming: bool = False  # its profile page is kept open as a warm page (spiders/warmpages.py)
    warm_slot: int = 0
