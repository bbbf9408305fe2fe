"""A scalable, seeded government web for benchmarks: N sites x M list pages x K links per page.

Every page and every link is computed from ``(seed, site, column, slot)``, so the server (its own
process, :mod:`benchmarks.benchserver`) and the benchmark driver build the same world without
sharing memory, and the dead links are known exactly (the ground truth for agreement). Pages have
the shapes of a Chinese government CMS: a homepage with a column navigation and a dated list, list
pages (TRS-style article URLs, attachments, images, links to other government sites) and a footer.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

#: hosts other sites link to (shared: each external URL is linked from many sites)
EXTERNAL_HOSTS = (
    "www.gov.cn",
    "www.xinhuanet.com",
    "www.people.com.cn",
    "www.12345.gov.cn",
    "zwfw.bench-prov.gov.cn",
    "www.bench-prov.gov.cn",
    "www.ndrc.gov.cn",
    "www.stats.gov.cn",
)
COLUMN_NAMES = (
    "新闻动态",
    "通知公告",
    "政策文件",
    "政务公开",
    "政策解读",
    "部门动态",
    "工作动态",
    "基层动态",
)
TITLES = (
    "关于做好近期防汛防台工作的通知",
    "我市召开优化营商环境推进会",
    "2024年政府信息公开工作年度报告",
    "关于公开征求意见的公告",
    "市政府常务会议研究部署重点工作",
    "一图读懂政府工作报告",
    "关于印发实施方案的通知",
    "政务服务事项办事指南更新",
)
#: a link slot is one of these kinds, with this share (the rest of a page is chrome)
MIX = (("article", 0.62), ("attachment", 0.10), ("image", 0.06), ("external", 0.22))
ATTACH_EXT = ("pdf", "docx", "xlsx", "doc")


@dataclass(frozen=True)
class BenchSpec:
    """The size and behaviour of one benchmark web; the seed makes it reproducible."""

    sites: int = 10
    pages: int = 8  # column list pages per site
    links: int = 40  # links per list page
    seed: int = 7
    latency_ms: int = 0  # added to every response (asyncio sleep in the server)
    dead_share: float = 0.04  # share of link slots that are dead (404, soft-404, refused)
    accounts: int = 0  # new-media accounts on the simulated platforms (province benchmark)
    domain: str = "bench.gov.cn"

    @property
    def external_pool(self) -> int:
        """Distinct external URLs: about one for every 20 link slots, so they repeat across sites."""
        return max(20, self.sites * self.pages * self.links // 20)

    def args(self) -> list[str]:
        return [
            f"--sites={self.sites}",
            f"--pages={self.pages}",
            f"--links={self.links}",
            f"--seed={self.seed}",
            f"--latency-ms={self.latency_ms}",
            f"--dead-share={self.dead_share}",
            f"--accounts={self.accounts}",
        ]


@dataclass(frozen=True)
class Link:
    url: str  # absolute
    kind: str  # article | attachment | image | external | column
    text: str
    dead: str = ""  # '' (alive) | 404 | soft404 | refused


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) for a key (crc32: fast, stable across processes)."""
    return zlib.crc32("|".join(map(str, parts)).encode()) / 2**32


class BenchWorld:
    """URLs, pages and ground truth of one :class:`BenchSpec`, served on ``port``."""

    def __init__(self, spec: BenchSpec, port: int, refused_port: int) -> None:
        self.spec = spec
        self.port = port
        self.refused_port = refused_port

    # ------------------------------------------------------------------ names

    def host(self, site: int) -> str:
        return f"s{site:04d}.{self.spec.domain}"

    def origin(self, host: str) -> str:
        return f"http://{host}:{self.port}"

    def site_url(self, site: int) -> str:
        return self.origin(self.host(site)) + "/"

    def column_path(self, col: int) -> str:
        return f"/lm{col:02d}/"

    def column_name(self, col: int) -> str:
        return COLUMN_NAMES[col % len(COLUMN_NAMES)] + ("" if col < len(COLUMN_NAMES) else str(col))

    def hosts(self) -> list[str]:
        return [self.host(i) for i in range(self.spec.sites)] + list(EXTERNAL_HOSTS)

    # ------------------------------------------------------------------ links

    def external(self, n: int) -> Link:
        """The n-th URL of the shared external pool (its status is the same wherever it is linked)."""
        host = EXTERNAL_HOSTS[n % len(EXTERNAL_HOSTS)]
        roll = _unit(self.spec.seed, "ext", n)
        dead = ""
        if roll < self.spec.dead_share:
            dead = "refused" if roll < self.spec.dead_share * 0.4 else "404"
        if dead == "refused":
            return Link(f"http://127.0.0.1:{self.refused_port}/ext/{n}.html", "external", "友情链接", dead)
        return Link(f"{self.origin(host)}/art/2024/{n}.html", "external", "相关链接", dead)

    def page_links(self, site: int, col: int) -> list[Link]:
        """The K links of one list page, in order."""
        spec = self.spec
        rng = random.Random(f"{spec.seed}:{site}:{col}")
        origin = self.origin(self.host(site))
        out: list[Link] = []
        for slot in range(spec.links):
            roll, r = rng.random(), 0.0
            kind = MIX[-1][0]
            for name, share in MIX:
                r += share
                if roll < r:
                    kind = name
                    break
            if kind == "external":
                out.append(self.external(rng.randrange(spec.external_pool)))
                continue
            dead_roll = rng.random()
            dead = ""
            if dead_roll < spec.dead_share:
                dead = "soft404" if kind == "article" and dead_roll < spec.dead_share * 0.3 else "404"
            uid = f"{site:04d}{col:02d}{slot:04d}"
            title = TITLES[slot % len(TITLES)]
            if kind == "article":
                url = f"{origin}{self.column_path(col)}202409/t202409{1 + slot % 28:02d}_{uid}.html"
            elif kind == "attachment":
                url = f"{origin}/uploads/2024/{uid}.{ATTACH_EXT[slot % len(ATTACH_EXT)]}"
                title = "附件：" + title
            else:
                url = f"{origin}/images/2024/{uid}.jpg"
                title = ""
            out.append(Link(url, kind, title, dead))
        return out

    def homepage_links(self, site: int) -> list[Link]:
        """Navigation, the homepage's own list (the newest articles of the first column), footer."""
        origin = self.origin(self.host(site))
        nav = [
            Link(origin + self.column_path(c), "column", self.column_name(c)) for c in range(self.spec.pages)
        ]
        first = [link for link in self.page_links(site, 0) if link.kind == "article"][:8]
        footer = [Link(self.origin(EXTERNAL_HOSTS[0]) + "/", "external", "中国政府网")]
        return nav + first + footer

    def truth(self) -> dict[str, str]:
        """Every URL a checker should check (pages included) -> '' or how it is dead."""
        out: dict[str, str] = {}
        for site in range(self.spec.sites):
            out[self.site_url(site)] = ""
            for link in self.homepage_links(site):
                out[link.url] = link.dead
            for col in range(self.spec.pages):
                for link in self.page_links(site, col):
                    out[link.url] = link.dead
        return out

    @cached_property
    def dead_paths(self) -> dict[tuple[str, str], str]:
        """(host, path) -> dead kind, for the server (refused URLs never reach it)."""
        out: dict[tuple[str, str], str] = {}
        for url, dead in self.truth().items():
            if dead in ("404", "soft404"):
                rest = url.split("://", 1)[1]
                hostport, _, path = rest.partition("/")
                out[(hostport.split(":")[0], "/" + path)] = dead
        return out

    def page_urls(self) -> list[str]:
        """Homepages and list pages: what a crawler fetches to find the links (lychee's inputs)."""
        return [
            self.site_url(s) if c < 0 else self.origin(self.host(s)) + self.column_path(c)
            for s in range(self.spec.sites)
            for c in range(-1, self.spec.pages)
        ]

    def iter_sites(self) -> Iterator[tuple[str, str, str]]:
        """(target id, name, homepage URL) for the registry."""
        for s in range(self.spec.sites):
            yield f"S{s:04d}", f"基准测试市政府网站{s:04d}", self.site_url(s)


# ---------------------------------------------------------------------- page bodies

_HEAD = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
_FOOTER = (
    '<div class="footer"><p>主办：基准测试市人民政府办公室 网站标识码：{code} '
    "京ICP备00000000号</p></div></body></html>"
)


def site_code(site: int) -> str:
    return f"{3205000000 + site:010d}"[:10]


def _li(link: Link, day: int) -> str:
    if link.kind == "image":
        return f'<li><img src="{link.url}" alt="图片"></li>'
    return f'<li><a href="{link.url}" target="_blank">{link.text}</a><span>2024-09-{day:02d}</span></li>'


def homepage_html(world: BenchWorld, site: int) -> str:
    links = world.homepage_links(site)
    nav = "".join(f'<li><a href="{lk.url}">{lk.text}</a></li>' for lk in links if lk.kind == "column")
    items = "".join(_li(lk, 26 - i % 20) for i, lk in enumerate(links) if lk.kind == "article")
    ext = "".join(f'<a href="{lk.url}">{lk.text}</a>' for lk in links if lk.kind == "external")
    title = f"基准测试市政府网站{site:04d}"
    return (
        _HEAD.format(title=title)
        + f'<meta name="SiteName" content="{title}"><meta name="SiteIDCode" content="{site_code(site)}">'
        + f'</head><body><div class="header"><h1>{title}</h1></div><div class="nav"><ul>{nav}</ul></div>'
        + f'<div class="main"><div class="tit">要闻动态</div><ul class="list">{items}</ul></div>'
        + f'<div class="links">相关链接：{ext}</div>'
        + _FOOTER.format(code=site_code(site))
    )


def column_html(world: BenchWorld, site: int, col: int) -> str:
    name = world.column_name(col)
    items = "".join(_li(lk, 26 - i % 25) for i, lk in enumerate(world.page_links(site, col)))
    return (
        _HEAD.format(title=f"{name}_基准测试市政府网站{site:04d}")
        + f'<meta name="ColumnName" content="{name}"></head><body>'
        + f'<div class="position">当前位置：<a href="/">首页</a> &gt; {name}</div>'
        + f'<div class="list"><ul>{items}</ul></div><div class="page">共1页</div>'
        + _FOOTER.format(code=site_code(site))
    )


ARTICLE_HTML = (
    _HEAD.format(title="{title}")
    + '</head><body><div class="article"><h1>{title}</h1><div class="info">发布时间：2024-09-20 10:00'
    + ' 来源：基准测试市人民政府办公室</div><div class="content">'
    + "<p>为深入贯彻落实党中央、国务院决策部署，进一步提升政务服务水平，现将有关事项通知如下。</p>" * 12
    + "</div></div>"
    + _FOOTER.format(code="3205000000")
)
SOFT404_HTML = (
    _HEAD.format(title="页面不存在")
    + '</head><body><div class="err"><p>抱歉，您访问的页面不存在或已被删除！</p>'
    + '<a href="/">返回首页</a></div></body></html>'
)
NOT_FOUND_HTML = _HEAD.format(title="404 Not Found") + "</head><body><h1>404 Not Found</h1></body></html>"
