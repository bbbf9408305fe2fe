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

from crawlers.sitefacts import ArticleFacts, ChannelFacts, SearchFacts

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
    account_type: str | None = None  # the registry's 账号类型 (WeChat: 订阅号 | 服务号), as written


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
    """What one fetch of one page showed. Never rewritten after the sweep, and never a judgment:
    whether a column is empty or stale, which category its name falls in, whether the page is a
    soft-404 -- the rules decide that from these facts, under whichever indicator file is in force."""

    target_id: str
    url: str
    role: str  # homepage | column | sitemap | probe | budget | interaction | search | article
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
    column_name: str = ""  # the column's name as shown (ColumnName meta, else the navigation text)
    column_level: int = 0  # 1 for first-level (navigation) columns
    items: list[DatedItem] = field(default_factory=list)  # dated list entries found
    item_count: int = 0  # list entries, dated or not
    newest: DatedItem | None = None  # max(date) over items, never the first item
    navigation_only: bool = False  # homepage with no dated items of its own
    # the page's main text (navigation, header and footer left out): its length, and its start when
    # the page is short or lists no dated entry (what the soft-404 and empty-column rules read)
    text_chars: int = 0
    text_excerpt: str = ""
    links: list[LinkRef] = field(default_factory=list)
    # role "budget": what a per-site budget (named in ``error``) left undone
    links_not_checked: int = 0
    homepage_links_not_checked: int = 0  # of those, links found on the homepage
    pages_not_fetched: int = 0
    # site checks' facts (crawlers.sitefacts): interaction channels, the site search, a sampled article
    interaction: ChannelFacts | None = None
    search: SearchFacts | None = None
    article: ArticleFacts | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400


@dataclass
class LinkCheck(Record):
    """The check of one link URL (deduplicated per sweep), with every page that links to it.

    Facts only: whether the link is dead, and whether that is confirmed or suspected, is the
    dead-link rules' decision (status, failure class, in-site or not, the page's soft-404 signals
    and the same URL's earlier checks).
    """

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
    internal: bool = False  # on the site's own host (the homepage's, after redirects)
    elapsed_ms: float | None = None
    text: str = ""
    # soft-404 signals of a GET page that said a not-found stem (pagewords.toml notfound_hints):
    # its title, main-text length (None: not read) and start, and whether it carries the
    # ArticleTitle / ColumnName meta of a real article or column page
    title: str = ""
    text_chars: int | None = None
    text_excerpt: str = ""
    tagged: bool = False
    # answered from the link cache of an incremental sweep: ``checked_at`` is the time of the real
    # check (another sweep's), so the dead-link rule never counts it as one more try
    cached: bool = False


@dataclass
class PrivacyCandidate(Record):
    """An unmasked personal number seen in a text, kept only in its masked form.

    The full number never leaves the detector: what is stored is enough to find it again by hand
    (the file, page and line) and to tell it from another (the masked form), not to read it.
    """

    kind: str  # id_card | mobile | bank_card
    masked: str  # e.g. 1101**********1234, 138****5678
    offset: int  # character position in the observation's (masked) text
    page: int = 1  # 1-based page (PDF page, sheet, image) the text came from
    line: int = 1  # 1-based line within that page
    checks: list[str] = field(default_factory=list)  # the checks it passed: gb11643, region, ...


@dataclass
class TextObservation(Record):
    """The text of one page, attachment or post, as the content watch judges it.

    ``text`` has every detected personal number already masked, and pages are separated by a form
    feed (``\\f``), lines by ``\\n``, so a finding can name the page and line. Judging the same
    records under another dictionary gives other findings, without a crawl.
    """

    target_id: str
    url: str  # the page, attachment or post URL (what must be fixed)
    kind: str  # page | attachment | post
    fetched_at: datetime
    found_on: str = ""  # the page that linked to it ('' for a page itself or a post)
    format: str = "html"  # html | pdf | docx | xlsx | doc | xls | image | post
    text: str = ""
    privacy: list[PrivacyCandidate] = field(default_factory=list)
    extraction: str = "ok"  # ok | partial (a cap cut it short) | unverified (nothing read)
    reason: str = ""  # why partial or unverified: too_large, encrypted, timeout, ...
    title: str = ""
    pages: int = 0  # pages (sheets, images) read
    ocr: bool = False  # the text came from OCR
    bytes: int = 0  # size of what was fetched
    digest: str = ""  # sha1 of the (masked) text: the patrol's memory of a text already read


@dataclass
class SiteObservations(Record):
    """Everything one sweep observed about one site; the judge's input."""

    target: Target
    homepage: PageObservation | None = None
    columns: list[PageObservation] = field(default_factory=list)
    links: list[LinkCheck] = field(default_factory=list)
    https: dict[str, Any] = field(default_factory=dict)  # scheme, tls_error
    cuts: list[PageObservation] = field(default_factory=list)  # role "budget": what budgets left undone
    # earlier checks (other sweeps, from the store) of the URLs failing now: the dead-link rules count
    # a suspected link's failed tries over the retry window from them
    earlier_links: list[LinkCheck] = field(default_factory=list)
    pages: list[PageObservation] = field(default_factory=list)  # other roles: the site checks' pages

    def add_page(self, page: PageObservation) -> None:
        """File one page observation where the judge looks for it."""
        if page.role == "homepage":
            self.homepage = page
            self.https = {
                "scheme": (page.final_url or page.url).split(":", 1)[0],
                "tls_error": page.error_detail if page.error == "tls" else "",
            }
        elif page.role == "column":
            self.columns.append(page)
        elif page.role == "budget":  # what a budget left undone: the rules it affects say unverified
            self.cuts.append(page)
        else:  # the site checks' pages (interaction, search, article): read by their own rules
            self.pages.append(page)

    texts: list[TextObservation] = field(default_factory=list)  # content watch: pages, attachments
    # security watch (crawlers/watchmodels.py): each fetch of a watched page (WatchObservation), its
    # snapshots (PageSnapshot: kept on disk for findings, never judged), the accepted baselines by page
    # URL (Baseline, read from the store before judging) and this site's own allowed hosts (config)
    watch: list[Any] = field(default_factory=list)
    snapshots: list[Any] = field(default_factory=list)
    baselines: dict[str, Any] = field(default_factory=dict)
    allow_hosts: list[str] = field(default_factory=list)


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
    """Control item: the spider has no more requests pending for this target (judge it once its
    ``facts`` have arrived: items of different callbacks reach the recorder in no fixed order)."""

    target_id: str
    requests: int = 0  # requests made for this target
    facts: int | None = None  # fact items the spider emitted for it (crawlers.tally); None: not counted


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
    verification: str = ""  # the platform's verification text (认证信息), when shown
    comments_shown: int = 0  # posts whose comment switch the platform showed (0: it shows none)
    comments_closed: int = 0  # ... of them with comments closed
    requests: int = 0
    browser: bool = False  # True when the check needed Chromium
    elapsed_ms: float | None = None
    posts: list[TextObservation] = field(default_factory=list)  # content watch: each post's text
