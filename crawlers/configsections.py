"""The sections of the govpatrol config: one pydantic model per TOML table, typed and bounded.

Every key carries its type, default and bounds here; :mod:`crawlers.config` assembles the sections
into :class:`~crawlers.config.Config`, documents every key and loads files. Types are strict, numbers
finite, unknown keys refused (:class:`Section`); a ``field_validator`` or an ``Annotated`` type does
what a bound cannot (URLs, dates, crontabs, the SSRF allow-list, the resolve map).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from crawlers.alerts_config import AlertsConfig
from crawlers.errors import ConfigError
from crawlers.hostmap import ResolveMap
from crawlers.ssrf import AllowEntry

DEFAULT_ES_URL = "http://127.0.0.1:9200"
DEFAULT_REQUIREMENTS = (
    "请各地区、各部门对照本通报指出的问题，逐项核实整改，于{deadline}前完成整改，"
    "并将整改情况报送{office}。对整改不到位、问题反复出现的，将予以通报并纳入年度考核。"
)

Seconds = Annotated[float, Field(gt=0, le=86_400)]
Places = Annotated[int, Field(ge=1, le=100_000)]  # things in flight at once
Count = Annotated[int, Field(ge=0, le=10_000_000)]
Name = Annotated[str, Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]  # index / key prefixes


class Section(BaseModel):
    """One TOML table: unknown keys refused, types strict, numbers finite."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def http_url(value: str) -> str:
    if value and not value.startswith(("http://", "https://")):
        raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
    return value


def _redis_url(value: str) -> str:
    if value and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"expected a redis://, rediss:// or unix:// URL, got {value!r}")
    return value


def _iso_date(value: str) -> str:
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None
    return value


HttpUrl = Annotated[str, AfterValidator(http_url)]  # "" or http(s)://
RedisUrl = Annotated[str, AfterValidator(_redis_url)]  # "" or redis://, rediss://, unix://
Hours = Annotated[float, Field(ge=0, le=24 * 366)]
IsoDate = Annotated[str, AfterValidator(_iso_date)]  # "" or YYYY-MM-DD


class ElasticsearchConfig(Section):
    url: HttpUrl = DEFAULT_ES_URL
    index_prefix: Name = "govpatrol"
    api_key: str = Field("", repr=False)
    username: str = ""
    password: str = Field("", repr=False)
    verify_certs: bool = True
    ca_certs: str = ""
    bulk_size: Annotated[int, Field(ge=1, le=100_000)] = 500
    spool_dir: str = ""  # per sweep id a subdirectory (pipelines.spool)
    outage_wait: Annotated[float, Field(ge=0, le=7 * 86_400)] = 900.0
    retry_interval: Seconds = 5.0

    def __repr__(self) -> str:  # the URL may carry user:password: only the host part is shown
        return f"ElasticsearchConfig(url={self.url.rsplit('@', 1)[-1]!r}, index_prefix={self.index_prefix!r})"


class NetworkConfig(Section):
    allow_hosts: list[str] = Field(default_factory=list)
    resolve: dict[str, str] = Field(default_factory=dict)
    offline: bool = False
    user_agent: str = Field(
        "Mozilla/5.0 (compatible; govpatrol/0.1; +government website inspection)", min_length=1
    )
    ca_file: str = ""

    @field_validator("allow_hosts")
    @classmethod
    def _allow_hosts(cls, value: list[str]) -> list[str]:
        for entry in value:  # the SSRF guard's own parser: what it refuses later is refused now
            try:
                AllowEntry.parse(entry)
            except ValueError as exc:  # its reason, without its own "[network] allow_hosts:" prefix
                raise ValueError(str(exc).removeprefix("[network] allow_hosts: ")) from None
        return value

    @field_validator("resolve")
    @classmethod
    def _resolve(cls, value: dict[str, str]) -> dict[str, str]:
        for name, address in value.items():
            try:
                ResolveMap.parse({name: address})
            except ValueError:
                raise ValueError(
                    f"{name!r} = {address!r}: expected a host name ('*.' wildcard allowed) = an IP address"
                ) from None
        return value


class CrawlConfig(Section):
    concurrency: Places = 32
    per_host: Places = 4
    # how long the crawler and the probe wait for a homepage. Not derived from the indicator data's
    # probe_timeout_s: that is the rule, judged from each load's recorded time (another indicator file
    # re-judges stored facts without a crawl, and spiders never read judgment); this is patience, which
    # tests shorten. Shorter than the rule, a load the rule counts as in time is cut (govpatrol warns).
    homepage_timeout: Seconds = 15.0
    page_timeout: Seconds = 20.0
    link_timeout: Seconds = 10.0
    max_columns: Count = 80
    check_links: bool = True
    check_column_links: bool = True
    render_js: Literal["auto", "never"] = "auto"
    max_redirects: Annotated[int, Field(ge=0, le=100)] = 10
    site_time_budget: Seconds = 300.0
    site_page_budget: Annotated[int, Field(ge=1, le=10_000_000)] = 200
    max_links: Count = 3000
    sites_in_flight: Places = 32
    # 2: link checks run in a child process on the second core (1: in the crawl's own process);
    # distributed sweeps check in-process whatever this says (their host slots are per process)
    link_workers: Annotated[int, Field(ge=1, le=2)] = 1
    check_certificates: bool = True
    # incremental sweeps: link results shared by workers in Redis, each class kept this many hours
    # (0: that class is always checked again); pages revalidated with ETag / Last-Modified
    link_cache_hours: Hours = 0.0  # a link that answered (external or in-site resource)
    link_cache_page_hours: Hours = 0.0  # an in-site page read (soft-404 test; its text: spiders/textcache)
    link_cache_failed_hours: Hours = 0.0  # a failure (never counted again as a try of the dead-link rule)
    http_cache_dir: str = ""  # "": off; else pages are kept here and asked for with If-None-Match


class ContentWatchConfig(Section):
    """``[content_watch]``: what the crawl reads for 错敏词 and personal data, and its allowances."""

    enabled: bool = True
    attachments: bool = True
    max_attachment_bytes: Annotated[int, Field(ge=1024, le=1 << 31)] = 20 * 1024 * 1024
    site_attachment_bytes: Annotated[int, Field(ge=0, le=1 << 40)] = 100 * 1024 * 1024
    site_attachments: Count = 100
    max_pages: Annotated[int, Field(ge=1, le=100_000)] = 300
    extract_timeout: Seconds = 120.0
    extract_workers: Annotated[int, Field(ge=1, le=64)] = 2
    ocr: bool = True
    ocr_files: Count = 50
    ocr_seconds: Seconds = 600.0


class BrowserConfig(Section):
    executable: str = ""
    max_pages: Annotated[int, Field(ge=1, le=256)] = 4
    warm_pages: Annotated[int, Field(ge=0, le=16)] = 1

    @field_validator("executable")
    @classmethod
    def _executable(cls, value: str) -> str:
        if value and not Path(value).is_file():
            raise ValueError(f"no such file: {value!r}")
        return value


class IndicatorsConfig(Section):
    file: str = ""  # made absolute against the config file's folder

    @field_validator("file")
    @classmethod
    def _file(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return value
        path = Path(value)
        if not path.is_absolute() and info.context and info.context.get("base"):
            path = Path(info.context["base"]) / path
        if not path.is_file():
            raise ValueError(f"no such file: {str(path)!r}")
        return str(path)


def _crontab(value: str) -> str:
    try:
        CronTrigger.from_crontab(value)
    except ValueError as exc:
        raise ValueError(
            f"not a crontab expression {value!r} (minute hour day month weekday; weekdays mon-sun): {exc}"
        ) from None
    return value


Crontab = Annotated[str, AfterValidator(_crontab)]


class SchedulerConfig(Section):
    targets: str = ""
    job_store: str = ""
    redis_url: RedisUrl = ""
    state_dir: str = ""
    probe_minutes: Annotated[int, Field(ge=1, le=1440)] = 60
    patrol_hours: Annotated[int, Field(ge=1, le=24 * 31)] = 2
    rollup_cron: Crontab = "0 6 * * mon"
    full_cron: Crontab = "0 2 1 1,4,7,10 *"
    recheck_cron: Crontab = "0 8 * * *"
    misfire_grace_s: Annotated[int, Field(ge=1, le=7 * 86_400)] = 900
    sample_ratio: Annotated[float, Field(gt=0, le=1)] = 0.2
    sample_seed: int = 2019
    distributed: bool = False


class AccountsConfig(Section):
    """The ``[accounts]`` table: how often a patrol looks at each new-media account."""

    # each account is checked once in this window, in the patrol its id hashes to (0: every patrol)
    check_every_hours: Hours = 24.0


class DistributedConfig(Section):
    redis_url: RedisUrl = ""
    key_prefix: Name = "govpatrol"
    lease_seconds: Seconds = 30.0
    heartbeat_seconds: Seconds = 5.0
    poll_seconds: Seconds = 1.0
    targets_in_flight: Places = 16

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> DistributedConfig:
        if self.heartbeat_seconds >= self.lease_seconds / 2:
            raise ValueError(
                f"heartbeat_seconds ({self.heartbeat_seconds:g}) must be below lease_seconds / 2 "
                f"({self.lease_seconds / 2:g}): a lease would lapse between two renewals"
            )
        return self


class ReportConfig(Section):
    """The ``[report]`` table: the 通报's wording an office sets once (``govpatrol.report``)."""

    model_config = ConfigDict(validate_assignment=True)  # `report --deadline` sets one key

    scope: str = Field("全省", min_length=1)
    office: str = Field("省政府办公厅", min_length=1)
    title: str = Field("政府网站和政务新媒体检查情况通报", min_length=1)
    deadline_working_days: Annotated[int, Field(ge=1, le=366)] = 15
    deadline: IsoDate = ""  # YYYY-MM-DD; overrides deadline_working_days
    requirements: str = Field(DEFAULT_REQUIREMENTS, min_length=1)  # {deadline} and {office} filled in
    review_days: Annotated[int, Field(ge=1, le=3660)] = 92
    report_date: IsoDate = ""  # YYYY-MM-DD; default today (Beijing)
    # deductions, 疑似 links and notices: "annex" (附件6) or "omit" (二 lists confirmed veto problems only)
    other_problems: Literal["annex", "omit"] = "annex"


class EventsConfig(Section):
    """The ``[events]`` table: the repost watch of 重大事件 (``govpatrol event``)."""

    watch_minutes: Annotated[int, Field(ge=1, le=1440)] = 30  # the scheduler's watch while any event is open
    alert_lead_minutes: Annotated[int, Field(ge=0, le=1440)] = 30  # warn this long before a deadline


class PlatformConfig(Section):
    origin: HttpUrl = ""
    cookies: dict[str, str] = Field(default_factory=dict, repr=False)  # secrets: never logged
    credentials: dict[str, str] = Field(default_factory=dict, repr=False)  # e.g. WeChat MP token, cookie
    # the platform's request budget and backoff (None: crawlers/data/platform_budgets.toml)
    requests_per_minute: Annotated[float, Field(ge=0, le=100_000)] | None = None
    backoff_seconds: Annotated[float, Field(ge=0, le=86_400)] | None = None
    throttle_retries: Annotated[int, Field(ge=0, le=100)] | None = None


def alerts_table(value: Any) -> AlertsConfig:
    """``[alerts]`` keeps its own validator (crawlers/alerts_config.py); its messages name the key."""
    if isinstance(value, AlertsConfig):
        return value
    if not isinstance(value, dict):
        raise ValueError("must be a table")
    try:
        return AlertsConfig.from_table(value, "[alerts]")
    except ConfigError as exc:
        raise ValueError(str(exc)) from None
