"""Simulated Toutiao (今日头条): a profile page whose own script signs the feed request.

``/api/pc/list/feed`` answers only a request whose ``_signature`` the page's JavaScript computed
(a 32-bit FNV-1a hash of a per-page nonce, also set as the ``__ac_nonce`` cookie, and the exact
query); anything else gets HTTP 403, so only a real browser reads these accounts. Signing model
``first_request`` (see :mod:`simweb.platforms.signed`): the page signs its own request only.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from simweb.platforms.base import Req, Resp, SimAccount
from simweb.platforms.signed import SignedPageApp, item_id, sec_uid

FEED_PATH = "/api/pc/list/feed"
PROFILE_PREFIX = "/c/user/token/"
CELL_TYPES = (60, 32, 0)  # article, 微头条, video: the feed mixes them

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{name}的主页 - 今日头条</title></head>
<body><div class="profile"><h1>{name}</h1><p>1.2万 获赞 3.4万 粉丝 8 关注</p></div>
<div class="feed"><ul id="feed"></ul></div>
<script>
(function () {{
{script}
}})();
</script></body></html>"""

FIRST = 'document.cookie = "__ac_nonce=" + nonce + "; path=/";'
SIGN_URL = """function signUrl(url, body) {
  var u = new URL(url, location.href);
  u.searchParams.delete("_signature");
  var q = u.searchParams.toString();
  return u.pathname + "?" + q + "&_signature=" + sign(nonce + "|" + q);
}"""
OWN_REQUEST = """var q = "category=profile_all&token=%(token)s&max_behot_time=0&entrance_gid=&aid=24&app_name=toutiao_web";
fetch("%(feed_path)s?" + q, {credentials: "same-origin"})
  .then(function (r) { return r.text(); })
  .then(function (t) {
    var d; try { d = JSON.parse(t); } catch (e) { return; }
    var ul = document.getElementById("feed"), list = d.data || [];
    list.forEach(function (a) {
      var li = document.createElement("li");
      li.textContent = (a.title || a.content || "") + " " +
        new Date(a.publish_time * 1000).toLocaleString("zh-CN");
      ul.appendChild(li);
    });
    if (d.data && !list.length) { ul.textContent = "暂无内容"; }
  });"""

MISSING_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>今日头条</title></head>
<body><div class="error">你访问的用户不存在</div><a href="/">返回首页</a></body></html>"""

CAPTCHA_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>今日头条</title></head>
<body><div class="captcha">请完成安全验证</div><div>拖动滑块完成拼图</div></body></html>"""


class App(SignedPageApp):
    KEY = "toutiao"
    PROFILE_PREFIX, LIST_PATH = PROFILE_PREFIX, FEED_PATH
    SIGNING = "first_request"  # the older explicit _signature call: no hook on fetch
    CASES = (
        "active",
        "warning",
        "zombie",
        "dormant",
        "pinned_old",
        "pinned_new",
        "no_posts",
        "deleted",
        "captcha",
        "throttled",
        "empty_body",
        "malformed",
        "comments_closed",
    )

    def account_id_for(self, account: SimAccount, n: int) -> str:
        return sec_uid(self.KEY, n)

    def profile_url(self, account: SimAccount) -> str:
        return f"https://www.toutiao.com/c/user/token/{account.account_id}/"

    def profile(self, token: str) -> Resp:
        account = self.by_id(token)
        if account is None or account.case == "deleted":
            return Resp.html(MISSING_PAGE)
        if account.case == "captcha":
            return Resp.html(CAPTCHA_PAGE)
        nonce = self.issue_nonce()
        return Resp.html(
            PAGE.format(
                name=html.escape(account.name),
                script=self.page_script(
                    nonce, FIRST, SIGN_URL, OWN_REQUEST % {"token": token, "feed_path": FEED_PATH}
                ),
            )
        )

    def _signed(self, req: Req) -> bool:
        nonce = req.cookies.get("__ac_nonce", "")
        query = urlencode({k: v for k, v in req.query.items() if k != "_signature"})
        return self.signature_ok(nonce, query, req.query.get("_signature"))

    def post_list(self, req: Req) -> Resp:
        account = self.by_id(req.query.get("token", ""))
        if not self._signed(req) or (account is not None and account.case == "captcha"):
            return Resp(status=403, body="", content_type="text/plain")  # unsigned or flagged client
        if account is None or account.case == "deleted":
            return Resp.json({"has_more": False, "message": "error", "data": None})
        case = account.case
        if case == "throttled":
            return Resp(status=429, body="", content_type="text/plain")
        if case == "empty_body":
            return Resp(status=200, body="")
        if case == "malformed":
            return Resp(status=200, body='{"has_more":true,"data":[{"id":"74190000')
        items = []
        for n, post in enumerate(account.posts):
            ident = item_id(post.id)
            cell = CELL_TYPES[n % len(CELL_TYPES)]
            ts = int(post.date.timestamp())
            item = {"id": ident, "group_id": ident, "cell_type": cell, "publish_time": ts}
            item["behot_time"] = ts
            item["ban_comment"] = 0 if post.comments_open else 1
            item["content" if cell == 32 else "title"] = post.title
            items.append(item)
        return Resp.json(
            {"has_more": False, "message": "success", "data": items, "next": {"max_behot_time": 0}}
        )
