"""Small builders for judge inputs: a healthy site or account by default, each test spoils one thing."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from crawlers.models import (
    AccountObservation,
    DatedItem,
    LinkCheck,
    LinkRef,
    PageObservation,
    SiteObservations,
    Target,
)
from pipelines.judge import load_rules
from pipelines.rules import column_kind

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = datetime(2024, 9, 22, 10, 0, tzinfo=SHANGHAI)
SITE_CODE = "3205000001"
HOME = "https://www.example.gov.cn/"
RULES = load_rules()

GOOD_FOOTER = {
    "site_code": SITE_CODE,
    "icp": "苏ICP备00000000号-1",
    "beian": "苏公网安备 32050002000000号",
    "conac_badge": True,
}
# the national 找错 widget every healthy portal homepage loads (SITE-REQ-ZHAOCUO)
ZHAOCUO = LinkRef(url="https://zfwzgl.www.gov.cn/exposure/jiucuo.js", kind="script")
GOOD_META = {"SiteName": "某某市人民政府", "SiteDomain": "www.example.gov.cn", "SiteIDCode": SITE_CODE}


def target(**changes: object) -> Target:
    fields: dict[str, object] = {
        "id": "site-001",
        "kind": "site",
        "name": "某某市人民政府",
        "owner": "某某市人民政府办公室",
        "region": "某某市",
        "url": HOME,
        "site_code": SITE_CODE,
    }
    fields |= changes
    return Target(**fields)  # type: ignore[arg-type]


def item(days_ago: float, url: str = "", pinned: bool = False) -> DatedItem:
    date = AS_OF - timedelta(days=days_ago)
    raw = date.strftime("%Y-%m-%d")
    return DatedItem(
        date=date, title=f"信息 {raw}", url=url or f"{HOME}art/{raw}.html", raw=raw, pinned=pinned
    )


def homepage(newest_days: float | None = 1.0, **changes: object) -> PageObservation:
    newest = item(newest_days) if newest_days is not None else None
    fields: dict[str, object] = {
        "target_id": "site-001",
        "url": HOME,
        "role": "homepage",
        "fetched_at": AS_OF,
        "status": 200,
        "final_url": HOME,
        "meta": dict(GOOD_META),
        "footer": dict(GOOD_FOOTER),
        "items": [newest] if newest else [],
        "newest": newest,
        "navigation_only": newest is None,
        "links": [ZHAOCUO],
    }
    fields |= changes
    return PageObservation(**fields)  # type: ignore[arg-type]


# a column name the shipped [columns] keywords put in each category
CATEGORY_WORDS = {"news": "工作动态", "notice_policy": "通知公告", "other": "机构职能", "exempt": "历史专题"}


def column(
    name: str,
    category: str | None = None,
    idle: float | None = 1.0,
    *,
    empty: bool = False,
    level: int = 2,
    **changes: object,
) -> PageObservation:
    """A column list page whose newest item is ``idle`` days old (None: no dated items; ``empty``: no
    entries at all). ``category``, when given, is what the rules must judge the name to be."""
    if category is not None:
        assert column_kind.category(name, RULES) == category, (name, category)
    url = f"{HOME}col/{zlib.crc32(name.encode())}/index.html"
    newest = item(idle) if idle is not None and not empty else None
    fields: dict[str, object] = {
        "target_id": "site-001",
        "url": url,
        "role": "column",
        "fetched_at": AS_OF,
        "status": 200,
        "final_url": url,
        "meta": {"ColumnName": name, "ColumnType": "列表"},
        "column_name": name,
        "column_level": level,
        "items": [newest] if newest else [],
        "item_count": 0 if empty else 1,
        "newest": newest,
        "text_chars": 40,
        "text_excerpt": f"{name} 首页 > {name}",
    }
    fields |= changes
    return PageObservation(**fields)  # type: ignore[arg-type]


def columns(
    count: int, category: str, idle: float | None = 1.0, *, empty: bool = False
) -> list[PageObservation]:
    word = CATEGORY_WORDS[category]
    return [column(f"{word}{i}", category, idle, empty=empty) for i in range(count)]


def dead_link(url: str, *, on_homepage: bool = True, confirmed: bool = True, **changes: object) -> LinkCheck:
    """A failed check of an in-site link: 404 (confirmed by its class) or a timeout (suspected)."""
    fields: dict[str, object] = {
        "target_id": "site-001",
        "url": url,
        "kind": "page",
        "found_on": [HOME],
        "on_homepage": on_homepage,
        "checked_at": AS_OF,
        "method": "HEAD",
        "status": 404 if confirmed else None,
        "error": None if confirmed else "timeout",
        "internal": True,
        "text": "链接",
    }
    fields |= changes
    return LinkCheck(**fields)  # type: ignore[arg-type]


def dead_links(count: int, *, on_homepage: bool = True, confirmed: bool = True) -> list[LinkCheck]:
    where = "home" if on_homepage else "inner"
    return [
        dead_link(f"{HOME}{where}/gone{i:03d}.html", on_homepage=on_homepage, confirmed=confirmed)
        for i in range(count)
    ]


def site(
    home: PageObservation | None = None,
    cols: list[PageObservation] | None = None,
    links: list[LinkCheck] | None = None,
    **changes: object,
) -> SiteObservations:
    """A healthy site (fresh homepage, fresh columns, all marks) unless told otherwise."""
    fields: dict[str, object] = {
        "target": target(),
        "homepage": home if home is not None else homepage(),
        "columns": cols if cols is not None else [column("工作动态"), column("通知公告", "notice_policy")],
        "links": links or [],
        "https": {"scheme": "https", "tls_error": None},
    }
    fields |= changes
    return SiteObservations(**fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------- accounts

PROFILE = "https://m.weibo.cn/u/1234567890"


def account_target(**changes: object) -> Target:
    fields: dict[str, object] = {
        "id": "acct-001",
        "kind": "account",
        "name": "某某发布",
        "owner": "某某市人民政府新闻办公室",
        "region": "某某省某某市",
        "url": PROFILE,
        "platform": "weibo",
        "account_id": "1234567890",
    }
    fields |= changes
    return Target(**fields)  # type: ignore[arg-type]


def weibo_raw(date: datetime) -> str:
    """A Weibo ``created_at`` value, the shape the platform gives."""
    return date.strftime("%a %b %d %H:%M:%S %z %Y")


def account(
    latest_days: float | None = 1.0,
    state: str = "latest",
    *,
    post_days: list[float] | None = None,
    pinned: bool = False,
    **changes: object,
) -> AccountObservation:
    """An account whose newest post is ``latest_days`` old; ``post_days`` lists the age of every post
    seen on the first page (then the newest of them is the latest). Other states carry no posts."""
    if post_days:
        latest_days = min(post_days)
    latest = AS_OF - timedelta(days=latest_days) if latest_days is not None and state == "latest" else None
    dates = [AS_OF - timedelta(days=d) for d in post_days] if post_days is not None else []
    if latest is not None and post_days is None:
        dates = [latest]
    post: dict[str, object] = {}
    if latest is not None:
        post = {
            "id": "4700000000000003",
            "url": "https://m.weibo.cn/detail/4700000000000003",
            "title": "权威发布",
            "pinned": pinned,
            "raw": weibo_raw(latest),
            "source": "json",
            "field": "created_at",
        }
    fields: dict[str, object] = {
        "target_id": "acct-001",
        "platform": "weibo",
        "url": PROFILE,
        "fetched_at": AS_OF,
        "state": state,
        "latest": latest,
        "latest_post": post,
        "post_dates": dates,
        "name": "某某发布",
        "comments_shown": len(dates),  # the platform shows each post's comment switch: all open
        "evidence": {"url": PROFILE, "status": 200},
    }
    fields |= changes
    return AccountObservation(**fields)  # type: ignore[arg-type]
