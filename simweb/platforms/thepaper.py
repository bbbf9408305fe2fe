"""Simulated 澎湃号 / 澎湃政务: ``GET /userservice/user/homePage/{pphId}`` (needs ``Client-Type: 2``) and
``POST /contentapi/cont/pph/user`` | ``/contentapi/cont/pph/gov`` with the JSON body, posts dated by
``pubTimeLong`` (ms). Every other account is a 政务号 (``/gov_{id}``) whose posts the 澎湃号 endpoint
does not list, so a crawler calling the wrong endpoint sees an empty list. Error codes and the WAF
page are [unconfirmed] inventions (see the page object).
"""

from __future__ import annotations

from typing import Any

from simweb.platforms.base import PlatformApp, Req, Resp, SimAccount

_WAF_PAGE = (
    "<!DOCTYPE html><html><head><title>滑动验证页面</title></head><body>"
    "<div id='nc'>请完成验证后继续访问</div><div>安全验证</div></body></html>"
)


class App(PlatformApp):
    KEY = "thepaper"
    CASES = (
        "active",
        "warning",
        "zombie",
        "dormant",
        "no_posts",
        "deleted",
        "banned",
        "captcha",
        "throttled",
        "empty_body",
        "malformed",
    )

    def account_id_for(self, account: SimAccount, n: int) -> str:
        account.extra["gov"] = n % 2 == 1
        return str(1_040_000 + 37 * n)

    def profile_url(self, account: SimAccount) -> str:
        kind = "gov" if account.extra.get("gov") else "user"
        return f"https://www.thepaper.cn/{kind}_{account.account_id}"

    def handle(self, req: Req) -> Resp:
        if req.headers.get("client-type") != "2":
            return Resp.json({"code": 400, "desc": "非法请求", "data": None})
        if req.method == "GET" and req.path.startswith("/userservice/user/homePage/"):
            return self._home(req.path.rsplit("/", 1)[-1])
        if req.method == "POST" and req.path in ("/contentapi/cont/pph/user", "/contentapi/cont/pph/gov"):
            return self._posts(req, gov=req.path.endswith("/gov"))
        return Resp.json({"code": 404, "desc": "接口不存在", "data": None}, status=404)

    def _home(self, pph_id: str) -> Resp:
        account = self.by_id(pph_id)
        if account is None or account.case == "deleted":
            return Resp.json({"code": 4004, "desc": "用户不存在", "data": None})
        if account.case == "banned":
            return Resp.json({"code": 4005, "desc": "该账号已被封禁", "data": None})
        info = {
            "userId": int(account.account_id),
            "sname": account.name,
            "perDesc": f"{account.owner}官方澎湃号",
            "pic": f"https://imagecloud.thepaper.cn/thepaper/image/{account.account_id}.jpg",
            "isGov": bool(account.extra.get("gov")),
        }
        return Resp.json({"code": 200, "desc": "success", "data": {"userInfo": info}})

    def _posts(self, req: Req, gov: bool) -> Resp:
        body: Any = req.json()
        pph_id = str(body.get("pphId", "")) if isinstance(body, dict) else ""
        account = self.by_id(pph_id)
        if account is None or account.case in ("deleted", "banned"):
            return Resp.json({"code": 4004, "desc": "用户不存在", "data": None})
        if account.case == "captcha":
            return Resp.html(_WAF_PAGE)
        if account.case == "throttled":
            return Resp.json({"code": 429, "desc": "请求过于频繁"}, status=429)
        if account.case == "empty_body":
            return Resp(body="")
        if account.case == "malformed":
            return Resp(body='{"code":200,"desc":"success","data":{"list":[{"contId":"2')
        size = int(body.get("pageSize", 10) or 10)
        own = gov == bool(account.extra.get("gov"))  # the other endpoint lists nothing for this id
        posts = account.posts if own else []
        items = [
            {
                "contId": str(28_000_000 + i + 1000 * int(account.account_id[-3:])),
                "name": post.title,
                "pubTime": post.date.strftime("%Y-%m-%d"),
                "pubTimeNew": post.date.strftime("%m-%d %H:%M"),
                "pubTimeLong": int(post.date.timestamp() * 1000),
                "authorInfo": {"sname": account.name, "userId": int(account.account_id)},
            }
            for i, post in enumerate(posts[:size])
        ]
        data = {
            "hasNext": len(posts) > size,
            "startTime": items[-1]["pubTimeLong"] if items else 0,
            "list": items,
        }
        return Resp.json({"code": 200, "desc": "success", "data": data})
