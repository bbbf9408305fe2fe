"""Simulated Tencent News (i.news.qq.com): the anonymous profile and post-list JSON endpoints.

``/i/getUserHomepageInfo?guestSuid=`` (or ``?chlid=``) answers ``{ret, userinfo}``;
``/getSubNewsMixedList?guestSuid=&tabId=om_index`` answers ``{ret, newslist[], hasNext}`` with
``timestamp`` in unix seconds and ``time`` as Beijing time text. ``pubnum`` is 0 as it often is.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any
from zoneinfo import ZoneInfo

from simweb.platforms.base import NOT_FOUND, PlatformApp, Req, Resp, SimAccount, SimPost

BEIJING = ZoneInfo("Asia/Shanghai")
INFO_PATH = "/i/getUserHomepageInfo"
LIST_PATH = "/getSubNewsMixedList"
NOT_EXIST = {"ret": 1, "errmsg": "该用户不存在"}
BANNED = {"ret": 0, "info": "该账号已被封禁"}  # no userinfo
THROTTLED = {"ret": -2, "errmsg": "请求过于频繁，请稍后再试"}


class App(PlatformApp):
    KEY = "qqnews"
    CASES = (
        "active",
        "warning",
        "zombie",
        "dormant",
        "no_posts",
        "deleted",
        "banned",
        "http412",
        "throttled",
        "empty_body",
        "malformed",
    )

    def account_id_for(self, account: SimAccount, n: int) -> str:
        account.extra["chlid"] = str(5_000_000 + n * 313)
        return "8Q" + base64.b64encode(f"om-sim-{n:04d}".encode()).decode()  # base64-like, may end in '='

    def profile_url(self, account: SimAccount) -> str:
        return f"https://news.qq.com/omn/author/{account.account_id}"

    def handle(self, req: Req) -> Resp:
        if req.path == INFO_PATH:
            chlid = req.query.get("chlid")
            if chlid:
                account = next((a for a in self.accounts if a.extra.get("chlid") == chlid), None)
            else:
                account = self.by_id(req.query.get("guestSuid", ""))
            return self._info(account)
        if req.path == LIST_PATH:
            return self._list(self.by_id(req.query.get("guestSuid", "")), req.query.get("tabId", ""))
        return NOT_FOUND

    def _info(self, account: SimAccount | None) -> Resp:
        if account is None or account.case == "deleted":
            return Resp.json(NOT_EXIST)
        if account.case == "banned":
            return Resp.json(BANNED)
        if account.case == "throttled":
            return Resp.json(THROTTLED)
        if account.case == "malformed":
            return Resp(body='{"ret":0,"userinfo":{"nick":"', content_type="application/json")
        user = {
            "nick": account.name,
            "suid": account.account_id,
            "chlid": account.extra["chlid"],
            "user_desc": f"{account.owner}官方账号",
            "pubnum": 0,
        }
        return Resp.json({"ret": 0, "userinfo": user})

    def _list(self, account: SimAccount | None, tab: str) -> Resp:
        if account is None or account.case in ("deleted", "banned") or tab != "om_index":
            return Resp.json({"ret": 0, "newslist": [], "hasNext": False, "offsetInfo": ""})
        if account.case == "http412":
            return Resp(status=412, body="", content_type="text/html")
        if account.case == "empty_body":
            return Resp(body="")
        items = [self._item(p, account.name) for p in account.posts[:10]]
        return Resp.json(
            {"ret": 0, "newslist": items, "hasNext": len(account.posts) > 10, "offsetInfo": "c2ltLTE="}
        )

    def _item(self, post: SimPost, source: str) -> dict[str, Any]:
        when = post.date.astimezone(BEIJING)
        article_id = f"{when:%Y%m%d}A0{zlib.crc32(post.id.encode()) % 0xFFFF:04X}00"
        return {
            "id": article_id,
            "title": post.title,
            "longtitle": post.title,
            "url": f"https://view.inews.qq.com/a/{article_id}",
            "timestamp": int(post.date.timestamp()),
            "time": f"{when:%Y-%m-%d %H:%M:%S}",
            "articletype": "0",
            "source": source,
            "abstract": "",
        }
