"""Simulated Bilibili: ``/x/web-interface/nav`` (logged-out, code -101 with this world's WBI keys) and
``/x/space/wbi/arc/search`` that checks ``w_rid`` exactly as the real API and answers -352 风控校验失败
on a wrong or missing signature. The signature check is written independently of the crawler's
signer, so a bug in one does not hide in the other.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any
from urllib.parse import quote

from simweb.platforms.base import PlatformApp, Req, Resp, SimAccount

# The documented 64-entry reordering of img_key+sub_key (bilibili wbi.md).
_TABLE = [
    46, 47, 18, 2, 53, 8, 23, 32, 15, 50, 10, 31, 58, 3, 45, 35, 27, 43, 5, 49, 33, 9, 42, 19, 29, 28,
    14, 39, 12, 38, 41, 13, 37, 48, 7, 16, 24, 55, 40, 61, 26, 17, 0, 1, 60, 51, 30, 4, 22, 25, 54, 21,
    56, 59, 6, 63, 57, 62, 11, 36, 20, 34, 44, 52,
]  # fmt: skip

_ANTIBOT = {  # case -> (HTTP status, code, message)
    "http412": (412, -412, "请求被拦截"),
    "throttled": (200, -799, "请求过于频繁，请稍后再试"),
}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


class App(PlatformApp):
    KEY = "bilibili"
    CASES = (
        "active",
        "warning",
        "zombie",
        "dormant",
        "pinned_old",
        "pinned_new",
        "no_posts",
        "deleted",
        "private",
        "http412",
        "throttled",
        "empty_body",
        "malformed",
    )

    def __init__(self, accounts: list[SimAccount], as_of: Any) -> None:
        super().__init__(accounts, as_of)
        # Keys rotate per world (the real ones rotate daily).
        self.img_key = _md5(f"img-{as_of.isoformat()}")
        self.sub_key = _md5(f"sub-{as_of.isoformat()}")
        self.signed_ok = 0  # requests whose signature verified (tests assert signing happened)

    def account_id_for(self, account: SimAccount, n: int) -> str:
        return str(3_493_000_000 + 7_919 * (n + 1))

    def profile_url(self, account: SimAccount) -> str:
        return f"https://space.bilibili.com/{account.account_id}"

    # ------------------------------------------------------------------------------------- routes

    def throttle_answer(self, req: Req) -> Resp:
        """Above the rate limit: this platform's own "too fast" shape."""
        return Resp.json({"code": -799, "message": "请求过于频繁，请稍后再试", "ttl": 1})

    def handle(self, req: Req) -> Resp:
        if req.path == "/x/web-interface/nav":
            return self._nav()
        if req.path == "/x/space/wbi/arc/search":
            return self._arc_search(req)
        if req.path == "/x/space/top/arc":
            return self._top(req)
        return Resp.json({"code": -404, "message": "啥都木有", "ttl": 1}, status=404)

    def _nav(self) -> Resp:
        return Resp.json(
            {
                "code": -101,
                "message": "账号未登录",
                "ttl": 1,
                "data": {
                    "isLogin": False,
                    "wbi_img": {
                        "img_url": f"https://i0.hdslb.com/bfs/wbi/{self.img_key}.png",
                        "sub_url": f"https://i0.hdslb.com/bfs/wbi/{self.sub_key}.png",
                    },
                },
            }
        )

    def _signature_ok(self, query: dict[str, str]) -> bool:
        """Recompute w_rid over every other parameter, as the real API does."""
        given = query.get("w_rid", "")
        if not given or not query.get("wts", "").isdigit():
            return False
        mixin = "".join((self.img_key + self.sub_key)[i] for i in _TABLE)[:32]
        params = sorted(
            (k, "".join(ch for ch in v if ch not in "!'()*")) for k, v in query.items() if k != "w_rid"
        )
        encoded = "&".join(quote(k, safe="") + "=" + quote(v, safe="") for k, v in params)
        return _md5(encoded + mixin) == given

    def _arc_search(self, req: Req) -> Resp:
        if not self._signature_ok(req.query):
            return Resp.json(
                {
                    "code": -352,
                    "message": "风控校验失败",
                    "ttl": 1,
                    "data": {"v_voucher": "voucher_" + _md5(str(time.time()))[:32]},
                }
            )
        self.signed_ok += 1
        account = self.by_id(req.query.get("mid", ""))
        if account is None or account.case == "deleted":
            return Resp.json({"code": -404, "message": "啥都木有", "ttl": 1})
        if account.case == "private":
            return Resp.json({"code": 53013, "message": "用户隐私设置未公开", "ttl": 1, "data": None})
        if account.case in _ANTIBOT:
            status, code, message = _ANTIBOT[account.case]
            return Resp.json({"code": code, "message": message, "ttl": 1}, status=status)
        if account.case == "empty_body":
            return Resp(body="")
        if account.case == "malformed":
            return Resp(body='{"code":0,"message":"0","ttl":1,"data":{"list":{"vlist":[{"aid":1')
        ps = int(req.query.get("ps", "30") or 30)
        videos = sorted(account.posts, key=lambda p: p.date, reverse=True)  # order=pubdate
        vlist = [
            {
                "aid": 1_130_000_000 + i,
                "bvid": f"BV1{post.id}",
                "title": post.title,
                "created": int(post.date.timestamp()),
                "length": "03:12",
                "mid": int(account.account_id),
                "author": account.name,
                "is_self_view": False,
            }
            for i, post in enumerate(videos[:ps])
        ]
        return Resp.json(
            {
                "code": 0,
                "message": "0",
                "ttl": 1,
                "data": {
                    "list": {"tlist": {}, "vlist": vlist},
                    "page": {"pn": 1, "ps": ps, "count": len(videos)},
                    "is_risk": False,
                    "gaia_res_type": 0,
                },
            }
        )

    def _top(self, req: Req) -> Resp:
        """The pinned video, a separate API (53016 没有置顶视频 when there is none)."""
        account = self.by_id(req.query.get("vmid", ""))
        pinned = [p for p in account.posts if p.pinned] if account else []
        if not pinned:
            return Resp.json({"code": 53016, "message": "没有置顶视频", "ttl": 1, "data": None})
        post = pinned[0]
        data = {"bvid": f"BV1{post.id}", "title": post.title, "pubdate": int(post.date.timestamp())}
        return Resp.json({"code": 0, "message": "0", "ttl": 1, "data": data})
