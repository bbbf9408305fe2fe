"""What a simulated site plants for the site checks: interaction channels with their letters, the
site search, the 找错 entry and the article tags.

Every site gets a working 领导信箱 whose letters are all answered, a working search, the 找错 widget
and tagged articles; the profiles below spoil one thing each (or plant a look-alike that must pass).
Dates are ages in days before the as-of time, kept well away from the rule's 60/90-day lines.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

CHECK_PROFILES: tuple[str, ...] = (
    "letters_unanswered",  # a 政务咨询 letter unanswered for 4 months, on the list's 2nd page: veto
    "letters_warning",  # unanswered for 70 days: early warning
    "letters_late",  # answered 100 days after it came: answered by now, no finding (look-alike)
    "letters_json",  # the list written by script from JSON, one letter unanswered 100 days: veto
    "letters_unreadable",  # the list's JSON answers 500: unverified, never a pass
    "channel_submit_404",  # the only channel: no form, no list, its 写信 page a 404: veto
    "channel_other_host",  # the channel is a provincial 12345 platform on another host (healthy)
    "channel_in_column",  # the homepage links the 互动交流 column, which links the channel (healthy)
    "search_broken",  # the search answers 未找到 to everything: notice
    "search_missing",  # no search form, no search link: notice
    "search_provincial",  # the form posts to a provincial search platform (works)
    "search_js",  # the answer page is written by script: read in Chromium (works)
    "zhaocuo_missing",  # no 找错 widget: a notice on a portal, nothing on a department's site
    "article_untagged",  # article pages without ArticleTitle/PubDate
    "article_pubdate_mismatch",  # PubDate five days before the date the list shows
    "article_pubdate_future",  # PubDate a month after the check time
    "compact",  # the core columns only, one list page each (keeps the check sites cheap)
)
OTHER_HOST = "www.js12345.gov.cn"  # a provincial 12345 platform
SEARCH_HOST = "so.js.gov.cn"  # a provincial site-search platform
STATUS_ANSWERED = ("已回复", "已办结")
STATUS_OPEN = ("办理中", "已受理")
UNANSWERED_DAYS = 120
WARNING_DAYS = 70
JSON_UNANSWERED_DAYS = 100
LATE_REPLY_DAYS = 100


@dataclass
class SimLetter:
    title: str
    submitted: datetime
    replied: datetime | None
    status: str
    docid: int


@dataclass
class Mailbox:
    """One interaction channel: where its entry is, how its list is written, its letters."""

    name: str
    path: str  # the entry page's path
    shape: str  # trs | hanweb | table | json (the list's markup)
    host: str = ""  # '' = the site's own host; else another host (a provincial platform)
    letters: list[SimLetter] = field(default_factory=list)  # newest first
    per_page: int = 15
    form: bool = True  # the entry page carries the submit form
    submit_404: bool = False  # no form, no list: a 写信 link to a page that does not exist
    json_status: int = 200  # what the JSON list answers (500: unreadable)


@dataclass
class SiteChecks:
    """The site checks' plants of one site."""

    mailboxes: list[Mailbox] = field(default_factory=list)
    search: str = "local"  # local | broken | missing | provincial | js
    zhaocuo: bool = True
    articles: str = ""
    via_column: bool = False  # the homepage links a 互动交流 column page that lists the channels  # '' tagged | untagged | mismatch | future

    @property
    def pubdate_shift_days(self) -> int:
        """How far the article pages' PubDate sits from the list's date."""
        return {"mismatch": -5, "future": 400}.get(self.articles, 0)


_TOPICS = (
    "小区停车难问题",
    "公交线路调整建议",
    "学位申请咨询",
    "医保报销政策咨询",
    "噪音扰民投诉",
    "道路积水反映",
    "公积金提取咨询",
    "菜市场环境问题",
    "老旧小区加装电梯",
    "企业开办咨询",
    "路灯损坏报修",
    "垃圾分类建议",
)


def _letters(rng: random.Random, day0: datetime, count: int, gap: int, start: int) -> list[SimLetter]:
    out = []
    age = start
    for n in range(count):
        submitted = day0 - timedelta(days=age) + timedelta(hours=9 + n % 8)
        replied = submitted + timedelta(days=rng.randint(2, 12))
        out.append(
            SimLetter(
                f"关于{rng.choice(_TOPICS)}的{rng.choice(('咨询', '建议', '反映'))}",
                submitted,
                replied,
                rng.choice(STATUS_ANSWERED),
                100000 + n * 7 + rng.randint(0, 6),
            )
        )
        age += gap + rng.randint(0, 3)
    return out


def _open(letter: SimLetter, rng: random.Random, age: int, day0: datetime) -> None:
    letter.submitted = day0 - timedelta(days=age) + timedelta(hours=10)
    letter.replied = None
    letter.status = rng.choice(STATUS_OPEN)


def plan_checks(profiles: set[str], cms: str, rng: random.Random, day0: datetime) -> SiteChecks:
    """The plants of a site with these profiles (its CMS chooses the list's markup)."""
    shape = {"trs": "trs", "hanweb": "hanweb"}.get(cms, "table")
    box = Mailbox("领导信箱", "/hdjl/ldxx/index.html" if cms == "trs" else "/hdjl/ldxx.html", shape)
    box.letters = _letters(rng, day0, 14, 26, 3)
    checks = SiteChecks(mailboxes=[box])
    if "letters_unanswered" in profiles:
        box.per_page = 8
        box.letters = _letters(rng, day0, 20, 9, 3)
        _open(box.letters[12], rng, UNANSWERED_DAYS, day0)  # page 2 of 8 per page
    if "letters_warning" in profiles:
        _open(box.letters[3], rng, WARNING_DAYS, day0)
    if "letters_late" in profiles:
        late = box.letters[4]
        late.replied = late.submitted + timedelta(days=LATE_REPLY_DAYS)
        late.status = "已回复"
    if "letters_json" in profiles:
        box.shape = "json"
        _open(box.letters[4], rng, JSON_UNANSWERED_DAYS, day0)
    if "letters_unreadable" in profiles:
        box.shape, box.json_status = "json", 500
    if "channel_submit_404" in profiles:
        box.form, box.submit_404, box.letters = False, True, []
    if "channel_other_host" in profiles:
        box.name, box.host, box.shape, box.path = (
            "12345政务服务便民热线",
            OTHER_HOST,
            "json",
            f"/wsxf/{cms}{rng.randint(100, 999)}.html",
        )
    checks.via_column = "channel_in_column" in profiles
    for name in ("broken", "missing", "provincial", "js"):
        if f"search_{name}" in profiles:
            checks.search = name
    checks.zhaocuo = "zhaocuo_missing" not in profiles
    for name in ("untagged", "mismatch", "future"):
        if f"article_{name}" in profiles or f"article_pubdate_{name}" in profiles:
            checks.articles = name
    for letter in box.letters:
        letter.submitted = letter.submitted.replace(minute=0, second=0, microsecond=0)
    box.letters.sort(key=lambda x: x.submitted, reverse=True)
    return checks
