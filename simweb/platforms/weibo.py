"""Simulated m.weibo.cn: the container API (``/api/container/getIndex``) in its real JSON shapes.

The profile call (``type=uid&value={uid}``) answers ``userInfo`` and ``tabsInfo``; the posts call
(``&containerid=107603{uid}``) answers ``cards`` with ``card_type`` 9 mblogs. Deleted and banned
accounts are told apart on the profile call (``ok:0`` with a not-exist / banned msg), while the
posts call answers the ambiguous ``这里还没有内容`` as the real one does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from simweb.platforms.base import NOT_FOUND, PlatformApp, Req, Resp, SimAccount, SimPost

API_PATH = "/api/container/getIndex"
POSTS_PREFIX = "107603"
EMPTY = {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}
NOT_EXIST = {"ok": 0, "msg": "用户不存在"}
BANNED = {"ok": 0, "msg": "抱歉，该账号因违反《微博社区公约》已被封禁"}
LOGIN_ONLY = {"ok": 0, "msg": "部分博主仅登录可见，请登录后查看", "data": {"cards": []}}
LOGIN = {
    "ok": -100,
    "url": "https://passport.weibo.cn/signin/welcome?entry=mweibo&r=https%3A%2F%2Fm.weibo.cn%2F",
}
CAPTCHA = {
    "ok": 0,
    "msg": "请求过于频繁，请完成验证",
    "url": "https://security.weibo.com/captcha/geetest?type=1&r=https%3A%2F%2Fm.weibo.cn",
}
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BEIJING = ZoneInfo("Asia/Shanghai")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def created_at(dt: datetime) -> str:
    """Weibo's ``created_at``: ``Thu Sep 26 10:00:00 +0800 2024`` (English names, any locale)."""
    dt = dt.astimezone(BEIJING)
    return f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt:%d %H:%M:%S} +0800 {dt.year}"


def relative(dt: datetime, now: datetime) -> str:
    """The older m.weibo.cn forms: 刚刚, N分钟前, N小时前, 昨天 HH:MM, MM-DD, YYYY-MM-DD."""
    dt, now = dt.astimezone(BEIJING), now.astimezone(BEIJING)
    age = now - dt
    if age < timedelta(minutes=1):
        return "刚刚"
    if age < timedelta(hours=1):
        return f"{int(age.total_seconds() // 60)}分钟前"
    if age < timedelta(hours=24) and dt.date() == now.date():
        return f"{int(age.total_seconds() // 3600)}小时前"
    if dt.date() == (now - timedelta(days=1)).date():
        return f"昨天 {dt:%H:%M}"
    return f"{dt:%m-%d}" if dt.year == now.year else f"{dt:%Y-%m-%d}"


class App(PlatformApp):
    KEY = "weibo"
    CASES = (
        "active",
        "warning",
        "zombie",
        "dormant",
        "pinned_old",
        "pinned_new",
        "relative",
        "no_posts",
        "deleted",
        "banned",
        "private",
        "captcha",
        "login_wall",
        "http432",
        "throttled",
        "empty_body",
        "malformed",
    )

    def account_id_for(self, account: SimAccount, n: int) -> str:
        return str(5_600_000_000 + n * 104_729)

    def profile_url(self, account: SimAccount) -> str:
        return f"https://m.weibo.cn/u/{account.account_id}"

    def handle(self, req: Req) -> Resp:
        if req.path != API_PATH:
            return NOT_FOUND
        if req.headers.get("mweibo-pwa") != "1":
            return Resp(status=432, body="", content_type="text/html")  # not the mobile web app
        account = self.by_id(req.query.get("value", ""))
        containerid = req.query.get("containerid")
        if containerid is None:
            return self._profile(account)
        if account is None or containerid != POSTS_PREFIX + account.account_id:
            return Resp.json(EMPTY)
        return self._posts(account)

    def _profile(self, account: SimAccount | None) -> Resp:
        case = account.case if account else "deleted"
        if account is None or case == "deleted":
            return Resp.json(NOT_EXIST)
        if case == "banned":
            return Resp.json(BANNED)
        if case == "throttled":
            return Resp(status=418, body="", content_type="text/html")
        if case == "login_wall":
            return Resp.json(LOGIN)
        if case == "malformed":
            return Resp(status=200, body='{"ok":1,"data":{"userInfo":{"id":', content_type="application/json")
        uid = account.account_id
        count = 0 if case == "no_posts" else 40 + 37 * len(account.posts) + 120 * (case == "private")
        return Resp.json(
            {
                "ok": 1,
                "data": {
                    "userInfo": {
                        "id": int(uid),
                        "screen_name": account.name,
                        "statuses_count": count,
                        "verified": True,
                        "verified_reason": account.owner,
                        "profile_url": f"https://m.weibo.cn/u/{uid}",
                    },
                    "tabsInfo": {
                        "selectedTab": 1,
                        "tabs": [
                            {
                                "id": 1,
                                "tabKey": "profile",
                                "tab_type": "profile",
                                "containerid": f"230283{uid}",
                            },
                            {
                                "id": 2,
                                "tabKey": "weibo",
                                "tab_type": "weibo",
                                "containerid": POSTS_PREFIX + uid,
                            },
                        ],
                    },
                },
            }
        )

    def _posts(self, account: SimAccount) -> Resp:
        case = account.case
        if case in ("no_posts",):
            return Resp.json(EMPTY)
        if case == "private":
            return Resp.json(LOGIN_ONLY)
        if case == "captcha":
            return Resp.json(CAPTCHA)
        if case == "http432":
            return Resp(status=432, body="", content_type="text/html")
        if case == "empty_body":
            return Resp(status=200, body="", content_type="application/json")
        cards: list[dict[str, object]] = [
            {"card_type": 11, "card_group": [{"card_type": 58, "desc": "全部微博"}]}
        ]
        cards += [self._card(p, case == "relative") for p in account.posts[:10]]
        info = {"containerid": POSTS_PREFIX + account.account_id, "total": len(account.posts), "since_id": 0}
        return Resp.json({"ok": 1, "data": {"cardlistInfo": info, "cards": cards}})

    def _card(self, post: SimPost, use_relative: bool) -> dict[str, object]:
        mblog: dict[str, object] = {
            "id": post.id,
            "mid": post.id,
            "mblogtype": 2 if post.pinned else 0,
            "created_at": relative(post.date, self.as_of) if use_relative else created_at(post.date),
            "text": post.text or post.title,
        }
        if post.pinned:
            mblog["isTop"] = 1
            mblog["title"] = {"text": "置顶", "base_color": 1}
        return {"card_type": 9, "mblog": mblog}
