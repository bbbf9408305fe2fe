"""A hostile simulated web: pages that are too big, bombs, loops, tarpits, traps, broken markup,
mislabelled charsets, non-HTML answers and bad certificates.

Real government hosting produces every one of these now and then (a 40 MB homepage banner, a
misconfigured redirect, a CMS calendar with a "next day" link forever, a certificate nobody
renewed). The sweep must finish, stay within its memory, and *record* each problem; this module
serves them so tests can prove it. ``hostile_world(as_of)`` builds the routes; :class:`simweb.tls.TLSServer`
serves the same world over TLS with the per-host certificates of :func:`make_pki`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import struct
import zlib
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from simweb.model import Response
from simweb.server import SimulatedWeb
from simweb.tls import PKI, issue_certificates
from simweb.world import World

MB = 1024 * 1024
BIG_BYTES = 12 * MB  # over the crawler's 10 MB page cap
BOMB_BYTES = 1024 * MB  # what a decompression bomb expands to
TRICKLE_SECONDS = 1.0  # the slowloris host's pace: one byte per this many seconds

# target id -> (host, what it plants); TLS hosts are served by TLSServer, the rest over plain HTTP
HOSTILE: dict[str, tuple[str, str]] = {
    "X01": ("big.hostile.gov.cn", "homepage over 10 MB with Content-Length"),
    "X02": ("bigchunk.hostile.gov.cn", "homepage over 10 MB, chunked, no Content-Length"),
    "X03": ("gzbomb.hostile.gov.cn", "gzip bomb (1 GB)"),
    "X04": ("deflatebomb.hostile.gov.cn", "deflate bomb (1 GB)"),
    "X05": ("brbomb.hostile.gov.cn", "brotli bomb (1 GB)"),
    "X06": ("loop.hostile.gov.cn", "redirect loop A -> B -> A"),
    "X07": ("chain.hostile.gov.cn", "15-hop redirect chain"),
    "X08": ("trickle.hostile.gov.cn", "headers, then one byte a second forever"),
    "X09": ("silent.hostile.gov.cn", "accepts, never answers"),
    "X10": ("budget.hostile.gov.cn", "many slow columns: the site time budget"),
    "X11": ("calendar.hostile.gov.cn", "endless calendar and pagination"),
    "X12": ("manycols.hostile.gov.cn", "more columns than the page budget"),
    "X13": ("broken.hostile.gov.cn", "broken HTML: unclosed tags, NUL, invalid bytes, deep nesting"),
    "X14": ("utf8label.hostile.gov.cn", "header says utf-8, body is GBK"),
    "X15": ("gbklabel.hostile.gov.cn", "header says gbk, body is UTF-8"),
    "X16": ("nolabel.hostile.gov.cn", "GB18030 body, no charset anywhere"),
    "X17": ("pdf.hostile.gov.cn", "homepage is a PDF"),
    "X18": ("png.hostile.gov.cn", "homepage is a PNG"),
    "X19": ("octet.hostile.gov.cn", "homepage is application/octet-stream"),
    "X20": ("doccol.hostile.gov.cn", "a column page that is a .doc"),
    "X21": ("links.hostile.gov.cn", "a page with more links than the link-check budget"),
    "T01": ("expired.tls.gov.cn", "certificate expired"),
    "T02": ("wronghost.tls.gov.cn", "certificate for another host name"),
    "T03": ("selfsigned.tls.gov.cn", "self-signed certificate"),
    "T04": ("valid.tls.gov.cn", "valid under the test CA"),
}
TLS_IDS = ("T01", "T02", "T03", "T04")
SLOW_COLUMN_DELAY = 9.0  # seconds the budget site takes for its site map and for each column
BUDGET_COLUMNS = 20
MANY_COLUMNS = 30
CALENDAR_LINKS = 1000
TITLE = "{place}人民政府"
NEWS = (
    ("关于开展2024年政务公开工作检查的通知", "2024-10-05"),
    ("市政府召开第十五次常务会议", "2024-10-03"),
    ("关于做好秋冬季安全生产工作的通知", "2024-09-28"),
)


def page(title: str, body: str = "", nav: list[tuple[str, str]] | None = None, charset: str = "utf-8") -> str:
    """A small government-style page: nav columns and a dated news block."""
    meta = f'<meta charset="{charset}">' if charset else ""
    links = "".join(f'<li><a href="{href}">{name}</a></li>' for href, name in nav or [])
    items = "".join(
        f'<li><a href="/art/{i}.html" title="{t}">{t}</a><span>({d})</span></li>'
        for i, (t, d) in enumerate(NEWS)
    )
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>"
        f'<div class="nav"><ul><li><a href="/">首页</a></li>{links}</ul></div>'
        f'<div class="block"><h3>要闻动态</h3><ul class="list">{items}</ul></div>{body}'
        "</body></html>"
    )


# ---------------------------------------------------------------------------- raw writers


def _head(handler: Any, ctype: str, extra: dict[str, str]) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", ctype)
    for name, value in extra.items():
        handler.send_header(name, value)
    handler.end_headers()


def _stream(handler: Any, chunks: Iterator[bytes], *, chunked: bool) -> None:
    """Write until the client hangs up (the crawler's size cap) or the server stops."""
    with contextlib.suppress(OSError):
        for chunk in chunks:
            if handler.server.stopping.is_set():
                return
            if chunked:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            else:
                handler.wfile.write(chunk)
        if chunked:
            handler.wfile.write(b"0\r\n\r\n")


def _filler(total: int) -> Iterator[bytes]:
    row = "<p>政务公开 信息发布 办事服务 互动交流</p>\n".encode()
    block = row * (MB // len(row))
    for _ in range(total // len(block) + 1):
        yield block


def _big(chunked: bool) -> Callable[[Any], None]:
    def write(handler: Any) -> None:
        head = page(TITLE.format(place="大页面")).encode()
        extra = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(BIG_BYTES)}
        _head(handler, "text/html; charset=utf-8", extra)
        _stream(handler, iter([head, *_filler(BIG_BYTES)]), chunked=chunked)

    return write


def _trickle(handler: Any) -> None:
    """Slowloris: a promised 1 MB body, one byte at a time."""
    _head(handler, "text/html; charset=utf-8", {"Content-Length": str(MB)})
    with contextlib.suppress(OSError):
        while not handler.server.stopping.wait(TRICKLE_SECONDS):
            handler.wfile.write(b"<")
            handler.wfile.flush()


def _silent(handler: Any) -> None:
    """Accept the request and never say a word (until the server stops)."""
    handler.server.stopping.wait(600)


def _writer(fn: Callable[[Any], None]) -> Response:
    return Response(writer=fn)


# ---------------------------------------------------------------------------- bombs


@cache
def bomb(encoding: str) -> bytes:
    """``BOMB_BYTES`` of zeros compressed with ``encoding`` (gzip | deflate | br), about 1 MB or less.

    Deflate of zeros settles into identical flushed blocks, so one block is repeated instead of
    compressing a whole gigabyte; the checksums are computed over the real expansion.
    """
    chunk = bytes(4 * MB)
    count = BOMB_BYTES // len(chunk)
    if encoding == "br":
        import brotli

        compressor = brotli.Compressor(quality=1)
        return b"".join([*(compressor.process(chunk) for _ in range(count)), compressor.finish()])
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    first = comp.compress(chunk) + comp.flush(zlib.Z_SYNC_FLUSH)
    steady = comp.compress(chunk) + comp.flush(zlib.Z_SYNC_FLUSH)
    raw = first + steady * (count - 1) + comp.flush()
    if encoding == "deflate":
        adler = 1
        for _ in range(count):
            adler = zlib.adler32(chunk, adler)
        return b"\x78\xda" + raw + struct.pack(">I", adler)
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + raw + struct.pack("<II", crc, BOMB_BYTES & 0xFFFFFFFF)


def _bomb(encoding: str) -> Response:
    return Response(body=bomb(encoding), headers={"Content-Encoding": encoding})


# ---------------------------------------------------------------------------- traps


def _calendar(path: str) -> Response:
    """Every day links to the next day and every page to the next page, forever."""
    query = parse_qs(urlsplit(path).query)
    day = dt.date.fromisoformat(query.get("date", ["2024-10-08"])[0])
    n = int(query.get("page", ["1"])[0])
    nxt = day + dt.timedelta(days=1)
    body = (
        f'<div class="cal"><a href="/calendar/?date={nxt.isoformat()}">后一天</a>'
        f'<a href="/calendar/?date={day.isoformat()}&page={n + 1}">下一页</a></div>'
    )
    return Response(body=page(f"活动日历 {day} 第{n}页", body))


_calendar.wants_path = True  # type: ignore[attr-defined]


def _many_links() -> str:
    rows = "".join(f'<li><a href="/day/{i}.html">第{i}天</a></li>' for i in range(CALENDAR_LINKS))
    return page("历史日程", f'<ul class="days">{rows}</ul>')


def _broken() -> bytes:
    """Unclosed tags, NUL bytes and bytes that are no UTF-8, around a readable title and list."""
    nav = [("/deep/index.html", "深层栏目")]
    html = page("破损页面人民政府", "<div><p><b>未闭合<table><tr><td>单元格<div><span>", nav=nav).encode()
    return html.replace(b"<body>", b"<body>\x00\x00\xff\xfe\x80<p>\x00") + b"<div <p =>\xc3\x28"


def _deep() -> str:
    depth = 5 * MB // len("<div><span>")
    return page("深层嵌套", "<div><span>" * depth)


def _site_routes(world_routes: dict[str, dict[str, Any]]) -> None:
    def host(tid: str) -> str:
        return HOSTILE[tid][0]

    r = world_routes
    r[host("X01")] = {"/": _writer(_big(chunked=False))}
    r[host("X02")] = {"/": _writer(_big(chunked=True))}
    r[host("X03")] = {"/": _bomb("gzip")}
    r[host("X04")] = {"/": _bomb("deflate")}
    r[host("X05")] = {"/": _bomb("br")}
    r[host("X06")] = {
        "/": Response(status=302, headers={"Location": "/b.html"}),
        "/b.html": Response(status=302, headers={"Location": "/"}),
    }
    chain = {f"/hop/{i}": Response(status=302, headers={"Location": f"/hop/{i + 1}"}) for i in range(1, 16)}
    chain["/"] = Response(status=302, headers={"Location": "/hop/1"})
    chain["/hop/16"] = Response(body=page("链尽头"))
    r[host("X07")] = chain
    r[host("X08")] = {"/": _writer(_trickle)}
    r[host("X09")] = {"/": _writer(_silent)}
    # a slow site map, then slow columns: two slow rounds, whatever the per-host concurrency
    cols = [(f"/col{i}/index.html", f"工作动态{i}") for i in range(BUDGET_COLUMNS)]
    sitemap = page("网站地图", "".join(f'<a href="{h}">{n}</a>' for h, n in cols), nav=cols)
    budget: dict[str, Any] = {
        "/": Response(body=page(TITLE.format(place="预算"), '<a href="/wzdt.html">网站地图</a>', nav=cols)),
        "/wzdt.html": Response(body=sitemap, delay=SLOW_COLUMN_DELAY),
    }
    for href, name in cols:
        budget[href] = Response(body=page(name), delay=SLOW_COLUMN_DELAY)
    r[host("X10")] = budget
    r[host("X11")] = {
        "/": Response(
            body=page(TITLE.format(place="日历"), nav=[("/calendar/?date=2024-10-08", "活动日历")])
        ),
        "/calendar/": _calendar,
    }
    r[host("X21")] = {
        "/": Response(body=page(TITLE.format(place="链接"), nav=[("/richeng/index.html", "历史日程")])),
        "/richeng/index.html": Response(body=_many_links()),
    }
    many = [(f"/lm{i}/index.html", f"部门动态{i}") for i in range(MANY_COLUMNS)]
    r[host("X12")] = {"/": Response(body=page(TITLE.format(place="栏目"), nav=many))}
    r[host("X12")].update({href: Response(body=page(name)) for href, name in many})
    r[host("X13")] = {"/": Response(body=_broken()), "/deep/index.html": Response(body=_deep())}
    gbk_title = TITLE.format(place="标签错误")
    r[host("X14")] = {"/": Response(body=page(gbk_title, charset="utf-8"), encoding="gbk", charset="utf-8")}
    r[host("X15")] = {"/": Response(body=page(TITLE.format(place="标签为GBK"), charset=""), charset="gbk")}
    r[host("X16")] = {
        "/": Response(body=page(TITLE.format(place="无声明"), charset=""), encoding="gb18030", charset=None)
    }
    r[host("X17")] = {
        "/": Response(
            body=b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n",
            content_type="application/pdf",
            charset=None,
        )
    }
    r[host("X18")] = {
        "/": Response(
            body=bytes.fromhex("89504e470d0a1a0a") + bytes(64), content_type="image/png", charset=None
        )
    }
    r[host("X19")] = {
        "/": Response(body=bytes(range(256)) * 16, content_type="application/octet-stream", charset=None)
    }
    doc = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2048)
    r[host("X20")] = {
        "/": Response(body=page(TITLE.format(place="文档栏目"), nav=[("/xxgk/index.html", "信息公开")])),
        "/xxgk/index.html": Response(body=doc, content_type="application/msword", charset=None),
    }
    for tid in TLS_IDS:
        r[host(tid)] = {"/": Response(body=page(TITLE.format(place=f"证书{tid}")))}


def hostile_world(as_of: dt.datetime) -> World:
    """The hostile web as a :class:`World` (no CMS sites; targets come from :func:`write_targets`)."""
    world = World(as_of=as_of, seed=0, sites={})
    _site_routes(world.routes)
    return world


# ---------------------------------------------------------------------------- TLS hosts


def make_pki(directory: Path, now: dt.datetime | None = None) -> PKI:
    """CA + leaves for the TLS hosts: expired, for another name, self-signed, and valid."""
    return issue_certificates(
        directory,
        {  # host -> (names in the certificate, validity days, self-signed)
            HOSTILE["T01"][0]: ([HOSTILE["T01"][0]], (-400, -30), False),
            HOSTILE["T02"][0]: (["www.elsewhere.gov.cn"], (-1, 365), False),
            HOSTILE["T03"][0]: ([HOSTILE["T03"][0]], (-1, 365), True),
            HOSTILE["T04"][0]: ([HOSTILE["T04"][0]], (-1, 365), False),
        },
        now,
    )


def target_url(tid: str, web: SimulatedWeb, tls_port: int = 0) -> str:
    host = HOSTILE[tid][0]
    if tid in TLS_IDS:
        return f"https://{host}:{tls_port}/"
    return f"http://{host}:{web.port}/"


def write_targets(path: Path, web: SimulatedWeb, tls_port: int, ids: list[str] | None = None) -> Path:
    """The hostile targets registry (every id, or ``ids``)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "kind", "name", "owner", "region", "url", "platform", "account_id", "site_code"])
        for tid in ids or list(HOSTILE):
            name = f"{HOSTILE[tid][1]}（{tid}）"
            out.writerow(
                [tid, "site", name, "测试办公室", "测试省", target_url(tid, web, tls_port), "", "", ""]
            )
    return path
