"""Which Elasticsearch a command talks to, found the same way by every command.

In order: ``--es URL``; the config file's ``[elasticsearch] url``; ``GOVPATROL_ES_URL``; the node
``govpatrol services start`` recorded in the run dir; ``http://127.0.0.1:9200``. A URL the user
named (the first three) is never swapped for another one: when it does not answer, the error says
so and names the local node if one runs elsewhere.
"""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from crawlers.config import Config, ConfigError, load_config
from govpatrol.services.elasticsearch import es_health
from govpatrol.services.state import read_state
from pipelines.store import Store

EXPLICIT = {"--es": "--es", "config": "the config file's [elasticsearch] url", "env": "GOVPATROL_ES_URL"}


def recorded_node() -> dict[str, Any] | None:
    """The node ``govpatrol services start`` recorded (running or not), from a state file we trust."""
    node = read_state(trusted_only=True).get("elasticsearch")
    return node if isinstance(node, dict) and node.get("url") else None


def use_es(config: Config, cli_url: str | None = None) -> str:
    """Point ``config.elasticsearch.url`` at the node this command uses; returns where it came
    from: ``--es``, ``config``, ``env``, ``services`` or ``default``."""
    if cli_url:
        config.elasticsearch.url, config.es_url_from = cli_url, "--es"
    elif config.es_url_from not in ("config", "env"):
        node = recorded_node()
        if node is not None:
            config.elasticsearch.url, config.es_url_from = str(node["url"]), "services"
        else:
            config.es_url_from = "default"
    return config.es_url_from


def load_app_config(path: str | None, es: str | None = None) -> Config:
    """The config file (or defaults) with the Elasticsearch URL resolved as every command does."""
    config = load_config(path)
    use_es(config, es)
    return config


def command_store(args: Any) -> tuple[Config, Store] | None:
    """A command's config (``--config``, ``--es``) and its store; None after printing why the config
    could not be read (the command then exits 2)."""
    try:
        config = load_app_config(args.config, args.es)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    return config, Store(config.elasticsearch)


def _shown(url: str) -> str:
    """The URL without user and password (they never reach a terminal or a log)."""
    parts = urlsplit(url)
    if not parts.hostname or "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def hint(config: Config) -> str:
    """What to do when the node this command uses does not answer (appended to the error)."""
    url, source = _shown(config.elasticsearch.url), config.es_url_from
    node = recorded_node()
    if source in EXPLICIT:
        text = f"  {url} comes from {EXPLICIT[source]}"
        if node and node["url"] != config.elasticsearch.url and es_health(str(node["url"]), timeout=1.0):
            text += f"; the local node `govpatrol services start` runs at {node['url']} (--es {node['url']})"
        return text
    if source == "services":
        return f"  the local node recorded at {url} does not answer: start it with `govpatrol services start`"
    return (
        "  no local node is recorded: start one with `govpatrol services start`, or name your cluster "
        "with --es, [elasticsearch] url or GOVPATROL_ES_URL"
    )
