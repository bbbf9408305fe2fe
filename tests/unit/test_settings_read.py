"""Every setting is read where it matters: each key of the config schema, each PATROL_ Scrapy setting.

A key nothing reads is a promise the product does not keep (an operator sets it and nothing
changes), so each one must be read, as an attribute, by some module of the library packages other
than the schema itself. The Scrapy side carries the Config in one setting; every other ``PATROL_``
setting a crawl gets must be read by some component too.
"""

from __future__ import annotations

import ast
import dataclasses
import typing
from pathlib import Path

from pydantic import BaseModel

from crawlers.alerts_config import AlertsConfig, SmtpConfig, WebhookConfig
from crawlers.config import CONFIG_SETTING, Config, PlatformConfig
from spiders.settings import build_settings

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ("govpatrol", "scheduler", "spiders", "pipelines", "crawlers")
SCHEMA = {
    ROOT / "crawlers" / n for n in ("config.py", "configsections.py", "configerrors.py", "alerts_config.py")
}
# keys read through a property of the Config rather than by their own name
READ_AS = {"indicators.file": "indicators_file"}


def _modules() -> list[Path]:
    return [p for pkg in LIBRARY for p in (ROOT / pkg).rglob("*.py") if p not in SCHEMA]


def _attributes_read() -> set[str]:
    names: set[str] = set()
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                names.add(node.attr)
    return names


def _schema_keys() -> list[tuple[str, str]]:
    """(dotted key, attribute name) for every key of every section, [platforms.*] and [alerts] included."""
    keys: list[tuple[str, str]] = []
    for section, field in Config.model_fields.items():
        model = field.annotation
        if typing.get_origin(model) is dict:
            model = PlatformConfig
        if isinstance(model, type) and issubclass(model, BaseModel):
            keys += [(f"{section}.{key}", key) for key in model.model_fields]
    for name, cls in (
        ("alerts", AlertsConfig),
        ("alerts.smtp", SmtpConfig),
        ("alerts.webhooks", WebhookConfig),
    ):
        keys += [
            (f"{name}.{f.name}", f.name)
            for f in dataclasses.fields(cls)
            if f.name not in ("smtp", "webhooks")
        ]
    return keys


def test_the_schema_lists_every_section_and_nested_table():
    keys = {key for key, _ in _schema_keys()}
    for key in (
        "crawl.per_host",
        "network.allow_hosts",
        "report.title",
        "alerts.smtp.host",
        "platforms.origin",
    ):
        assert key in keys
    assert len(keys) >= 80


def test_every_key_of_the_config_schema_is_read_by_the_code():
    read = _attributes_read()
    unread = [key for key, attr in _schema_keys() if READ_AS.get(key, attr) not in read]
    assert unread == []


def test_every_patrol_setting_a_crawl_gets_is_read_by_a_component():
    ours = [name for name in build_settings(Config()) if name.startswith("PATROL_")]
    assert CONFIG_SETTING in ours
    readers = [p.read_text(encoding="utf-8") for p in _modules() if p != ROOT / "spiders" / "settings.py"]
    for name in ours:  # the Config is read through one function; the others by their name
        token = "config_from_settings(" if name == CONFIG_SETTING else f'settings.getint("{name}")'
        assert any(token in text for text in readers), name


def test_the_settings_that_were_set_and_never_read_are_gone():
    settings = build_settings(Config())
    for name in ("PATROL_MODE", "PATROL_HOMEPAGE_TIMEOUT", "PATROL_PAGE_TIMEOUT", "PATROL_ALLOW_HOSTS"):
        assert name not in settings
    assert settings[CONFIG_SETTING] is not None
