"""Turn one ``SiteSpec`` into a ``Site``: columns with dated items, homepage blocks, planted links.

Every date is an age in days before the as-of time, so the ground truth is exact whatever as-of is
chosen. Ages are kept well away from every threshold (news 14 days, notices 6 months, ...) so a
crawler that rounds differently still lands on the same side.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from crawlers.names import name_has
from crawlers.thresholds import load_thresholds
from simweb.checkplan import plan_checks
from simweb.cms import column_path, item_path
from simweb.content import (
    COLUMN_SLUGS,
    COLUMN_TITLES,
    CST,
    FULL_FORMATS,
    YEARLESS_FORMATS,
    YEARLESS_MAX_AGE_DAYS,
    has_time,
    title,
)
from simweb.model import CLOSED_TOKEN, PORT_TOKEN, Column, Item, PlantedLink, Site
from simweb.sites import DNS_FAIL_HOST, REFUSED_EXTERNAL_HOST, SiteSpec

SLOW_SECONDS = 20.0  # above the 15 s availability limit
HOME_STALE_DAYS = 20
HOME_WARNING_DAYS = 11
POLICY_STALE_DAYS = 213  # about 7 months

# Gap between consecutive items, by title family (days).
_GAPS: dict[str, tuple[int, int]] = {
    "news": (1, 3),
    "notice": (2, 9),
    "policy": (5, 25),
    "interpretation": (4, 20),
    "other": (10, 40),
}
# Age of the newest item in a healthy column, by title family (days).
_FRESH: dict[str, tuple[int, int]] = {
    "news": (1, 3),
    "notice": (1, 12),
    "policy": (5, 60),
    "interpretation": (3, 40),
    "other": (5, 120),
}


@dataclass
class _Plan:
    name: str
    level: int
    parent: str = ""
    age: int | None = None  # newest item, days before as-of (None: fresh for its family)
    empty: str = ""
    js: bool = False


def categorize(name: str, columns_table: dict[str, list[str]]) -> str:
    """The category of a column name, exactly as indicators.toml [columns] defines it (names and
    keywords compared through the product's one name normaliser)."""
    for category in ("exempt", "notice_policy", "news"):
        if any(name_has(name, word) for word in columns_table[category]):
            return category
    return "other"


def spaced(name: str) -> str:
    """A name as CMS templates often render navigation entries: 政策文件 -> 政 策 文 件."""
    return " ".join(name)


def _default_plan(rng: random.Random) -> list[_Plan]:
    plan = [
        _Plan("要闻动态", 1),
        _Plan("通知公告", 1),
        _Plan("政策文件", 1),
        _Plan("政策解读", 1),
        _Plan("部门动态", 2, "要闻动态"),
        _Plan("公示公告", 2, "通知公告"),
        _Plan("规范性文件", 2, "政策文件"),
    ]
    groups = [
        [_Plan("区县动态", 2, "要闻动态")],
        [_Plan("统计数据", 1), _Plan("规划计划", 2, "统计数据")],
        [_Plan("人事信息", 1)],
        [
            _Plan("专题专栏", 1, age=rng.randint(400, 700)),
            _Plan("历史回顾", 2, "专题专栏", age=rng.randint(800, 1200)),
        ],
    ]
    for group in rng.sample(groups, rng.randint(2, 4)):
        plan.extend(group)
    return plan


def _set(plan: list[_Plan], name: str, level: int = 1, parent: str = "", **changes: object) -> None:
    """Change a planned column, adding it when the default plan lacks it."""
    for p in plan:
        if p.name == name:
            for key, value in changes.items():
                setattr(p, key, value)
            return
    plan.append(_Plan(name, level, parent, **changes))  # type: ignore[arg-type]


def _plan_for(spec: SiteSpec, rng: random.Random, as_of_day: date) -> list[_Plan]:
    profiles = set(spec.profiles)
    plan = _default_plan(rng)
    core = {"要闻动态", "通知公告", "政策文件", "部门动态"}
    if "columns_stale_a" in profiles:
        _set(plan, "部门动态", age=25)
        _set(plan, "区县动态", 2, "要闻动态", age=30)
        _set(plan, "乡镇动态", 2, "要闻动态", age=40)
        _set(plan, "公示公告", age=200)
        _set(plan, "规范性文件", age=220)
    if "columns_stale_a_warning" in profiles:
        _set(plan, "部门动态", age=20)
        _set(plan, "区县动态", 2, "要闻动态", age=35)
        _set(plan, "公示公告", age=210)
    if "columns_long_idle_b" in profiles:
        plan = [p for p in plan if p.name in core]
        others = [
            ("人事信息", 1, ""),
            ("统计数据", 1, ""),
            ("规划计划", 1, ""),
            ("重点项目", 1, ""),
            ("公共服务", 1, ""),
            ("财政预决算", 2, "统计数据"),
            ("政府采购", 2, "重点项目"),
            ("应急管理", 2, "公共服务"),
            ("建议提案办理", 2, "公共服务"),
            ("机构职能", 2, "人事信息"),
        ]
        plan += [_Plan(n, lv, par, age=rng.randint(400, 800)) for n, lv, par in others]
    if "columns_empty_c" in profiles:
        plan = [p for p in plan if p.name in core | {"政策解读"}]
        plan += [
            _Plan("人事信息", 1, empty="placeholder"),
            _Plan("统计数据", 1, empty="hanweb_zero"),
            _Plan("规划计划", 2, "统计数据", empty="column_placeholder"),
            _Plan("财政预决算", 2, "统计数据", empty="empty_ul"),
            _Plan("政府采购", 1, empty="no_data"),
        ]
    if "columns_empty_c_warning" in profiles:
        _set(plan, "人事信息", empty="placeholder")
        _set(plan, "统计数据", empty="empty_ul")
    if "policy_stale" in profiles:
        _set(plan, "政策文件", age=POLICY_STALE_DAYS)
    if "js_list" in profiles:
        _set(plan, "工作动态", age=1, js=True)
    if "nav_only" in profiles:
        # The newest item sits in a first-level column, so "the pages the homepage links to" and
        # "every column" give the same latest update.
        _set(plan, "要闻动态", age=1)
        for p in plan:
            if p.level == 2 and p.age is None:
                family = COLUMN_TITLES.get(p.name, "other")
                p.age = max(3, rng.randint(*_FRESH[family]))
    if "yearless_new_year" in profiles:
        cross = (as_of_day - date(as_of_day.year - 1, 12, 20)).days
        _set(plan, "统计数据", age=min(cross, YEARLESS_MAX_AGE_DAYS - 10))
    if "compact" in profiles:  # the site checks' sites: the core columns only
        plan = [p for p in plan if p.name in core]
    return plan


def _items(
    rng: random.Random, spec: SiteSpec, col: Column, newest_age: int, fmt: str, count: int, day0: datetime
) -> list[Item]:
    family = COLUMN_TITLES.get(col.name, "other")
    gap = _GAPS[family]
    items: list[Item] = []
    age = newest_age
    docid = rng.randint(4_000_000, 6_900_000)
    for _ in range(count):
        items.append(_item(rng, spec, col, age, fmt, day0, family, docid))
        age += rng.randint(*gap)
        docid -= rng.randint(3, 400)
    return items


def _item(
    rng: random.Random,
    spec: SiteSpec,
    col: Column,
    age: int,
    fmt: str,
    day0: datetime,
    family: str,
    docid: int,
) -> Item:
    if fmt in YEARLESS_FORMATS and age >= YEARLESS_MAX_AGE_DAYS:
        fmt = "iso"  # a year-less date that old could be read in the wrong year
    when = day0 - timedelta(days=age)
    if has_time(fmt):
        when = when.replace(hour=rng.randint(8, 17), minute=rng.choice((0, 10, 15, 30, 45)))
    slug = COLUMN_SLUGS.get(col.name, f"c{col.colid}")
    return Item(
        title=title(rng, family, spec.place, when),
        date=when,
        path=item_path(spec.cms, col.path, col.colid, slug, when, docid),
        fmt=fmt,
        docid=docid,
    )


def _home_copy(item: Item, fmt: str) -> Item:
    """The same item as the homepage writes it (its own date format and precision)."""
    when = item.date if has_time(fmt) else item.date.replace(hour=0, minute=0)
    return dataclasses.replace(item, fmt=fmt, date=when, date_in_link=item.date_in_link)


def build_site(spec: SiteSpec, as_of: datetime, seed: int) -> Site:
    """One site as its profiles describe it."""
    rng = random.Random(f"{seed}-{spec.id}")
    profiles = set(spec.profiles)
    day0 = as_of.astimezone(CST).replace(hour=0, minute=0, second=0, microsecond=0)
    serial = int(spec.id[1:])
    site_code = f"{spec.adcode}{serial:04d}"
    site = Site(
        id=spec.id,
        host=spec.host,
        cms=spec.cms,
        name=spec.name,
        owner=spec.owner,
        region=spec.region,
        site_code=site_code,
        footer_code=site_code,
        icp=f"苏ICP备{rng.randint(10_000_000, 19_999_999)}号-1",
        beian=f"{spec.adcode}{rng.randint(10_000_000, 99_999_999)}",
        conac_id=f"{rng.getrandbits(128):032X}",
        profiles=list(spec.profiles),
        variant=rng.randint(0, 9),
    )
    fmt = rng.choice(FULL_FORMATS)
    home_fmt = rng.choice((fmt, fmt, "iso", "bracket"))
    if "yearless_dates" in profiles or "yearless_new_year" in profiles:
        fmt, home_fmt = "md_bracket", "md"
    if "date_in_url" in profiles:
        fmt = "none"

    plan = _plan_for(spec, rng, day0.date())
    columns_table = _columns_table()
    base = 64400 + rng.randint(0, 90) * 10
    for index, p in enumerate(plan):
        colid = base + index * 7 + 1
        slug = COLUMN_SLUGS.get(p.name, f"c{colid}")
        parent_slug = COLUMN_SLUGS.get(p.parent, "") if p.parent else ""
        shown = spaced(p.name) if "spaced_names" in profiles and p.level == 1 else ""
        category = categorize(shown or p.name, columns_table)
        col = Column(
            key=slug,
            name=p.name,
            level=p.level,
            path=column_path(spec.cms, slug, parent_slug, colid),
            category=category,
            empty_style=p.empty,
            js=p.js,
            parent=COLUMN_SLUGS.get(p.parent, "") if p.parent else "",
            colid=colid,
            display=shown,
        )
        if not p.empty:
            family = COLUMN_TITLES.get(p.name, "other")
            newest = p.age if p.age is not None else rng.randint(*_FRESH[family])
            per_page = max(8, min(20, colid % 13 + 8))
            pages = 1 if p.js or "compact" in profiles else rng.randint(1, 3)
            col.items = _items(rng, spec, col, newest, fmt, per_page * pages, day0)
            if "date_in_link" in profiles:
                for item in col.items:
                    item.date_in_link = True
        site.columns.append(col)

    if "pinned" in profiles:
        for key, age in (("ywdt", 400), ("tzgg", 300)):
            col = site.column(key)
            old = _item(rng, spec, col, age, fmt, day0, COLUMN_TITLES[col.name], 3_000_000 + age)
            old.pinned = True
            col.items.insert(0, old)

    _home(site, rng, profiles, home_fmt, fmt, day0, spec)
    _plant(site, profiles)
    site.checks = plan_checks(profiles, spec.cms, rng, day0)
    return site


def _home(
    site: Site, rng: random.Random, profiles: set[str], fmt: str, col_fmt: str, day0: datetime, spec: SiteSpec
) -> None:
    if "nav_only" in profiles:
        site.nav_only = True
        return
    min_age = 0
    if "home_stale" in profiles:
        min_age = HOME_STALE_DAYS
    elif "home_warning" in profiles:
        min_age = HOME_WARNING_DAYS
    order = ("ywdt", "tzgg", "bmdt", "qxdt", "zcwj", "zcjd")
    keys = [k for k in order if any(c.key == k and c.items and not c.js for c in site.columns)]
    for n, key in enumerate(keys[: rng.randint(3, 4)]):
        col = site.column(key)
        if n == 0 and min_age:
            # The frozen homepage's newest item is exactly min_age days old.
            edge = _item(rng, spec, col, min_age, col_fmt, day0, COLUMN_TITLES[col.name], 2_000_000)
            edge.date_in_link = col.items[0].date_in_link
            col.items.append(edge)
            col.items.sort(key=lambda i: (not i.pinned, -i.date.timestamp()))
        cutoff = day0 - timedelta(days=min_age)
        shown = [i for i in col.items if i.date <= cutoff + timedelta(hours=23, minutes=59)]
        site.home_blocks.append((key, [_home_copy(i, fmt) for i in shown[: rng.randint(6, 8)]]))


def _plant(site: Site, profiles: set[str]) -> None:
    if "footer_missing_code" in profiles:
        site.footer_code = None
    if "footer_wrong_code" in profiles:
        site.footer_code = site.site_code[:-4] + f"{(int(site.site_code[-4:]) + 7) % 10000:04d}"
    if "footer_missing_icp" in profiles:
        site.icp = None
    if "gbk" in profiles:
        site.encoding = site.meta_charset = "gbk"
    if "gbk_mislabelled" in profiles:
        site.encoding, site.meta_charset = "gbk", "gb2312"
        site.header_charset = {"homepage": None, "sitemap": None, "column": "utf-8", "article": "utf-8"}
    if "redirect_chain" in profiles:
        site.home_path = "/portal/index.shtml"
        site.redirects = [("/", 301, "/portal/"), ("/portal/", 302, "/portal/index.shtml")]
    if "slow" in profiles:
        site.home_delay = SLOW_SECONDS
    if "refused" in profiles:
        site.closed = True
    if "dead_links" in profiles:
        tzgg = "tzgg"
        site.links += [
            PlantedLink("/xxgk/2019/t20190315_4001234.html", "2019年政府工作报告", "page", True, "404"),
            PlantedLink("/images/banner_2023.jpg", "专题横幅", "image", True, "404"),
            PlantedLink(
                f"http://www.old-partner.com.cn:{PORT_TOKEN}/news/index.html",
                "合作单位",
                "external",
                True,
                "404",
            ),
            PlantedLink(f"http://{DNS_FAIL_HOST}:{PORT_TOKEN}/", "某合作平台", "external", True, "dns"),
            PlantedLink(
                f"http://{REFUSED_EXTERNAL_HOST}:{CLOSED_TOKEN}/", "园区政务服务", "external", True, "refused"
            ),
            PlantedLink("/zt/2019zt/index.html", "2019年专题", "page", True, "soft404"),
            PlantedLink(
                "/attach/2023/P020230915123456.pdf",
                "附件：2023年部门预算公开表.pdf",
                "attachment",
                False,
                "404",
                tzgg,
            ),
            PlantedLink(
                "/xxgk/201812/t20181203_3001234.html",
                "关于2018年度考核结果的公示",
                "page",
                False,
                "404",
                tzgg,
            ),
        ]
    if "head_405" in profiles:
        site.links.append(
            PlantedLink(
                f"http://www.gov.cn:{PORT_TOKEN}/hudong/liuyan/index.htm",
                "我为政府网站找错",
                "external",
                True,
            )
        )
    if "redirect_loop" in profiles:
        site.links.append(PlantedLink("/go/link_a.html", "办事指南", "page", True, "loop"))


def _columns_table() -> dict[str, list[str]]:
    return load_thresholds()["columns"]
