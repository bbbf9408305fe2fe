"""The ``[alerts]`` table of the govpatrol config, validated when the config is read.

Configuration (a ``[alerts]`` table of the govpatrol config)::

    [alerts]
    enabled = true
    retries = 3                      # further attempts after a failed one (backoff doubles)
    timeout_s = 10
    backoff_s = 1.0                  # first wait between attempts
    outage_probes = 2                # 站点宕机 after this many consecutive failed probes, 已恢复 once back
    webhooks = [
      {kind = "wecom", url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."},
      {kind = "dingtalk", url = "https://oapi.dingtalk.com/robot/send?access_token=...", secret = "SEC..."},
    ]
    smtp = {host = "smtp.example.gov.cn", port = 25, username = "", password = "", starttls = false,
            sender = "govpatrol@example.gov.cn", recipients = ["office@example.gov.cn"]}
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers.errors import ConfigError

WEBHOOK_KINDS = ("wecom", "dingtalk")


@dataclass
class WebhookConfig:
    kind: str
    url: str  # carries the robot's access token: never logged
    secret: str = ""  # DingTalk signing secret ("加签")
    format: str = "markdown"  # wecom: markdown | text

    @property
    def channel(self) -> str:
        """A stable name for this channel that does not reveal the token (logs, ``alert_channels``)."""
        digest = hashlib.sha1(self.url.encode("utf-8"), usedforsecurity=False).hexdigest()[:8]
        return f"{self.kind}:{digest}"

    def __repr__(self) -> str:
        return f"WebhookConfig(kind={self.kind!r}, channel={self.channel!r})"


@dataclass
class SmtpConfig:
    host: str = ""
    port: int = 25
    username: str = ""
    password: str = ""  # never logged
    starttls: bool = False
    ssl: bool = False  # implicit TLS (port 465)
    sender: str = ""
    recipients: list[str] = field(default_factory=list)

    @property
    def channel(self) -> str:
        return f"smtp:{self.host}:{self.port}"

    def __repr__(self) -> str:
        return f"SmtpConfig(host={self.host!r}, port={self.port}, recipients={self.recipients!r})"


@dataclass
class AlertsConfig:
    enabled: bool = False
    webhooks: list[WebhookConfig] = field(default_factory=list)
    smtp: SmtpConfig | None = None
    retries: int = 3
    timeout_s: float = 10.0
    backoff_s: float = 1.0
    outage_probes: int = 2  # 站点宕机 when the homepage failed this many consecutive probes

    @classmethod
    def from_table(cls, table: Mapping[str, Any] | None, where: str = "[alerts]") -> AlertsConfig:
        """Build from the raw ``[alerts]`` TOML table; unknown keys and bad values name the key."""
        table = dict(table or {})
        known = {"enabled", "webhooks", "smtp", "retries", "timeout_s", "backoff_s", "outage_probes"}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
            )
        config = cls(
            enabled=_typed(table, "enabled", bool, False, where),
            retries=_typed(table, "retries", int, 3, where),
            timeout_s=float(_typed(table, "timeout_s", (int, float), 10.0, where)),
            backoff_s=float(_typed(table, "backoff_s", (int, float), 1.0, where)),
            outage_probes=_typed(table, "outage_probes", int, 2, where),
        )
        if config.outage_probes < 1:
            raise ConfigError(f"{where}.outage_probes: expected a count >= 1, got {config.outage_probes}")
        for i, hook in enumerate(_typed(table, "webhooks", list, [], where)):
            here = f"{where}.webhooks[{i}]"
            if not isinstance(hook, dict) or set(hook) - {"kind", "url", "secret", "format"}:
                raise ConfigError(
                    f"{here}: expected a table with kind, url, secret (optional), format (optional)"
                )
            kind, url = hook.get("kind"), hook.get("url")
            if kind not in WEBHOOK_KINDS:
                raise ConfigError(f"{here}.kind: expected one of {', '.join(WEBHOOK_KINDS)}, got {kind!r}")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ConfigError(f"{here}.url: expected an http(s) URL")
            fmt = _typed(hook, "format", str, "markdown", here)
            if fmt not in ("markdown", "text"):
                raise ConfigError(f"{here}.format: expected markdown or text, got {fmt!r}")
            config.webhooks.append(WebhookConfig(kind, url, _typed(hook, "secret", str, "", here), fmt))
        smtp = table.get("smtp")
        if smtp is not None:
            if not isinstance(smtp, dict):
                raise ConfigError(f"{where}.smtp: must be a table")
            config.smtp = _smtp(smtp, f"{where}.smtp")
        if config.retries < 0 or config.timeout_s <= 0 or config.backoff_s < 0:
            raise ConfigError(f"{where}: retries and backoff_s must be >= 0, timeout_s > 0")
        return config


def _typed(table: Mapping[str, Any], key: str, kind: Any, default: Any, where: str) -> Any:
    value = table.get(key, default)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"{where}.{key}: unexpected value {type(value).__name__}")
    return value


def _smtp(table: dict[str, Any], where: str) -> SmtpConfig:
    defaults = SmtpConfig()
    unknown = sorted(set(table) - set(vars(defaults)))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    values = {k: _typed(table, k, type(getattr(defaults, k)), getattr(defaults, k), where) for k in table}
    smtp = SmtpConfig(**values)
    if not smtp.host or not smtp.sender or not smtp.recipients:
        raise ConfigError(f"{where}: host, sender and recipients are required")
    return smtp


def load_alerts_config(source: str | Path | Mapping[str, Any] | AlertsConfig | None) -> AlertsConfig:
    """From an AlertsConfig, a raw ``[alerts]`` table, or a config file path (its ``[alerts]`` table)."""
    if isinstance(source, AlertsConfig):
        return source
    if source is None or source == "":
        return AlertsConfig()
    if isinstance(source, Mapping):
        return AlertsConfig.from_table(source)
    path = Path(source)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config: {exc}") from exc
    return AlertsConfig.from_table(data.get("alerts"), f"{path}: [alerts]")
