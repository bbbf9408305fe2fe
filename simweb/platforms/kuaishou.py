"""Simulated Kuaishou (快手): a profile page whose own script signs the feed request.

``POST /rest/v/profile/feed?__NS_hxfalcon=...&caver=2`` answers only when ``__NS_hxfalcon`` is the
signature the page's JavaScript computed (a 32-bit FNV-1a hash of a per-page nonce, also set as
the ``did`` cookie, and the exact JSON body); anything else gets ``{"result":50}`` (unsigned or
expired token), as the real endpoint does, so only a real browser reads these accounts. Signing model ``hook`` (see :mod:`simweb.platforms.signed`):
the page's SDK signs every feed request the page makes. The
``graphql_feed`` case's page reads its works through the older ``POST /graphql``
(``visionProfilePhotoList``) instead: the crawler must recognise that answer by its shape.
"""

from __future__ import annotations

import hashlib
import html
import secrets

from simweb.platforms.base import Req, Resp, SimAccount
from simweb.platforms.signed import SignedPageApp

FEED_PATH = "/rest/v/profile/feed"
GRAPHQL_PATH = "/graphql"  # the older endpoint: visionProfilePhotoList (case graphql_feed)
PROFILE_PREFIX = "/profile/"

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{name}的快手主页 - 快手</title></head>
<body><div class="user-info"><h1>{name}</h1><p>5.6万 粉丝 21 关注 380 作品</p></div>
<div class="works"><ul id="works"></ul></div>
<script>
(function () {{
{script}
}})();
</script></body></html>"""

FIRST = 'document.cookie = "did=web_" + nonce + "; path=/";'
SIGN_URL = """function signUrl(url, body) {
  var u = new URL(url, location.href);
  if (u.pathname !== "%(feed_path)s") { return url; }
  u.searchParams.set("__NS_hxfalcon", sign(nonce + "|" + body));
  u.searchParams.set("caver", "2");
  return u.pathname + "?" + u.searchParams.toString();
}"""
OWN_REQUEST = """var graphql = %(graphql)s;
var body = graphql
  ? JSON.stringify({operationName: "visionProfilePhotoList",
      variables: {userId: "%(principal_id)s", pcursor: "", page: "profile"},
      query: "fragment photoContent on PhotoEntity { id caption timestamp } query visionProfilePhotoList"})
  : JSON.stringify({user_id: "%(principal_id)s", pcursor: "", page: "profile"});
fetch(graphql ? "%(graphql_path)s" : "%(feed_path)s", {
  method: "POST", credentials: "same-origin",
  headers: {"Content-Type": "application/json"}, body: body
}).then(function (r) { return r.text(); })
  .then(function (t) {
    var d; try { d = JSON.parse(t); } catch (e) { return; }
    if (graphql) { d = (d.data || {}).visionProfilePhotoList || {}; }
    if (d.result !== 1) { return; }
    var ul = document.getElementById("works"), list = d.feeds || [];
    list.forEach(function (f) {
      var li = document.createElement("li");
      li.textContent = (f.photo.profileUserTopPhoto ? "置顶 " : "") + f.photo.caption + " " +
        new Date(f.photo.timestamp).toLocaleString("zh-CN");
      ul.appendChild(li);
    });
    if (!list.length) { ul.textContent = "暂无作品"; }
  });"""

MISSING_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>快手</title></head>
<body><div class="empty">用户不存在</div><a href="/">去首页看看</a></body></html>"""


class App(SignedPageApp):
    KEY = "kuaishou"
    PROFILE_PREFIX, LIST_PATH, LIST_METHOD = PROFILE_PREFIX, FEED_PATH, "POST"
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
        "graphql_feed",
    )

    def account_id_for(self, account: SimAccount, n: int) -> str:
        return "3x" + hashlib.sha256(f"kuaishou-{n}".encode()).hexdigest()[:13]

    def profile_url(self, account: SimAccount) -> str:
        return f"https://www.kuaishou.com/profile/{account.account_id}"

    def throttle_answer(self, req: Req) -> Resp:
        """Above the rate limit: this platform's own "too fast" shape."""
        return Resp.json({"result": 2, "error_msg": None})  # result 2: rate limited

    def handle(self, req: Req) -> Resp:
        if req.path == GRAPHQL_PATH and req.method == "POST":  # the older list endpoint beside the feed
            return self._graphql(req)
        return super().handle(req)

    def profile(self, principal_id: str) -> Resp:
        account = self.by_id(principal_id)
        if account is None or account.case == "deleted":
            return Resp.html(MISSING_PAGE)
        nonce = self.issue_nonce()
        return Resp.html(
            PAGE.format(
                name=html.escape(account.name),
                script=self.page_script(
                    nonce,
                    FIRST,
                    SIGN_URL % {"feed_path": FEED_PATH},
                    OWN_REQUEST
                    % {
                        "principal_id": principal_id,
                        "feed_path": FEED_PATH,
                        "graphql_path": GRAPHQL_PATH,
                        "graphql": "true" if account.case == "graphql_feed" else "false",
                    },
                ),
            )
        )

    def _signed(self, req: Req) -> bool:
        did = req.cookies.get("did", "")
        nonce = did.removeprefix("web_")
        body = req.body.decode("utf-8", "replace")
        return self.signature_ok(nonce, body, req.query.get("__NS_hxfalcon"))

    def post_list(self, req: Req) -> Resp:
        if not self._signed(req):
            return Resp.json({"result": 50, "error_msg": None})
        account = self.by_id(str((req.json() or {}).get("user_id", "")))
        if account is None or account.case == "deleted":
            return Resp.json({"result": 21, "error_msg": "参数格式错误"})
        case = account.case
        if case == "captcha":
            return Resp.json(
                {
                    "result": 2001,
                    "error_msg": "[2001] antispam need captcha",
                    "captchaConfig": {"captchaType": 1, "captchaSession": secrets.token_hex(8)},
                }
            )
        if case == "throttled":
            return Resp.json({"result": 2, "error_msg": None})
        if case == "empty_body":
            return Resp(status=200, body="")
        if case == "malformed":
            return Resp(status=200, body='{"result":1,"feeds":[{"photo":{"id":"3xab')
        return Resp.json(
            {"result": 1, "pcursor": "no_more", "hostName": account.name, "feeds": _feeds(account)}
        )

    def _graphql(self, req: Req) -> Resp:
        """The older GraphQL answer: the same list inside ``data.visionProfilePhotoList``."""
        asked = req.json() or {}
        user_id = str((asked.get("variables") or {}).get("userId", ""))
        account = self.by_id(user_id)
        if asked.get("operationName") != "visionProfilePhotoList" or account is None:
            return Resp.json({"errors": [{"message": "bad request"}], "data": None})
        listing = {"result": 1, "pcursor": "no_more", "hostName": account.name, "feeds": _feeds(account)}
        return Resp.json({"data": {"visionProfilePhotoList": listing}})


def _feeds(account: SimAccount) -> list[dict[str, object]]:
    return [
        {
            "type": 1,
            "author": {"id": account.account_id, "name": account.name},
            "photo": {
                "id": "3x" + hashlib.md5(post.id.encode()).hexdigest()[:13],
                "caption": post.title,
                "timestamp": int(post.date.timestamp()) * 1000,
                "profileUserTopPhoto": post.pinned,
            },
        }
        for post in account.posts
    ]
