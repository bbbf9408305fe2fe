"""The security watch's simulated day: healthy homepages that churn, and hacked ones, with ground truth.

Sites of their own (hosts not in ``World.sites``, targets SW01-SW11, a registry of their own), so
the truth of every other indicator stays where it was. The day is 12 patrols two hours apart
(``tick`` 0-11); :func:`set_tick` swaps what each route serves for a tick, never by sleeping.
Every homepage churns the way real ones do -- a new news item every patrol, a rotating banner, the
date and weather, a visitor counter -- and carries the look-alikes a careless watch would flag: a
hover menu of links to other government sites hidden with ``display:none``, white links on a dark
footer, a scrolling notice ``<marquee>``, an allowed statistics script, a link "市教育局" landing on
the education bureau's own site. The hacked sites plant one incident each (:data:`INCIDENTS`), each
from the tick it appears at; the truth lists what must be raised and on which patrol.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from simweb.model import PORT_TOKEN, Response, Route

TICKS = 12
START = datetime.fromisoformat("2024-10-08T00:30:00+08:00")
BAD_CDN = "js.evil-cdn.com"
BET = "www.bet-888.com"
BET2 = "www.huangguan-bet.com"
EXPIRED = "www.old-partner-expired.com"
REDIRECTOR = "www.expired-link.com"
HRSS = "www.swrs.gov.cn"  # another unit: 示范市人力资源和社会保障局
EDU = "www.swjyj.gov.cn"  # 示范市教育局 (the right target of a "市教育局" link)


@dataclass(frozen=True)
class SiteSpec:
    id: str
    host: str
    name: str
    incident: str = ""  # '' = healthy (churn only)
    key_page: str = ""


SITES = (
    SiteSpec("SW01", "www.swa.gov.cn", "示范甲市人民政府", key_page="/zwgk/"),
    SiteSpec("SW02", "www.swb.gov.cn", "示范乙县人民政府"),
    SiteSpec("SW03", "www.swc.gov.cn", "示范丙区人民政府", "deface", key_page="/xxgk/"),
    SiteSpec("SW04", "www.swd.gov.cn", "示范丁市人民政府", "dark_static"),
    SiteSpec("SW05", "www.swe.gov.cn", "示范戊市人民政府", "dark_script"),
    SiteSpec("SW06", "www.swf.gov.cn", "示范己市人民政府", "foreign_script"),
    SiteSpec("SW07", "www.swg.gov.cn", "示范庚市人民政府", "obfuscated"),
    SiteSpec("SW08", "www.swh.gov.cn", "示范辛市人民政府", "cloaking"),
    SiteSpec("SW09", "www.swi.gov.cn", "示范壬市人民政府", "hijack"),
    SiteSpec("SW10", "www.swj.gov.cn", "示范癸市人民政府", "wrong_link"),
    SiteSpec("SW11", "www.swk.gov.cn", "示范子市人民政府", "redirect"),
)
# incident -> the tick it appears at (0 = already there on the first patrol)
APPEARS = {
    "dark_static": 0,
    "obfuscated": 0,
    "wrong_link": 0,
    "dark_script": 2,
    "foreign_script": 3,
    "cloaking": 4,
    "hijack": 5,
    "deface": 6,
    "redirect": 7,
}
# the eight static hiding techniques of SW04: (technique, the element that hides the link)
STATIC_HIDING = (
    ("display_none", '<div style="display:none">{a}</div>'),
    ("visibility", '<div class="gp-v">{a}</div>'),
    ("offscreen", '<div style="position:absolute;left:-9999px;top:-9999px">{a}</div>'),
    ("zero_size", '<div style="height:0;overflow:hidden">{a}</div>'),
    ("font_size", '<p style="font-size:0">{a}</p>'),
    ("same_colour", '<p style="color:#ffffff;background-color:#ffffff">{a}</p>'),
    ("marquee", '<marquee height="0" scrollamount="1000">{a}</marquee>'),
    (
        "script",
        '<div id="gp-js">{a}</div><script>document.getElementById("gp-js").style.display="none";</script>',
    ),
)
SPAM = (
    "澳门葡京娱乐城",
    "百家乐真人娱乐",
    "六合彩开奖",
    "体育投注平台",
    "老虎机注册送",
    "棋牌游戏首存",
    "皇冠体育赌球",
    "时时彩投注",
)
NEWS = [
    f"{topic}工作会议召开"
    for topic in [
        "安全生产",
        "防汛抗旱",
        "乡村振兴",
        "营商环境",
        "文明创建",
        "民生实事",
        "招商引资",
        "生态环保",
        "教育发展",
        "医疗卫生",
        "交通建设",
        "数字政府",
        "社会保障",
        "文化旅游",
        "科技创新",
        "消防安全",
        "粮食安全",
        "城市更新",
        "养老服务",
        "就业创业",
        "河长制",
    ]
]
WEATHER = ("晴", "多云", "阴", "小雨", "晴转多云", "多云转晴")


def url(port: int | str, host: str, path: str = "/") -> str:
    return f"http://{host}:{port}{path}"


def _a(href: str, text: str) -> str:
    return f'<a href="{href}">{text}</a>'


def _churn(spec: SiteSpec, tick: int, port: int | str) -> str:
    """Everything that changes between two patrols of a healthy homepage."""
    when = START + timedelta(hours=2 * tick)
    first = tick + int(spec.id[2:])
    items = "".join(
        f"<li>{_a(f'/art/2024/{first + i}.html', NEWS[(first + i) % len(NEWS)])}<span>{(when - timedelta(days=i)):%Y-%m-%d}</span></li>"
        for i in range(10)
    )
    slides = "".join(
        f'<div class="slide{" active" if i == tick % 3 else ""}"><img src="/img/b{i}.jpg" alt="专题{i}"></div>'
        for i in range(3)
    )
    return (
        f'<div class="weather">{when:%Y年%m月%d日 %H:%M} 气温{18 + tick % 7}℃ {WEATHER[tick % len(WEATHER)]}</div>'
        f'<div class="banner">{slides}</div>'
        f'<div class="news"><h2>工作动态</h2><ul>{items}</ul></div>'
        f'<div class="counter">您是第{1234567 + 391 * tick}位访客</div>'
    )


def homepage(spec: SiteSpec, tick: int, port: int | str, extra: str = "", head: str = "") -> str:
    """A healthy homepage at ``tick`` (with ``extra`` body HTML and ``head`` HTML planted)."""
    menu = "".join(
        f"<li>{_a(url(port, h), n)}</li>" for h, n in ((EDU, "市教育局"), ("www.gov.cn", "中国政府网"))
    )
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{spec.name}门户网站</title>
<meta name="SiteName" content="{spec.name}"><style>.nav ul ul{{display:none}} .nav li:hover ul{{display:block}}
.gp-v{{visibility:hidden}} .foot{{background:#003366;color:#ffffff}} .foot a{{color:#ffffff}}</style>
<script src="http://hm.baidu.com/hm.js?{spec.id}"></script>{head}</head><body>
<div class="header"><h1>{spec.name}</h1></div>
<div class="nav"><ul><li>{_a("/", "首页")}</li><li>部门网站<ul>{menu}</ul></li><li>{_a("/zwgk/", "政务公开")}</li></ul></div>
<marquee class="notice" height="24">{_a("/tzgg/1.html", "关于国庆假期值班安排的通知")}</marquee>
{_churn(spec, tick, port)}{extra}
<div class="links"><h3>相关链接</h3>{_a(url(port, EDU), "市教育局")} {_a(url(port, "www.gov.cn"), "中国政府网")}</div>
<script>var d=new Date();var el=document.getElementById("today");if(el){{el.innerText=d.toLocaleDateString();}}</script>
<div class="foot">{_a(url(port, "www.gov.cn"), "中国政府网")} 主办：{spec.name}办公室 <span id="today"></span></div>
</body></html>"""


def _key_page(spec: SiteSpec, tick: int, title: str = "") -> str:
    items = "".join(
        f"<li>{_a(f'/zwgk/{tick + i}.html', f'政府信息公开目录第{tick + i}项')}</li>" for i in range(8)
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title or "政务公开_" + spec.name}</title></head>'
        f'<body><div class="main"><h1>政务公开</h1><ul class="list">{items}</ul></div></body></html>'
    )


def _hidden_spam(port: int | str, n: int) -> str:
    return _a(url(port, BET, f"/t{n}"), SPAM[n % len(SPAM)])


def _obfuscated(port: int | str, hidden_links: bool) -> str:
    """An obfuscated loader: eval of an unescaped payload that writes a hidden frame (or hidden links)."""
    if hidden_links:
        markup = (
            '<div style="display:none">'
            + "".join(f'<a href="{url(port, BET2, f"/w{i}")}">{SPAM[i]}</a>' for i in range(3))
            + "</div>"
        )
    else:
        markup = f'<iframe src="{url(port, BET, "/x")}" width="0" height="0"></iframe>'
    payload = js_escape(f"document.write('{markup}')")  # the port token stays readable
    return f'<script>eval(unescape("{payload}"));</script>'


def js_escape(text: str) -> str:
    """What JavaScript's ``escape()`` makes of ``text`` (``%XX``, ``%uXXXX``): ``unescape`` undoes it."""
    keep = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@*_+-./")
    return "".join(c if c in keep else f"%{ord(c):02X}" if ord(c) < 256 else f"%u{ord(c):04X}" for c in text)


def _cloaked(normal: str, port: int | str) -> Route:
    """The homepage for visitors; Baiduspider gets a gambling page, a Baidu visitor a redirect."""
    bet = (
        "<html><head><meta charset='utf-8'><title>澳门葡京娱乐城_百家乐_真人娱乐</title></head><body>"
        + " ".join(SPAM)
        + "</body></html>"
    )

    def writer(handler: Any) -> None:
        agent = handler.headers.get("User-Agent", "")
        referer = handler.headers.get("Referer", "")
        if "baiduspider" in agent.lower():
            status, body, extra = 200, bet, {}
        elif "baidu.com" in referer:
            status, body, extra = 302, "", {"Location": url(port, BET, "/from-baidu")}
        else:
            status, body, extra = 200, normal, {}
        data = handler.server.web.world.fill(body).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in extra.items():
            handler.send_header(name, handler.server.web.world.fill(value))
        handler.send_header("Connection", "close")
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)

    return Response(writer=writer)


def _home_route(spec: SiteSpec, tick: int, port: int | str) -> Route:
    on = spec.incident and tick >= APPEARS[spec.incident]
    kind = spec.incident if on else ""
    if kind == "deface":
        return Response(
            body="<html><head><meta charset='utf-8'><title>Hacked by Team-X</title>"
            f"<script src='{url(port, BAD_CDN, '/x.js')}'></script></head><body><h1>Hacked by Team-X</h1>"
            "<p>Your security is zero. 你的网站已被入侵。</p></body></html>"
        )
    extra, head = "", ""
    if kind == "dark_static":
        extra = "".join(
            hiding.format(a=_hidden_spam(port, i)) for i, (_t, hiding) in enumerate(STATIC_HIDING)
        )
    elif kind == "dark_script":
        extra = _obfuscated(port, hidden_links=True)
    elif kind == "foreign_script":
        head = f'<script src="{url(port, BAD_CDN, "/jquery.min.js")}"></script>'
    elif kind == "obfuscated":
        extra = _obfuscated(port, hidden_links=False)
    if spec.incident == "hijack":  # the links were always there: their domains expire at the tick
        extra = f'<div class="yqlj">{_a(url(port, EXPIRED), "示范合作单位")} {_a(url(port, REDIRECTOR), "示范商会")}</div>'
    elif kind == "wrong_link":
        extra = f'<div class="bm">{_a(url(port, HRSS), "市教育局")}</div>'
    elif kind == "redirect":
        head = f'<script>if(location.hash==""){{window.location.href="{url(port, BET, "/go")}";}}</script>'
    page = homepage(spec, tick, port, extra, head)
    return _cloaked(page, port) if kind == "cloaking" else Response(body=page)


def routes(tick: int, port: int | str = PORT_TOKEN) -> dict[str, dict[str, Route]]:
    """Every host of the watch's world as it is at ``tick``."""
    table: dict[str, dict[str, Route]] = {}
    for spec in SITES:
        site: dict[str, Route] = {"/": _home_route(spec, tick, port)}
        site["/zwgk/"] = Response(body=_key_page(spec, tick))
        if spec.key_page == "/xxgk/":
            site["/xxgk/"] = Response(body=_key_page(spec, tick))
        table[spec.host] = site
    page = "<html><head><meta charset='utf-8'><title>{t}</title></head><body><h1>{t}</h1><p>{b}</p></body></html>"
    table[BAD_CDN] = {
        p: Response(body="/* injected */", content_type="application/javascript")
        for p in ("/x.js", "/jquery.min.js")
    }
    bet = Response(body=page.format(t="澳门葡京娱乐城_百家乐_真人娱乐", b=" ".join(SPAM)))
    table[BET] = {"/": bet, "/go": bet, "/from-baidu": bet, "/x": bet, **{f"/t{i}": bet for i in range(8)}}
    table[BET2] = {"/": bet, **{f"/w{i}": bet for i in range(3)}}
    table[HRSS] = {
        "/": Response(body=page.format(t="示范市人力资源和社会保障局", b="就业创业、社会保险、人才人事。"))
    }
    table[EDU] = {"/": Response(body=page.format(t="示范市教育局", b="教育动态、招生考试。"))}
    hijacked = SITES[8].incident and tick >= APPEARS["hijack"]
    table[EXPIRED] = {
        "/": Response(
            body=page.format(
                t="该域名正在出售 - This domain is for sale",
                b="本域名 old-partner-expired.com 正在出售，欢迎联系。",
            )
            if hijacked
            else page.format(t="示范合作单位", b="示范合作单位官方网站。")
        )
    }
    table[REDIRECTOR] = {
        "/": Response(status=302, headers={"Location": url(port, BET2, "/")})
        if hijacked
        else Response(body=page.format(t="示范商会", b="示范商会官方网站。"))
    }
    return table


def set_tick(web: Any, tick: int) -> None:
    """Serve the world as it is at ``tick`` (``web``: a SimulatedWeb or its World)."""
    for host, table in routes(tick, PORT_TOKEN).items():
        for path, route in table.items():
            web.set_route(host, path, route)


def as_of(tick: int) -> datetime:
    return START + timedelta(hours=2 * tick)


def write_targets_csv(web: Any, path: str | Path) -> Path:
    """The watch's own registry (SW01-SW11)."""
    out = Path(path)
    rows = ["id,kind,name,owner,region,url,platform,account_id,site_code"]
    rows += [
        f"{s.id},site,{s.name},{s.name}办公室,示范省,{web.url(s.host, '/')},,,{3200000000 + int(s.id[2:])}"
        for s in SITES
    ]
    out.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return out


def security_config(snapshot_dir: str) -> str:
    """The ``[security]`` table the watch's world is patrolled with (key pages of SW01 and SW03)."""
    return (
        f'\n[security]\nsnapshot_dir = "{snapshot_dir}"\n'
        '[[security.sites]]\ntarget = "SW01"\nkey_pages = ["/zwgk/"]\n'
        '[[security.sites]]\ntarget = "SW03"\nkey_pages = ["/xxgk/"]\n'
    )


def truth(port: int) -> dict[str, Any]:
    """What every patrol must raise: per incident, the indicator, the subject and the tick it appears at."""
    u = lambda host, path="/": url(port, host, path)  # noqa: E731
    home = {s.id: u(s.host) for s in SITES}
    expect: list[dict[str, Any]] = []
    for i, (technique, _h) in enumerate(STATIC_HIDING):
        expect.append(
            {
                "target": "SW04",
                "indicator": "SITE-SEC-DARK-LINK",
                "subject": u(BET, f"/t{i}"),
                "technique": technique,
                "tick": 0,
            }
        )
    for i in range(3):
        expect.append(
            {
                "target": "SW05",
                "indicator": "SITE-SEC-DARK-LINK",
                "subject": u(BET2, f"/w{i}"),
                "technique": "script_written",
                "tick": 2,
            }
        )
    expect += [
        {"target": "SW05", "indicator": "SITE-SEC-MALWARE", "subject": home["SW05"], "tick": 2},
        {
            "target": "SW06",
            "indicator": "SITE-SEC-MALWARE",
            "subject": u(BAD_CDN, "/jquery.min.js"),
            "tick": 3,
        },
        {
            "target": "SW06",
            "indicator": "SITE-SEC-TAMPER",
            "subject": home["SW06"],
            "kinds": ["hosts"],
            "tick": 3,
        },
        {"target": "SW07", "indicator": "SITE-SEC-MALWARE", "subject": home["SW07"], "tick": 0},
        {"target": "SW07", "indicator": "SITE-SEC-MALWARE", "subject": u(BET, "/x"), "tick": 0},
        {"target": "SW08", "indicator": "SITE-SEC-CLOAKING", "subject": home["SW08"], "tick": 4},
        {"target": "SW09", "indicator": "SITE-SEC-LINK-HIJACK", "subject": u(EXPIRED), "tick": 5},
        {"target": "SW09", "indicator": "SITE-SEC-LINK-HIJACK", "subject": u(REDIRECTOR), "tick": 5},
        {"target": "SW09", "indicator": "SITE-DED-WRONG-LINK", "subject": u(EXPIRED), "tick": 5},
        {"target": "SW09", "indicator": "SITE-DED-WRONG-LINK", "subject": u(REDIRECTOR), "tick": 5},
        {"target": "SW10", "indicator": "SITE-DED-WRONG-LINK", "subject": u(HRSS), "tick": 0},
        {
            "target": "SW03",
            "indicator": "SITE-SEC-TAMPER",
            "subject": home["SW03"],
            "kinds": ["title", "body", "hosts"],
            "tick": 6,
        },
        {"target": "SW03", "indicator": "SITE-SEC-MALWARE", "subject": u(BAD_CDN, "/x.js"), "tick": 6},
        {
            "target": "SW11",
            "indicator": "SITE-SEC-TAMPER",
            "subject": home["SW11"],
            "kinds": ["redirect"],
            "tick": 7,
        },
    ]
    return {"healthy": ["SW01", "SW02"], "expect": expect, "ticks": TICKS}
