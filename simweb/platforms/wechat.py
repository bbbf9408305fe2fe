"""Simulated WeChat official accounts: album JSON (``/mp/appmsgalbum?action=getalbum&f=json``), article
pages (``/s?__biz=..&mid=..``) with ``var ct`` and a NEWER ``svr_time``, account-level error pages, and
the MP back-office list (``/cgi-bin/appmsg?action=list_ex``) that accepts one token/cookie pair.

Each account is registered the way an office could list it (``extra["via"]``): an album URL, its
newest article's URL, a plain profile URL checked with back-office credentials, or a plain profile
URL with nothing else (``no_public_list``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from simweb.platforms.base import PlatformApp, Req, Resp, SimAccount, SimPost

VIA = {
    "active": "album",
    "dormant": "album",
    "empty_body": "album",
    "malformed": "album",
    "warning": "article",
    "deleted": "article",
    "banned": "article",
    "captcha": "article",
    "zombie": "backoffice",
    "no_posts": "backoffice",
    "throttled": "backoffice",
    "login_wall": "backoffice",
    "no_public_list": "none",
}
_ERROR_PAGE = (
    '<!DOCTYPE html><html><head><title></title></head><body><div class="weui-msg">'
    '<div class="weui-msg__text-area"><h2 class="weui-msg__title">{text}</h2></div></div></body></html>'
)
_ACCOUNT_ERRORS = {"deleted": "此帐号已自主注销，内容无法查看", "banned": "此帐号已被屏蔽, 内容无法查看"}
_CAPTCHA_PAGE = (
    '<!DOCTYPE html><html><head><title>验证</title></head><body><div class="weui-msg">'
    '<h2 class="weui-msg__title">环境异常</h2><p>当前环境异常，完成验证后即可继续访问。</p>'
    '<a id="js_verify" class="weui-btn">去验证</a></div></body></html>'
)


def _stamp(post: SimPost) -> int:
    return int(post.date.timestamp())


class App(PlatformApp):
    KEY = "wechat"
    CASES = tuple(VIA)

    def __init__(self, accounts: list[SimAccount], as_of: Any) -> None:
        super().__init__(accounts, as_of)
        seed = hashlib.sha1(as_of.isoformat().encode(), usedforsecurity=False).hexdigest()
        self.token = str(int(seed[:8], 16) % 10**10)  # the office's MP session, one per world
        self.cookie = f"slave_user=gh_{seed[8:20]}; slave_sid={seed[20:40]}"

    def credentials(self) -> dict[str, str]:
        return {"token": self.token, "cookie": self.cookie}

    def account_id_for(self, account: SimAccount, n: int) -> str:
        account.extra["via"] = VIA[account.case]
        account.extra["album_id"] = str(3_580_000_000_000_000_000 + 104_729 * n)
        return base64.b64encode(str(3_000_000_000 + 7 * n).encode()).decode()  # __biz: "MzAwMDAw..=="

    def _mid(self, post: SimPost) -> str:
        return str(
            2_247_480_000 + int(hashlib.sha1(post.id.encode(), usedforsecurity=False).hexdigest()[:5], 16)
        )

    def _article_url(self, account: SimAccount, post: SimPost) -> str:
        sn = hashlib.md5(post.id.encode(), usedforsecurity=False).hexdigest()
        return f"https://mp.weixin.qq.com/s?__biz={account.account_id}&mid={self._mid(post)}&idx=1&sn={sn}"

    def profile_url(self, account: SimAccount) -> str:
        via, biz = account.extra["via"], account.account_id
        if via == "album":
            return (
                f"https://mp.weixin.qq.com/mp/appmsgalbum?__biz={biz}&action=getalbum"
                f"&album_id={account.extra['album_id']}#wechat_redirect"
            )
        if via == "article":
            newest = (
                max(account.posts, key=lambda p: p.date) if account.posts else SimPost("x0", "", self.as_of)
            )
            return self._article_url(account, newest)
        return f"https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz={biz}&scene=124#wechat_redirect"

    # ------------------------------------------------------------------------------------- routes

    def handle(self, req: Req) -> Resp:
        if req.path == "/mp/appmsgalbum" and req.query.get("action") == "getalbum":
            return self._album(req)
        if req.path == "/s":
            return self._article(req)
        if req.path == "/cgi-bin/appmsg" and req.query.get("action") == "list_ex":
            return self._backoffice(req)
        if req.path == "/mp/profile_ext":
            return Resp.json({"ret": -3, "errmsg": "no session", "cookie_count": 0})
        return Resp.html(_ERROR_PAGE.format(text="参数错误"))

    def _album(self, req: Req) -> Resp:
        account = next((a for a in self.accounts if a.extra["album_id"] == req.query.get("album_id")), None)
        if account is None or req.query.get("f") != "json":
            return Resp.json({"base_resp": {"ret": -2, "errmsg": "invalid album"}})
        if account.case == "empty_body":
            return Resp(body="")
        if account.case == "malformed":
            return Resp(body='{"base_resp":{"ret":0},"getalbum_resp":{"article_list":[{"create_time":"17')
        posts = sorted(account.posts, key=lambda p: p.date, reverse=req.query.get("is_reverse") == "1")
        items = [
            {
                "msgid": self._mid(p),
                "itemidx": "1",
                "create_time": str(_stamp(p)),
                "title": p.title,
                "url": self._article_url(account, p).replace("https://", "http://"),
            }
            for p in posts[: int(req.query.get("count", "10") or 10)]
        ]
        body = {"base_resp": {"ret": 0}, "getalbum_resp": {"continue_flag": "1", "article_list": items}}
        return Resp.json(body)

    def _article(self, req: Req) -> Resp:
        account = self.by_id(req.query.get("__biz", ""))
        if account is None:
            return Resp.html(_ERROR_PAGE.format(text="参数错误"))
        if account.case in _ACCOUNT_ERRORS:
            return Resp.html(_ERROR_PAGE.format(text=_ACCOUNT_ERRORS[account.case]))
        if account.case == "captcha":
            return Resp.html(_CAPTCHA_PAGE)
        post = next((p for p in account.posts if self._mid(p) == req.query.get("mid")), None)
        if post is None:
            return Resp.html(_ERROR_PAGE.format(text="该内容已被发布者删除"))
        svr_time = int(self.as_of.timestamp())  # server time: newer than the article, never its date
        script = (
            f'var biz = "{account.account_id}"||""; var nickname = htmlDecode("{account.name}");'
            f' var user_name = "gh_{account.account_id[:12].lower()}";'
            f' var ct = "{_stamp(post)}"; var publish_time = "{post.date:%Y-%m-%d}" || "";'
            f' var svr_time = "{svr_time}" * 1;'
        )
        html = (
            f"<!DOCTYPE html><html><head><title>{post.title}</title></head><body>"
            f'<h1 class="rich_media_title" id="activity-name">{post.title}</h1>'
            f'<em id="publish_time" class="rich_media_meta rich_media_meta_text"></em>'
            f'<div id="js_content" class="rich_media_content"><p>{post.title}</p></div>'
            f"<script>{script}</script></body></html>"
        )
        return Resp.html(html)

    def _backoffice(self, req: Req) -> Resp:
        if req.query.get("token") != self.token or self.cookie.split("; ")[1] not in req.headers.get(
            "cookie", ""
        ):
            return Resp.json({"base_resp": {"ret": 200003, "err_msg": "invalid session"}})
        account = self.by_id(req.query.get("fakeid", ""))
        if account is None or account.extra.get("via") == "none":  # not found by the back-office search
            return Resp.json({"base_resp": {"ret": 200002, "err_msg": "invalid args"}})
        if account.case == "login_wall":  # the office's session expired between two checks
            return Resp.json({"base_resp": {"ret": 200003, "err_msg": "invalid session"}})
        if account.case == "throttled":
            return Resp.json({"base_resp": {"ret": 200013, "err_msg": "freq control"}})
        begin, count = int(req.query.get("begin", "0") or 0), int(req.query.get("count", "5") or 5)
        posts = sorted(account.posts, key=lambda p: p.date, reverse=True)
        items = [
            {
                "aid": f"{self._mid(p)}_1",
                "appmsgid": int(self._mid(p)),
                "itemidx": 1,
                "title": p.title,
                "link": self._article_url(account, p).replace("https://", "http://") + "#rd",
                "create_time": _stamp(p),
                "update_time": _stamp(p),
            }
            for p in posts[begin : begin + count]
        ]
        body = {"app_msg_cnt": len(posts), "app_msg_list": items, "base_resp": {"ret": 0, "err_msg": "ok"}}
        return Resp(body=json.dumps(body, ensure_ascii=False))
