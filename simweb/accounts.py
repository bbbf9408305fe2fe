"""The simulated new-media world: accounts on every platform, one per case each platform can show.

Posts are dated relative to the as-of time, and the ground truth (state, latest post, expected
findings) is computed here from the same records the platform servers render.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from crawlers.thresholds import load_thresholds
from simweb.contentwatch import plant_post
from simweb.platforms import APPS, app_class
from simweb.platforms.base import CASE_STATES, PlatformApp, PlatformServer, SimAccount, SimPost

# Owners and their account names (a city's 发布 accounts and its departments).
OWNERS: list[tuple[str, str, str]] = [
    ("苏州市人民政府新闻办公室", "苏州发布", "江苏省苏州市"),
    ("苏州市公安局", "苏州警方", "江苏省苏州市"),
    ("苏州市吴中区人民政府", "吴中发布", "江苏省苏州市吴中区"),
    ("苏州市姑苏区人民政府", "姑苏发布", "江苏省苏州市姑苏区"),
    ("苏州市市场监督管理局", "苏州市场监管", "江苏省苏州市"),
    ("苏州市生态环境局", "苏州生态环境", "江苏省苏州市"),
    ("苏州市文化广电和旅游局", "苏州文旅", "江苏省苏州市"),
    ("苏州市卫生健康委员会", "健康苏州", "江苏省苏州市"),
    ("苏州市教育局", "苏州教育", "江苏省苏州市"),
    ("苏州市交通运输局", "苏州交通", "江苏省苏州市"),
    ("苏州市应急管理局", "苏州应急管理", "江苏省苏州市"),
    ("苏州市相城区人民政府", "相城发布", "江苏省苏州市相城区"),
    ("苏州市人力资源和社会保障局", "苏州人社", "江苏省苏州市"),
    ("苏州市消防救援支队", "苏州消防", "江苏省苏州市"),
    ("苏州市气象局", "苏州气象", "江苏省苏州市"),
    ("苏州市住房和城乡建设局", "苏州住建", "江苏省苏州市"),
    ("苏州市税务局", "苏州税务", "江苏省苏州市"),
    ("苏州市司法局", "苏州司法", "江苏省苏州市"),
    ("苏州市虎丘区人民政府", "虎丘发布", "江苏省苏州市虎丘区"),
]

TITLES = [
    "关于做好近期防汛防台工作的提示",
    "我市召开优化营商环境推进会",
    "一图读懂政府工作报告",
    "权威发布丨最新政策解读",
    "便民提示：办事指南更新",
    "今日关注：城市更新项目开工",
    "视频丨走进社区服务中心",
    "重要通知：公共服务时间调整",
    "政务公开日活动回顾",
    "防范电信网络诈骗提醒",
    "招聘公告丨事业单位公开招聘",
    "天气预报：未来三天降雨",
]


def _minute(dt: datetime) -> datetime:
    return dt.replace(second=0, microsecond=0)


def make_posts(case: str, as_of: datetime, rng: random.Random, prefix: str) -> list[SimPost]:
    """Posts for a case, newest first with pinned posts at the top (as platforms list them)."""

    def post(n: int, age: timedelta, pinned: bool = False) -> SimPost:
        return SimPost(
            id=f"{prefix}{n:03d}", title=rng.choice(TITLES), date=_minute(as_of - age), pinned=pinned
        )

    hours = timedelta(hours=1)
    days = timedelta(days=1)
    if case in ("no_posts", "deleted", "banned"):
        return []
    if case == "pinned_old":
        return [post(0, 500 * days, pinned=True)] + [
            post(i, (1 + 2 * (i - 1)) * days + 3 * hours) for i in range(1, 8)
        ]
    if case == "pinned_new":
        return [post(0, 2 * days + 2 * hours, pinned=True)] + [
            post(i, (30 + 5 * i) * days) for i in range(1, 6)
        ]
    if case == "relative":
        return [post(1, 5 * hours), post(2, days + 3 * hours), post(3, 3 * days), post(4, 6 * days)]
    start = {"warning": 9 * days, "zombie": 20 * days, "dormant": 400 * days}.get(
        case, 2 * hours + 17 * timedelta(minutes=1)
    )
    return [post(i, start + i * days * 1.5) for i in range(10)]


def _truth(account: SimAccount, as_of: datetime, thresholds: dict[str, Any]) -> dict[str, Any]:
    state = CASE_STATES[account.case]
    rule = thresholds["ACCOUNT-VETO-NO-UPDATE"]
    latest = max((p.date for p in account.posts), default=None) if state == "latest" else None
    expect: dict[str, str] = {}
    idle = (as_of - latest).total_seconds() / 86400 if latest else None
    if idle is not None and idle >= rule["max_idle_days"]:
        expect["ACCOUNT-VETO-NO-UPDATE"] = "violation"
    elif idle is not None and idle >= rule["warn_idle_days"]:
        expect["ACCOUNT-VETO-NO-UPDATE"] = "warning"
    if state == "no_posts":
        # platforms.md §0: only a `latest` older than the threshold makes a zombie; an account that
        # never posted is flagged for review (预警), not vetoed.
        expect["ACCOUNT-VETO-NO-UPDATE"] = "warning"
    if state == "gone":
        expect["ACCOUNT-GONE"] = "violation"
    return {
        "platform": account.platform,
        "case": account.case,
        "state": state,
        "latest": latest.isoformat() if latest else None,
        "account_id": account.account_id,
        "url": account.profile_url,
        "name": account.name,
        "owner": account.owner,
        "region": account.region,
        "expect": expect,
        "dormant": bool(idle is not None and idle > rule["dormant_days"]),
        "content_watch": list(account.planted),  # ACCOUNT-SEC-WORDING hits that must be raised
    }


@dataclass
class AccountWorld:
    """Every simulated platform's accounts and servers."""

    as_of: datetime
    apps: dict[str, PlatformApp] = field(default_factory=dict)
    servers: dict[str, PlatformServer] = field(default_factory=dict)
    reposts: Any = None  # a planted 重大事件 (simweb.reposts.RepostPlan): truth["reposts"]

    @property
    def accounts(self) -> list[SimAccount]:
        return [a for app in self.apps.values() for a in app.accounts]

    def start(self) -> AccountWorld:
        for key, app in self.apps.items():
            self.servers[key] = PlatformServer(app).start()
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()

    def origins(self) -> dict[str, str]:
        return {key: server.origin for key, server in self.servers.items()}

    def truth(self, indicators: str | None = None) -> dict[str, Any]:
        thresholds = load_thresholds(indicators)
        return {a.target_id: _truth(a, self.as_of, thresholds) for a in self.accounts}


def build_accounts(as_of: datetime, seed: int = 20241, platforms: list[str] | None = None) -> AccountWorld:
    """One account per (platform, supported case), ids A001..., owners cycling through OWNERS."""
    rng = random.Random(seed)
    world = AccountWorld(as_of=as_of)
    n = 0
    for key in platforms or list(APPS):
        cls = app_class(key)
        accounts = []
        for case in cls.CASES:
            n += 1
            accounts.append(sim_account(n, key, case, as_of, rng, digits=3))
            plant_post(accounts[-1])
        world.apps[key] = cls(accounts, as_of)
    return world


def sim_account(n: int, key: str, case: str, as_of: datetime, rng: random.Random, digits: int) -> SimAccount:
    """Account number ``n`` of platform ``key`` in ``case``: id ``A<n>``, an owner from OWNERS."""
    owner, name, region = OWNERS[n % len(OWNERS)]
    number = f"{n:0{digits}d}"
    return SimAccount(
        target_id=f"A{number}",
        platform=key,
        case=case,
        account_id="",
        name=name,
        owner=owner,
        region=region,
        posts=make_posts(case, as_of, rng, prefix=f"{key[:2]}{number}"),
    )
