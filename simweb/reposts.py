"""A 重大事件 on the simulated platforms: Kunshan's accounts that must repost the city's notice.

The event is published at 15:00 on the working day before the last working day that has begun an
hour before the as-of time, so the check finds every case settled except one WeChat subscription
account whose working-day deadline may still be ahead. Each account is planted with one case; the
ground truth (status, repost time, delay) comes from the same records the platforms serve:

* reposted within 30 minutes (title with 转发 and 【】), at 1 h 50 min with a reworded title (all the
  keywords), at 65 minutes with only the source link (Weibo's wrapped 网页链接);
* late at 2 h 10 min; never reposted; a look-alike title that is not a repost (missing);
* a WeChat subscription account reposting the next working day (in time); a WeChat 服务号 reposting
  at 3 hours (late: the 2-hour deadline); a WeChat subscription account not yet reposted;
* a captcha-walled account (unverified for the event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

from crawlers.dates import BEIJING
from crawlers.thresholds import load_thresholds
from crawlers.workdays import WorkCalendar
from simweb.accounts import AccountWorld
from simweb.platforms import app_class
from simweb.platforms.base import SimAccount, SimPost

REGION = "江苏省苏州市昆山市"  # the event's scope: every account of this region is planted here
TITLE = "苏州市防汛防旱指挥部关于启动防汛Ⅳ级应急响应的通告"
KEYWORDS = ["防汛", "Ⅳ级应急响应"]
URL = "https://www.suzhou.gov.cn/szsrmzf/tzgg/fxyj-iv.shtml"
LOOKALIKE = "苏州市防汛防旱指挥部关于加强汛期安全防范的提示"  # similar, not a repost
OTHER = [
    "昆山市优化营商环境推进会召开",
    "一图读懂政府工作报告",
    "便民提示：办事指南更新",
    "政务公开日活动回顾",
]


@dataclass(frozen=True)
class Case:
    """One planted account: where, and what it posted after the event."""

    target_id: str
    platform: str
    sim_case: str  # the platform case (active, captcha)
    owner: str
    name: str
    status: str  # the truth: reposted | late | missing | unverified | pending
    after: timedelta | None = None  # the repost's delay (None: no repost)
    title: str = ""  # the repost's title ("" = TITLE)
    text: str = ""  # the repost's text as the platform serves it (HTML on Weibo)
    next_working_day: bool = False  # the repost comes the next working day, not after ``after``
    account_type: str = ""  # the registry's 账号类型
    why: str = ""


LINK_TEXT = f'扩散周知！<a href="https://weibo.cn/sinaurl?u={quote(URL, safe="")}">网页链接</a>'
CASES = (
    Case("E01", "weibo", "active", "昆山市人民政府新闻办公室", "昆山发布", "reposted", timedelta(minutes=25),
         f"转发：【{TITLE}】", why="title, within 30 minutes"),
    Case("E02", "bilibili", "active", "昆山市融媒体中心", "昆山融媒", "reposted", timedelta(hours=1, minutes=50),
         "昆山紧急提醒：苏州启动防汛Ⅳ级应急响应", why="reworded title, keywords, at 1 h 50 min"),
    Case("E03", "netease", "active", "昆山市应急管理局", "昆山应急", "late", timedelta(hours=2, minutes=10),
         "苏州市防汛防旱指挥部：关于启动防汛Ⅳ级应急响应的通告", why="at 2 h 10 min"),
    Case("E04", "qqnews", "active", "昆山市水务局", "昆山水务", "missing", why="never reposted"),
    Case("E05", "weibo", "active", "昆山市公安局", "昆山警方", "reposted", timedelta(minutes=65),
         "扩散周知！", LINK_TEXT, why="only the source link"),
    Case("E06", "thepaper", "active", "昆山市气象局", "昆山气象", "missing", timedelta(minutes=40),
         LOOKALIKE, why="a similar title that is not a repost"),
    Case("E07", "wechat", "active", "昆山市教育局", "昆山教育", "reposted", None, f"【转载】{TITLE}",
         next_working_day=True, account_type="订阅号", why="subscription account, the next working day"),
    Case("E08", "thepaper", "captcha", "昆山市交通运输局", "昆山交通", "unverified", why="captcha wall"),
    Case("E09", "wechat", "active", "昆山市人民政府办公室", "昆山政务服务", "late", timedelta(hours=3),
         TITLE, account_type="服务号", why="service account: the 2-hour deadline"),
    Case("E10", "wechat", "active", "昆山市卫生健康委员会", "健康昆山", "pending", why="subscription account, not yet"),
)  # fmt: skip


def calendar() -> WorkCalendar:
    params = load_thresholds()["ACCOUNT-REPOST-LATE"]
    return WorkCalendar.from_lists(params["holidays"], params["working_weekends"])


def event_days(as_of: datetime, cal: WorkCalendar) -> tuple[datetime, date]:
    """(the event's publication, the next working day after it, which has begun before ``as_of``)."""
    day = (as_of - timedelta(hours=1)).astimezone(BEIJING).date()
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    published = datetime.combine(cal.previous_working_day(day), time(15, 0), tzinfo=BEIJING)
    return published, day


@dataclass
class RepostPlan:
    """The planted event and its accounts' truth."""

    as_of: datetime
    published: datetime
    next_day: date
    truth_rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def deadline_hours(self) -> float:
        return float(load_thresholds()["ACCOUNT-REPOST-LATE"]["deadline_hours"])

    def truth(self) -> dict[str, Any]:
        return {
            "event": {
                "title": TITLE,
                "url": URL,
                "keywords": KEYWORDS,
                "published": self.published.isoformat(),
                "region": REGION,
            },
            "accounts": self.truth_rows,
        }


def _repost_time(case: Case, plan: RepostPlan) -> datetime | None:
    if case.next_working_day:
        start = datetime.combine(plan.next_day, time(9, 30), tzinfo=BEIJING)
        return min(start, (plan.as_of - timedelta(minutes=10)).astimezone(BEIJING)).replace(
            second=0, microsecond=0
        )
    return plan.published + case.after if case.after is not None else None


def _status(case: Case, plan: RepostPlan) -> str:
    if case.status != "pending":
        return case.status
    end = datetime.combine(plan.next_day + timedelta(days=1), time(0, 0), tzinfo=BEIJING)
    return "pending" if plan.as_of < end else "missing"


def plant_repost_event(world: AccountWorld) -> RepostPlan:
    """Add the event's accounts to the platforms of ``world`` (which must include theirs)."""
    published, next_day = event_days(world.as_of, calendar())
    plan = RepostPlan(as_of=world.as_of, published=published, next_day=next_day)
    for n, case in enumerate(CASES):
        app = world.apps[case.platform]
        posts = [
            SimPost(f"{case.target_id.lower()}old", OTHER[n % 4], published - timedelta(days=1, hours=2)),
            SimPost(
                f"{case.target_id.lower()}new",
                OTHER[(n + 1) % 4],
                world.as_of - timedelta(hours=3, minutes=n),
            ),
        ]
        when = _repost_time(case, plan)
        if when is not None:
            posts.append(SimPost(f"{case.target_id.lower()}rp", case.title or TITLE, when, text=case.text))
        account = SimAccount(
            target_id=case.target_id,
            platform=case.platform,
            case=case.sim_case,
            account_id="",
            name=case.name,
            owner=case.owner,
            region=REGION,
            posts=sorted(posts, key=lambda p: p.date, reverse=True),
            extra={"account_type": case.account_type} if case.account_type else {},
        )
        account.account_id = app.account_id_for(account, 900 + n)
        account.profile_url = app.profile_url(account)
        app.accounts.append(account)
        is_repost = case.status in ("reposted", "late")
        plan.truth_rows[case.target_id] = {
            "platform": case.platform,
            "why": case.why,
            "status": _status(case, plan),
            "reposted_at": when.isoformat() if when is not None and is_repost else None,
            "delay_minutes": int((when - published).total_seconds() // 60)
            if when is not None and is_repost
            else None,
        }
    world.reposts = plan
    return plan


def repost_world(as_of: datetime) -> AccountWorld:
    """Only the event's accounts, on their platforms (the tests' small world)."""
    world = AccountWorld(as_of=as_of)
    for key in sorted({c.platform for c in CASES}):
        world.apps[key] = app_class(key)([], as_of)
    plant_repost_event(world)
    return world
