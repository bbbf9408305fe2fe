"""govpatrol configuration: one TOML file, every key optional, defaults here and documented.

Example (all keys shown with their defaults)::

    [elasticsearch]
    url = "http://127.0.0.1:9200"    # unset: env GOVPATROL_ES_URL, else the node `services start` recorded;
                                     # "" disables the Elasticsearch sink
    index_prefix = "govpatrol"       # indices: <prefix>-targets, <prefix>-findings, ...
    api_key = ""                     # or env GOVPATROL_ES_API_KEY (never logged)
    username = ""                    # basic auth; password from env GOVPATROL_ES_PASSWORD
    password = ""
    verify_certs = true
    ca_certs = ""
    bulk_size = 500                  # records buffered per bulk write
    spool_dir = ""                   # unwritten records wait here; default ~/.local/state/govpatrol/spool
    outage_wait = 900                # seconds a sweep waits at its end for Elasticsearch to come back
    retry_interval = 5               # seconds between tries while Elasticsearch is unreachable

    [network]
    allow_hosts = []                 # loopback/private hosts that may be fetched (SSRF guard)
    resolve = {}                     # static host -> IP map, like /etc/hosts; "*.gov.cn" wildcards
    offline = false                  # true: names missing from `resolve` fail as DNS errors
    user_agent = "Mozilla/5.0 (compatible; govpatrol/0.1; +government website inspection)"
    ca_file = ""                     # extra CA certificates (PEM) trusted by the HTTPS certificate check

    [crawl]
    concurrency = 32                 # requests in flight, all hosts together
    per_host = 4                     # requests in flight per host (politeness)
    homepage_timeout = 15            # seconds: the national availability rule
    page_timeout = 20                # seconds, column and other pages
    link_timeout = 10                # seconds, link checks
    max_columns = 80                 # column list pages fetched per site
    check_links = true               # check every link on the homepage
    check_column_links = true        # ... and on column pages (full sweeps)
    render_js = "auto"               # auto: render in Chromium when a list needs JavaScript; never
    max_redirects = 10               # redirects followed per request; beyond: redirect_loop / too_many_redirects
    site_time_budget = 300           # seconds per site; then its remaining requests are dropped (site_budget)
    site_page_budget = 200           # page fetches per site (homepage, site map, columns, renders)
    max_links = 3000                 # link checks per site; links beyond are recorded as not checked
    sites_in_flight = 32             # sites crawled at once: memory stays flat however many sites
    check_certificates = true        # verify each https site's certificate (SITE-REQ-HTTPS evidence)

    [browser]
    executable = ""                  # default: /usr/lib/chromium/chromium or /usr/bin/chromium
    max_pages = 4                    # pages open at once

    [indicators]
    file = ""                        # a TOML merged over crawlers/data/indicators.toml

    [scheduler]                      # `govpatrol scheduler`: schedules are configuration
    targets = ""                     # the targets registry the service patrols (required to run it)
    job_store = ""                   # SQLAlchemy URL; default sqlite in the state dir
    redis_url = ""                   # when set, jobs (and the one-scheduler lock) live in Redis
    state_dir = ""                   # default ~/.local/state/govpatrol (job store, lock, JSON Lines)
    probe_minutes = 60               # availability probes: >= 20 a day per site (national rule)
    patrol_hours = 2                 # the 2-hour patrol
    rollup_cron = "0 6 * * mon"      # weekly SITE-VETO-UNREACHABLE roll-up over the last 7 days
    full_cron = "0 2 1 1,4,7,10 *"   # quarterly full sweep
    recheck_cron = "0 8 * * *"       # daily re-check (复查) of every open finding
    misfire_grace_s = 900            # a job missed by less than this still runs (coalesced)
    sample_ratio = 0.2               # quarterly: share of accounts sampled, stratified
    sample_seed = 2019               # recorded in the sweep; same seed + registry = same sample
    distributed = false              # true: sweeps run as `govpatrol sweep --distributed` (workers)

    [distributed]                    # `govpatrol worker` and `govpatrol sweep --distributed`
    redis_url = ""                   # default: env GOVPATROL_REDIS_URL, else `govpatrol services start`'s
    key_prefix = "govpatrol"         # every key: <prefix>:sweep:<id>:..., <prefix>:sweeps:active
    lease_seconds = 30               # a target whose worker stops renewing goes back to the queue
    heartbeat_seconds = 5            # workers renew their leases this often (< lease_seconds / 2)
    poll_seconds = 1.0               # idle workers look for new targets / sweeps this often
    targets_in_flight = 16           # targets one worker crawls at once

    [alerts]                         # notify new veto findings: see govpatrol/alerts.py
    [report]                         # the 通报's configurable parts: see govpatrol/report/

    [platforms.weibo]                # one table per platform key
    origin = ""                      # send this platform's requests to another origin
    cookies = {}                     # or env GOVPATROL_WEIBO_COOKIE ("k=v; k2=v2"); never logged
    credentials = {}                 # wechat: the office's MP back-office {token, cookie}; never logged
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawlers.alerts_config import AlertsConfig
from crawlers.errors import ConfigError
from crawlers.models import PLATFORMS
from crawlers.redact import MIN_SECRET_CHARS, register, table_secrets, url_secrets

DEFAULT_ES_URL = "http://127.0.0.1:9200"


@dataclass
class ElasticsearchConfig:
    url: str = DEFAULT_ES_URL
    index_prefix: str = "govpatrol"
    api_key: str = ""
    username: str = ""
    password: str = ""
    verify_certs: bool = True
    ca_certs: str = ""
    bulk_size: int = 500
    spool_dir: str = ""  # per sweep id a subdirectory (pipelines.spool)
    outage_wait: float = 900.0
    retry_interval: float = 5.0

    def __repr__(self) -> str:  # secrets never reach logs through a repr
        return f"ElasticsearchConfig(url={self.url!r}, index_prefix={self.index_prefix!r})"


@dataclass
class NetworkConfig:
    allow_hosts: list[str] = field(default_factory=list)
    resolve: dict[str, str] = field(default_factory=dict)
    offline: bool = False
    user_agent: str = "Mozilla/5.0 (compatible; govpatrol/0.1; +government website inspection)"
    ca_file: str = ""


@dataclass
class CrawlConfig:
    concurrency: int = 32
    per_host: int = 4
    homepage_timeout: float = 15.0
    page_timeout: float = 20.0
    link_timeout: float = 10.0
    max_columns: int = 80
    check_links: bool = True
    check_column_links: bool = True
    render_js: str = "auto"
    max_redirects: int = 10
    site_time_budget: float = 300.0
    site_page_budget: int = 200
    max_links: int = 3000
    sites_in_flight: int = 32
    check_certificates: bool = True


@dataclass
class BrowserConfig:
    executable: str = ""
    max_pages: int = 4


@dataclass
class PlatformConfig:
    origin: str = ""
    cookies: dict[str, str] = field(default_factory=dict)  # secrets: never logged
    credentials: dict[str, str] = field(default_factory=dict)  # e.g. WeChat MP back-office token, cookie

    def __repr__(self) -> str:
        return f"PlatformConfig(origin={self.origin!r})"


@dataclass
class SchedulerConfig:
    targets: str = ""
    job_store: str = ""
    redis_url: str = ""
    state_dir: str = ""
    probe_minutes: int = 60
    patrol_hours: int = 2
    rollup_cron: str = "0 6 * * mon"
    full_cron: str = "0 2 1 1,4,7,10 *"
    recheck_cron: str = "0 8 * * *"
    misfire_grace_s: int = 900
    sample_ratio: float = 0.2
    sample_seed: int = 2019
    distributed: bool = False


@dataclass
class DistributedConfig:
    redis_url: str = ""
    key_prefix: str = "govpatrol"
    lease_seconds: float = 30.0
    heartbeat_seconds: float = 5.0
    poll_seconds: float = 1.0
    targets_in_flight: int = 16


@dataclass
class Config:
    elasticsearch: ElasticsearchConfig = field(default_factory=ElasticsearchConfig)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    browser: BrowserConfig = field(default_factory=BrowserConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    distributed: DistributedConfig = field(default_factory=DistributedConfig)
    alerts: dict[str, Any] = field(
        default_factory=dict, repr=False
    )  # [alerts] (secrets): govpatrol/alerts.py
    report: dict[str, Any] = field(default_factory=dict)  # [report]: parsed by govpatrol/report/
    indicators_file: str = ""
    # where [elasticsearch] url came from: "config" (the file), "env" (GOVPATROL_ES_URL) or "" (the
    # default); commands then try --es first and the node `govpatrol services start` recorded last
    es_url_from: str = ""
    platforms: dict[str, PlatformConfig] = field(default_factory=dict)
    source: str = ""  # the file it came from, for messages

    def secrets(self) -> list[str]:
        """Every secret value this configuration holds (Elasticsearch, alerts, platform cookies)."""
        es = self.elasticsearch
        found = [es.api_key, es.password, *url_secrets(es.url)]
        found += table_secrets(self.alerts)
        for platform in self.platforms.values():
            found += [*platform.cookies.values(), *platform.credentials.values()]
        return sorted({s for s in found if isinstance(s, str) and len(s) >= MIN_SECRET_CHARS})


_SECTIONS: dict[str, type] = {
    "elasticsearch": ElasticsearchConfig,
    "network": NetworkConfig,
    "crawl": CrawlConfig,
    "browser": BrowserConfig,
    "scheduler": SchedulerConfig,
    "distributed": DistributedConfig,
}


def _build(cls: type, table: dict[str, Any], where: str) -> Any:
    """Dataclass from a TOML table, with a clear error for unknown keys and wrong types."""
    obj = cls()
    for key, value in table.items():
        if not hasattr(obj, key):
            known = ", ".join(sorted(vars(obj)))
            raise ConfigError(f"{where}: unknown key {key!r} (known: {known})")
        default = getattr(obj, key)
        expected = type(default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"{where}.{key}: expected {expected.__name__}, got {type(value).__name__} {value!r}"
            )
        setattr(obj, key, value)
    return obj


def load_config(path: str | Path | None = None) -> Config:
    """Read a config file (or none) and apply environment overrides (GOVPATROL_ES_*)."""
    config = Config()
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{p}: config file does not exist")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
        config.source = str(p)
        for key, table in data.items():
            where = f"{p}: [{key}]"
            if key in _SECTIONS:
                if not isinstance(table, dict):
                    raise ConfigError(f"{where}: must be a table")
                setattr(config, key, _build(_SECTIONS[key], table, where))
                if key == "elasticsearch" and "url" in table:
                    config.es_url_from = "config"
            elif key == "indicators":
                file = table.get("file", "") if isinstance(table, dict) else ""
                if file:
                    file_path = Path(file)
                    if not file_path.is_absolute():
                        file_path = p.parent / file_path
                    config.indicators_file = str(file_path)
            elif key in ("alerts", "report"):
                if not isinstance(table, dict):
                    raise ConfigError(f"{where}: must be a table")
                if key == "alerts":  # bad alert settings fail at start-up, not after a sweep
                    AlertsConfig.from_table(table, where)
                setattr(config, key, dict(table))
            elif key == "platforms":
                for name, ptable in table.items():
                    if name not in PLATFORMS:
                        raise ConfigError(
                            f"{p}: [platforms.{name}]: unknown platform (known: {', '.join(PLATFORMS)})"
                        )
                    config.platforms[name] = _build(PlatformConfig, ptable, f"{p}: [platforms.{name}]")
            else:
                raise ConfigError(
                    f"{where}: unknown section (known: elasticsearch, network, crawl, browser, scheduler, distributed, alerts, report, indicators, platforms)"
                )
    _apply_env(config)
    if config.crawl.render_js not in ("auto", "never"):
        raise ConfigError(f"{config.source or 'config'}: [crawl].render_js must be 'auto' or 'never'")
    register(config.secrets())  # every command that reads a config masks its secrets in logs
    return config


def _apply_env(config: Config) -> None:
    es = config.elasticsearch
    if config.es_url_from != "config" and "GOVPATROL_ES_URL" in os.environ:  # the file's URL wins
        es.url, config.es_url_from = os.environ["GOVPATROL_ES_URL"], "env"
    es.api_key = os.environ.get("GOVPATROL_ES_API_KEY", es.api_key)
    es.username = os.environ.get("GOVPATROL_ES_USERNAME", es.username)
    es.password = os.environ.get("GOVPATROL_ES_PASSWORD", es.password)
    es.index_prefix = os.environ.get("GOVPATROL_INDEX_PREFIX", es.index_prefix)
    for key in PLATFORMS:  # GOVPATROL_WEIBO_COOKIE="SUB=...; SUBP=..."
        raw = os.environ.get(f"GOVPATROL_{key.upper()}_COOKIE", "")
        if raw:
            platform = config.platforms.setdefault(key, PlatformConfig())
            pairs = (part.strip().split("=", 1) for part in raw.split(";") if "=" in part)
            platform.cookies.update({k.strip(): v.strip() for k, v in pairs})
