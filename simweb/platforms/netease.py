"""Simulated NetEase 网易号: the profile page on www.163.com and the list API on dy.163.com.

``/dy/media/{T...}.html`` is the static profile (``data-wemediaid`` plus the ``.tab_content`` list);
``/v2/article/list.do?wemediaId=W...`` answers ``{code, data: {list[]}}`` with ``ptime`` as Beijing
time text, ``data: null`` for an unknown id, and titles without dates when anti-crawling kicks in.
"""

from __future__ import annotations

import html
import zlib
from typing import Any
from zoneinfo import ZoneInfo

from simweb.platforms.base import NOT_FOUND, PlatformApp, Req, Resp, SimAccount, SimPost

BEIJING = ZoneInfo("Asia/Shanghai")
LIST_PATH = "/v2/article/list.do"
PROFILE_PREFIX, PROFILE_SUFFIX = "/dy/media/", ".html"
NOT_FOUND_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>404 页面不存在_网易</title></head>
<body><div class="error-404"><p>抱歉，您访问的页面不存在</p></div></body></html>"""
PROFILE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name}_网易订阅</title></head>
<body><div class="media_info" data-wemediaid="{wid}"><h1 class="media_name">{name}</h1></div>
<div class="tab_content"><ul>{items}</ul></div></body></html>"""
ITEM = '<li class="js-item item"><h4><a class="title" href="{url}">{title}</a></h4><span class="time">{time}</span></li>'


def _docid(post: SimPost) -> str:
    return f"J{zlib.crc32(post.id.encode()):08X}0512AB"


class App(PlatformApp):
    KEY = "netease"
    CASES = (
        "active",
        "warning",
        "zombie",
        "dormant",
        "no_posts",
        "deleted",
        "throttled",
        "empty_body",
        "malformed",
    )

    def account_id_for(self, account: SimAccount, n: int) -> str:
        account.extra["tid"] = f"T{1_603_765_400_000 + n * 9_973}"
        return f"W{8_306_000_000 + n * 7_919}"

    def profile_url(self, account: SimAccount) -> str:
        return f"https://www.163.com/dy/media/{account.extra['tid']}.html"

    def handle(self, req: Req) -> Resp:
        if req.path == LIST_PATH:
            return self._list(self.by_id(req.query.get("wemediaId", "")))
        if req.path.startswith(PROFILE_PREFIX) and req.path.endswith(PROFILE_SUFFIX):
            tid = req.path.removeprefix(PROFILE_PREFIX).removesuffix(PROFILE_SUFFIX)
            return self._profile(next((a for a in self.accounts if a.extra.get("tid") == tid), None))
        return NOT_FOUND

    def _profile(self, account: SimAccount | None) -> Resp:
        if account is None or account.case == "deleted":
            return Resp.html(NOT_FOUND_PAGE, status=404)
        items = "".join(
            ITEM.format(
                url=f"https://www.163.com/dy/article/{_docid(p)}.html",
                title=html.escape(p.title),
                time=f"{p.date.astimezone(BEIJING):%Y-%m-%d %H:%M:%S}",
            )
            for p in account.posts[:10]
        )
        return Resp.html(PROFILE.format(name=html.escape(account.name), wid=account.account_id, items=items))

    def _list(self, account: SimAccount | None) -> Resp:
        if account is None or account.case == "deleted":
            return Resp.json({"code": 200, "data": None})
        if account.case == "empty_body":
            return Resp(body="")
        if account.case == "malformed":
            return Resp(body='{"code":200,"data":{"list":[{"docid":"J0', content_type="application/json")
        titles_only = account.case == "throttled"  # anti-crawling: only titles come back
        items = [self._item(p, account.name, titles_only) for p in account.posts[:10]]
        return Resp.json({"code": 200, "data": {"list": items}})

    def _item(self, post: SimPost, source: str, titles_only: bool) -> dict[str, Any]:
        if titles_only:
            return {"title": post.title}
        return {
            "docid": _docid(post),
            "title": post.title,
            "ptime": f"{post.date.astimezone(BEIJING):%Y-%m-%d %H:%M:%S}",
            "source": source,
            "imgsrc": "",
        }
