"""govpatrol configuration: one TOML file, one validated schema, every key optional and documented.

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
    homepage_timeout = 15            # seconds the crawler and the probe wait for a homepage: at least the
                                     # indicator data's probe_timeout_s, where the 15-second rule is judged
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
    link_cache_hours = 0             # incremental sweeps: a link that answered is not checked again for
                                     # this long (results shared by workers in Redis; 24 in a province)
    link_cache_page_hours = 0        # ... an in-site page read for the soft-404 test (6 in a province)
    link_cache_failed_hours = 0      # ... a failure (a cached failure is never counted as a new try)
    http_cache_dir = ""              # pages kept here and re-asked with If-None-Match / If-Modified-Since

    [content_watch]                  # wrong expressions (错敏词) and personal numbers in what is read
    enabled = true                   # false: no page, attachment or post text is read or stored
    attachments = true               # fetch and read PDF/DOCX/XLSX/DOC/XLS linked from the pages read
    max_attachment_bytes = 20971520  # one file's download cap (bytes); beyond: unverified (too_large)
    site_attachment_bytes = 104857600 # all attachments of one site per sweep; beyond: not fetched
    site_attachments = 100           # attachments fetched per site per sweep
    max_pages = 300                  # PDF pages and sheets read per file (beyond: partial)
    extract_timeout = 120            # seconds one file's reading may take (a child process, killed after)
    extract_workers = 2              # files read at once, off the crawl's event loop
    ocr = true                       # images and scanned PDFs on 公示 pages read with tesseract
    ocr_files = 50                   # ... at most this many files per sweep
    ocr_seconds = 600                # ... and this much reading time per sweep
    [site_checks]                    # full sweeps: interaction channels, site search, article tags
    interaction = true               # find 领导信箱/留言板/12345 channels and read their message lists
    max_channels = 4                 # channels opened per site
    list_pages = 6                   # message-list pages read per channel
    lookback_days = 366              # lists are read back this far (the rule judges the past year)
    search = true                    # query the site search with a recent homepage title
    articles = 3                     # article pages sampled per site for ArticleTitle/PubDate (0: none)

    [browser]
    executable = ""                  # default: /usr/lib/chromium/chromium or /usr/bin/chromium
    max_pages = 4                    # pages open at once
    warm_pages = 1                   # per signed platform: warm pages whose hook signs each account's
                                     # list request (0: open a profile page per account)

    [indicators]
    file = ""                        # a TOML merged over crawlers/data/indicators.toml (must exist)

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

    [accounts]                       # patrols spread the account checks over a window
    check_every_hours = 24           # each account checked once a day, in its own patrol (0: every
                                     #   patrol); never-checked and overdue accounts in the next one

    [distributed]                    # `govpatrol worker` and `govpatrol sweep --distributed`
    redis_url = ""                   # default: env GOVPATROL_REDIS_URL, else `govpatrol services start`'s
    key_prefix = "govpatrol"         # every key: <prefix>:sweep:<id>:..., <prefix>:sweeps:active
    lease_seconds = 30               # a target whose worker stops renewing goes back to the queue
    heartbeat_seconds = 5            # workers renew their leases this often (< lease_seconds / 2)
    poll_seconds = 1.0               # idle workers look for new targets / sweeps this often
    targets_in_flight = 16           # targets one worker crawls at once

    [report]                         # the 通报's wording an office sets once (govpatrol report)
    scope = "全省"                   # 全省 / 全市 / 全区: the registry's region wording
    office = "省政府办公厅"
    title = "政府网站和政务新媒体检查情况通报"
    deadline_working_days = 15       # rectification deadline, working days after the report date
    deadline = ""                    # YYYY-MM-DD; overrides deadline_working_days
    requirements = "..."             # closing paragraph; {deadline} and {office} are filled in
    review_days = 92                 # --sweep: rectifications counted this many days back
    report_date = ""                 # YYYY-MM-DD; default today (Beijing)
    other_problems = "annex"         # deductions, 疑似 links and notices: "annex" (附件6) or "omit"

    [alerts]                         # notify new veto findings: keys in crawlers/alerts_config.py

    [security]                       # the security watch: keys in crawlers/securityconfig.py
    [events]                         # the repost watch of 重大事件 (govpatrol event)
    watch_minutes = 30               # while any event is open the scheduler watches its accounts this often
    alert_lead_minutes = 30          # the duty officer is told this long before a deadline who has not
                                     # reposted yet (and again at the deadline); keep it >= watch_minutes

    [platforms.weibo]                # one table per platform key
    origin = ""                      # send this platform's requests to another origin
    cookies = {}                     # or env GOVPATROL_WEIBO_COOKIE ("k=v; k2=v2"); never logged
    credentials = {}                 # wechat: the office's MP back-office {token, cookie}; never logged
    requests_per_minute = 12         # the platform's budget per address (0: none); default: the data in
    backoff_seconds = 120            #   crawlers/data/platform_budgets.toml; pause after a throttle answer
    throttle_retries = 3             # tries of a throttled account later in the same sweep

The schema is pydantic (v2) models: every key is typed (strict: ``1`` is not ``true``, ``"8"`` is
not ``8``), range-checked, finite (``inf`` and ``nan`` are refused), and the loader reports every
mistake of a file at once, each naming the file, the key and the reason; an unknown key or section
suggests the nearest known one. Code reads the result as attributes: ``config.crawl.per_host``.

Adding a section is a local change: write a ``Section`` subclass in ``crawlers/configsections.py``
whose fields carry their type, default and bounds (``Field(ge=1)``; a ``field_validator`` for
anything richer), add it as a field of :class:`Config` here, and document its keys in the example
above. ``tests/unit/test_settings_read.py``
then fails until some module reads every new key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PlainValidator, PrivateAttr, ValidationError, field_validator

from crawlers.alerts_config import AlertsConfig
from crawlers.checksconfig import SiteChecksConfig
from crawlers.configerrors import closest, describe_errors
from crawlers.configsections import (
    DEFAULT_ES_URL,
    DEFAULT_REQUIREMENTS,
    AccountsConfig,
    BrowserConfig,
    ContentWatchConfig,
    CrawlConfig,
    DistributedConfig,
    ElasticsearchConfig,
    EventsConfig,
    IndicatorsConfig,
    NetworkConfig,
    PlatformConfig,
    ReportConfig,
    SchedulerConfig,
    Section,
    alerts_table,
    http_url,
)
from crawlers.errors import ConfigError
from crawlers.models import PLATFORMS
from crawlers.redact import MIN_SECRET_CHARS, register, url_secrets
from crawlers.securityconfig import SecurityConfig

__all__ = [
    "DEFAULT_ES_URL",
    "DEFAULT_REQUIREMENTS",
    "AccountsConfig",
    "BrowserConfig",
    "ContentWatchConfig",
    "Config",
    "ConfigError",
    "CrawlConfig",
    "DistributedConfig",
    "ElasticsearchConfig",
    "EventsConfig",
    "IndicatorsConfig",
    "NetworkConfig",
    "PlatformConfig",
    "ReportConfig",
    "SchedulerConfig",
    "config_from_settings",
    "load_config",
]


class Config(Section):
    elasticsearch: ElasticsearchConfig = Field(default_factory=ElasticsearchConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    browser: BrowserConfig = Field(default_factory=BrowserConfig)
    content_watch: ContentWatchConfig = Field(default_factory=ContentWatchConfig)
    indicators: IndicatorsConfig = Field(default_factory=IndicatorsConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    accounts: AccountsConfig = Field(default_factory=AccountsConfig)
    distributed: DistributedConfig = Field(default_factory=DistributedConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    security: SecurityConfig = Field(default_factory=SecurityConfig)
    site_checks: SiteChecksConfig = Field(default_factory=SiteChecksConfig)
    events: EventsConfig = Field(default_factory=EventsConfig)
    alerts: Annotated[AlertsConfig, PlainValidator(alerts_table)] = Field(
        default_factory=AlertsConfig, repr=False
    )  # secrets: webhook tokens, SMTP password
    platforms: dict[str, PlatformConfig] = Field(default_factory=dict)

    _source: str = PrivateAttr(default="")
    _es_url_from: str = PrivateAttr(default="")

    @field_validator("platforms", mode="before")
    @classmethod
    def _platform_keys(cls, value: Any) -> Any:
        for name in value if isinstance(value, dict) else ():
            if name not in PLATFORMS:
                raise ValueError(
                    f"unknown platform {name!r}{closest(name, PLATFORMS)} (known: {', '.join(PLATFORMS)})"
                )
        return value

    @property
    def source(self) -> str:
        """The file this configuration came from ("" for the defaults), for messages and workers."""
        return self._source

    @property
    def indicators_file(self) -> str:
        """``[indicators] file``, absolute ("" = the national data alone)."""
        return self.indicators.file

    @property
    def es_url_from(self) -> str:
        """Where ``[elasticsearch] url`` came from: "config" (the file), "env" (GOVPATROL_ES_URL),
        "" (the default); commands then try --es first and the node `services start` recorded last
        (:mod:`govpatrol.services.discovery` sets "--es", "services" or "default")."""
        return self._es_url_from

    @es_url_from.setter
    def es_url_from(self, value: str) -> None:
        self._es_url_from = value

    def secrets(self) -> list[str]:
        """Every secret value this configuration holds (Elasticsearch, alerts, platform cookies)."""
        es, alerts = self.elasticsearch, self.alerts
        found = [es.api_key, es.password, *url_secrets(es.url)]
        for hook in alerts.webhooks:
            found += [*url_secrets(hook.url), hook.secret]
        if alerts.smtp is not None:
            found.append(alerts.smtp.password)
        for platform in self.platforms.values():
            found += [*platform.cookies.values(), *platform.credentials.values()]
        return sorted({s for s in found if isinstance(s, str) and len(s) >= MIN_SECRET_CHARS})


#: the one Scrapy setting govpatrol's components read: the Config (or a config file path, which
#: the add-on loads once); every other PATROL_ value is derived from it (govpatrol/addon.py)
CONFIG_SETTING = "PATROL_CONFIG"


def config_from_settings(settings: Any) -> Config:
    """The crawl's Config from Scrapy settings: the object the add-on put there, else a file, else defaults."""
    value = settings.get(CONFIG_SETTING)
    if isinstance(value, Config):
        return value
    return load_config(value or None)


def load_config(path: str | Path | None = None) -> Config:
    """Read a config file (or none) and apply environment overrides (GOVPATROL_ES_*, cookies)."""
    config = Config()
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{p}: config file does not exist")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{p}: not valid TOML: {exc}") from exc
        try:
            config = Config.model_validate(data, context={"base": str(p.parent)})
        except ValidationError as exc:
            raise ConfigError("\n".join(describe_errors(exc, Config, str(p)))) from None
        config._source = str(p)
        if "url" in config.elasticsearch.model_fields_set:
            config.es_url_from = "config"
    _apply_env(config)
    register(config.secrets())  # every command that reads a config masks its secrets in logs
    return config


def _apply_env(config: Config) -> None:
    es = config.elasticsearch
    if config.es_url_from != "config" and "GOVPATROL_ES_URL" in os.environ:  # the file's URL wins
        es.url, config.es_url_from = http_url(os.environ["GOVPATROL_ES_URL"]), "env"
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
