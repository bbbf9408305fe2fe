"""Simulated Baijiahao: the author page on author.baidu.com and the mbd.baidu.com webpage API.

``/home/{app_id}`` embeds the account's ``"uk"`` (Baidu's not-found page says 哎呀迷路了);
``/webpage?action=home&uk=`` answers ``errno`` and ``data.user``; ``/webpage?action=dynamic&uk=``
answers ``data.list[].itemData`` with ``created_at`` in unix seconds (JSONP when ``callback`` is given).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from simweb.platforms.base import NOT_FOUND, PlatformApp, Req, Resp, SimAccount, SimPost

LOST = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>百度--您访问的页面不存在</title></head>
<body><div class="error"><p>哎呀迷路了...</p><p>您访问的页面不存在或已被删除</p></div></body></html>"""
SECURITY = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>百度安全验证</title></head>
<body><div class="timeout-title">网络不给力，请稍后重试</div>
<div class="vcode-body">请完成下方验证后继续操作</div></body></html>"""
SLOW = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>百度</title></head>
<body><p>网络不给力，请稍后重试</p></body></html>"""
PROFILE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{name}的百家号_最新内容</title></head>
<body><div id="app"></div>
<script>window.runtime = {{"appId":"{app_id}","user":{{"uk":"{uk}","display_name":"{name}","auth_desc":"{owner}"}}}};</script>
</body></html>"""
LOGIN = "https://wappass.baidu.com/passport/?login&tpl=mn&u=https%3A%2F%2Fauthor.baidu.com%2F"


def _uk(app_id: str) -> str:
    return "Rk" + hashlib.sha1(app_id.encode()).hexdigest()[:20]  # noqa: S324 - an id, not security


class App(PlatformApp):
    KEY = "baijiahao"
    CASES = (
        "active",
        "warning",
        "zombie",
        "dormant",
        "no_posts",
        "deleted",
        "banned",
        "captcha",
        "login_wall",
        "throttled",
        "empty_body",
        "malformed",
    )

    def account_id_for(self, account: SimAccount, n: int) -> str:
        app_id = str(1_612_000_000_000_000 + n * 7_777_777)
        account.extra["uk"] = _uk(app_id)
        return app_id

    def profile_url(self, account: SimAccount) -> str:
        return f"https://author.baidu.com/home/{account.account_id}"

    def _by_uk(self, uk: str) -> SimAccount | None:
        return next((a for a in self.accounts if a.extra.get("uk") == uk), None)

    def handle(self, req: Req) -> Resp:
        if req.path.startswith("/home"):
            app_id = req.path.removeprefix("/home").strip("/") or req.query.get("app_id", "")
            return self._profile(self.by_id(app_id))
        if req.path == "/webpage":
            account = self._by_uk(req.query.get("uk", ""))
            if req.query.get("action") == "home":
                return self._user(account)
            if req.query.get("action") == "dynamic":
                return self._dynamic(account, req.query.get("callback", ""))
        return NOT_FOUND

    def _profile(self, account: SimAccount | None) -> Resp:
        if account is None or account.case == "deleted":
            return Resp.html(LOST, status=404)
        if account.case == "captcha":
            return Resp.html(SECURITY)
        return Resp.html(
            PROFILE.format(
                name=account.name, app_id=account.account_id, uk=account.extra["uk"], owner=account.owner
            )
        )

    def _user(self, account: SimAccount | None) -> Resp:
        if account is None or account.case == "banned":
            return Resp.json({"errno": 10001, "errmsg": "用户不存在或已被封禁", "data": {}})
        if account.case == "malformed":
            return Resp(body='{"errno":0,"data":{"user":{"uk":"', content_type="application/json")
        user = {
            "uk": account.extra["uk"],
            "display_name": account.name,
            "content_num": len(account.posts) * 23,
            "fans_num": 12034,
            "home_url": self.profile_url(account),
        }
        return Resp.json({"errno": 0, "errmsg": "", "data": {"user": user}})

    def _dynamic(self, account: SimAccount | None, callback: str) -> Resp:
        if account is None:
            return Resp.json({"errno": 10001, "errmsg": "用户不存在", "data": {}})
        if account.case == "login_wall":
            return Resp.redirect(LOGIN)
        if account.case == "throttled":
            return Resp.html(SLOW)
        if account.case == "empty_body":
            return Resp(body="", content_type="application/json")
        items = [self._item(p) for p in account.posts[:10]]
        ctime = int(account.posts[-1].date.timestamp() * 10000) if account.posts else 0
        data: dict[str, Any] = {"errno": 0, "data": {"query": {"ctime": ctime, "num": 10}, "list": items}}
        text = json.dumps(data, ensure_ascii=False)
        if callback:
            return Resp(body=f"{callback}({text})", content_type="application/javascript")
        return Resp(body=text)

    def _item(self, post: SimPost) -> dict[str, Any]:
        article_id = str(1_811_000_000_000_000_000 + int(hashlib.sha1(post.id.encode()).hexdigest()[:8], 16))  # noqa: S324
        return {
            "type": "text",
            "itemData": {
                "article_id": article_id,
                "title": post.title,
                "url": f"https://baijiahao.baidu.com/s?id={article_id}",
                "created_at": str(int(post.date.timestamp())),
            },
        }
