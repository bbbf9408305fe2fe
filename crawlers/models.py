"""The records that flow between stages: targets, observations (facts), findings (judgments).

Spiders produce observations and nothing else; the judge turns one target's observations into
findings and a target summary; sinks store all of them. Keeping these plain dataclasses (with a
``to_dict`` for JSON / Elasticsearch) lets each stage be tested without the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

TargetKind = Literal["site", "account"]
Severity = Literal["veto", "deduction", "notice"]
# pending_review: a security-watch hit (``*-SEC-*``) waiting for a person; confirmed it becomes open,
# dismissed it stays dismissed and its fingerprint is never raised again
FindingStatus = Literal["open", "rectified", "unverified", "pending_review", "dismissed"]
Verdict = Literal["pass", "fail", "unverified"]

PLATFORMS: tuple[str, ...] = (
    "weibo",
    "wechat",
    "douyin",
    "toutiao",
    "bilibili",
    "kuaishou",
    "baijiahao",
    "qqnews",
    "netease",
    "thepaper",
    "rmh",
)


def _plain(value: Any) -> Any:
    """JSON-ready copy: datetimes become ISO 8601 strings with their offset."""
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class Record:
    """Mixin: ``to_dict`` for every record type."""

    def to_dict(self) -> dict[str, Any]:
        return _plain(self)


@dataclass(frozen=True)
class Target(Record):
    """One row of the targets registry."""

    id: str
    kind: TargetKind
    name: str
    owner: str
    region: str
    url: str
    platform: str | None = None
    account_id: str | None = None
    site_code: str | None = None


@dataclass
class DatedItem(Record):
    """A dated entry on a list page (or a post). Every date keeps where it came from."""

    date: datetime  # timezone-aware (Asia/Shanghai unless the source says otherwise)
    title: str = ""
    url: str = ""
    source: str = "text"  # text | url | meta | attribute | json
    raw: str = ""  # the exact text the date was read from
    pinned: bool = False


@dataclass
class LinkRef(Record):
    """A link found on a page, before it is checked."""

    url: str
    text: str = ""
    kind: str = "page"  # page | image | attachment | external | script | style


@dataclass
class PageObservation(Record):
    """What one fetch of one page showed. Never rewritten after the sweep."""

    target_id: str
    url: str
    role: str  # homepage | column | sitemap | article
    fetched_at: datetime
    status: int | None = None  # HTTP status; None when the fetch failed below HTTP
    # timeout | dns | refused | tls | http | too_large | redirect_loop | too_many_redirects | not_html
    # | blocked (SSRF guard) | site_budget | page_budget | link_budget (role budget) | other
    error: str | None = None
    error_detail: str = ""
    elapsed_ms: float | None = None
    final_url: str = ""
    redirects: list[str] = field(default_factory=list)
    encoding: str = ""
    title: str = ""
    rendered: bool = False  # True when the page was rendered in Chromium
    meta: dict[str, str] = field(default_factory=dict)  # SiteName, SiteIDCode, ColumnName, ...
    footer: dict[str, Any] = field(default_factory=dict)  # site_code, icp, beian, conac_badge
    column_name: str = ""
    column_category: str = ""  # news | notice_policy | other | exempt ('' for non-columns)
    column_level: int = 0  # 1 for first-level (navigation) columns
    items: list[DatedItem] = field(default_factory=list)  # dated list entries found
    item_count: int = 0  # list entries, dated or not
    newest: DatedItem | None = None  # max(date) over items, never the first item
    empty: bool = False  # an empty column ("暂无信息", zero items)
    soft404: bool = False
    navigation_only: bool = False  # homepage with no dated items of its own
    links: list[LinkRef] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400


@dataclass
class LinkCheck(Record):
    """The check of one link URL (deduplicated per sweep), with every page that links to it."""

    target_id: str
    url: str
    kind: str  # page | image | attachment | external
    found_on: list[str]  # page URLs where the link appears
    on_homepage: bool
    checked_at: datetime
    method: str = "HEAD"  # HEAD, or GET when HEAD was refused
    status: int | None = None
    error: str | None = None
    error_detail: str = ""
    final_url: str = ""
    soft404: bool = False
    dead: bool = False
    confirmed: bool = False  # confirmed dead (404/410, own-host DNS) vs suspected
    elapsed_ms: float | None = None
    text: str = ""


@dataclass
class SiteObservations(Record):
    """Everything one sweep observed about one site; the judge's input."""

    target: Target
    homepage: PageObservation | None = None
    columns: list[PageObservation] = field(default_factory=list)
    links: list[LinkCheck] = field(default_factory=list)
    https: dict[str, Any] = field(default_factory=dict)  # scheme, tls_error


@dataclass
class Finding(Record):
    """A judgment: one indicator hit (or warning, or unverifiable check) for one subject."""

    target_id: str
    indicator: str
    severity: Severity
    status: FindingStatus
    subject_url: str
    evidence: dict[str, Any]
    as_of: datetime
    message: str = ""  # one line in Chinese, for inspectors
    points: float = 0.0  # deduction points, for deduction-level findings
    level: str = "violation"  # violation | warning (预警)
    subject: str = ""  # what within the target (a URL, a column); '' for the target itself
    target_name: str = ""
    owner: str = ""
    region: str = ""
    kind: str = "site"
    platform: str | None = None
    site_code: str | None = None  # the site's 标识码 from the registry (exports name it)
    sweep_id: str = ""
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    # lifecycle (pipelines.lifecycle): kept with the finding across sweeps; the judge never sets them
    recheck_count: int = 0
    last_recheck_at: datetime | None = None
    rectified_at: datetime | None = None
    rectified_evidence: dict[str, Any] | None = None  # the observation that shows it fixed
    history: list[dict[str, Any]] = field(default_factory=list)  # {at, sweep_id, kind, status}
    # security-watch hits: a digest of what matched (the hidden link, the term and its context, the
    # new script host), so a dismissed hit is recognised when a later patrol sees it again
    fingerprint: str = ""

    @property
    def id(self) -> str:
        subject = self.subject or self.subject_url
        if self.fingerprint:
            subject = f"{subject}#{self.fingerprint}"
        return finding_id(self.target_id, self.indicator, subject, self.level)

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["id"] = self.id
        return data


def finding_id(target_id: str, indicator: str, subject: str, level: str = "violation") -> str:
    """Stable id so that repeated sweeps update one finding instead of adding another."""
    key = "\x1f".join((target_id, indicator, subject, level))
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:20]


@dataclass
class TargetSummary(Record):
    """One line per target per sweep: the verdict an inspector reads first."""

    target_id: str
    kind: TargetKind
    verdict: Verdict
    latest_update: datetime | None
    latest_update_source: str | None
    name: str = ""
    owner: str = ""
    region: str = ""
    url: str = ""
    platform: str | None = None
    score: float | None = None
    findings: int = 0
    unverified_reasons: list[str] = field(default_factory=list)
    as_of: datetime | None = None
    sweep_id: str = ""
    state: str = ""  # accounts: latest | no_posts | gone | private | unverified


@dataclass
class ItemBatch:
    """Transport only: several records yielded as one Scrapy item (thousands of link checks cost
    one pass through Scrapy's item machinery each otherwise). Pipelines unpack it in order."""

    items: list[Any] = field(default_factory=list)


@dataclass
class TargetDone(Record):
    """Control item: the spider has no more requests pending for this target (judge it now)."""

    target_id: str
    requests: int = 0  # requests made for this target


@dataclass
class AccountObservation(Record):
    """What one check of one new-media account showed (the page object's result, as a fact)."""

    target_id: str
    platform: str
    url: str  # the profile URL checked (real host)
    fetched_at: datetime
    state: str  # latest | no_posts | gone | private | unverified
    latest: datetime | None = None  # the newest post's own date (max over the first page)
    latest_post: dict[str, Any] = field(default_factory=dict)  # id, url, title, pinned, raw, source
    post_dates: list[datetime] = field(default_factory=list)  # every dated post seen (frequency rules)
    reason: str = ""  # why, for unverified / gone / private
    evidence: dict[str, Any] = field(default_factory=dict)  # urls, statuses, codes (never secrets)
    name: str = ""  # the account's display name, when shown
    requests: int = 0
    browser: bool = False  # True when the check needed Chromium
    elapsed_ms: float | None = None
