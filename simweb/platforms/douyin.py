"""Simulated Douyin: a profile page whose own script signs the post-list request.

Like the real site, ``/aweme/v1/web/aweme/post/`` answers only a request carrying a signature the
page's JavaScript computes (here ``a_bogus`` = a 32-bit FNV-1a hash of a per-page nonce and the
exact query, the nonce also set as the ``__ac_nonce`` cookie); anything else gets the empty 200
body Douyin gives unsigned clients. So only a real browser reads these accounts, as in production.
Signing model ``hook`` (see :mod:`simweb.platforms.signed`): the page's SDK signs every list request
the page makes, for as long as its nonce lives, and its profile-info request
(``/aweme/v1/web/user/profile/other/``) the same way. That answer carries what the profile page's
header shows: the nickname (``账号已注销`` for a closed account), the works count, the private switch
(``secret``) and a banned account's notice (``special_state_info``) [field names unconfirmed].
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from simweb.platforms.base import Req, Resp, SimAccount
from simweb.platforms.signed import SignedPageApp, item_id, sec_uid

POSTS_PATH = "/aweme/v1/web/aweme/post/"
INFO_PATH = "/aweme/v1/web/user/profile/other/"
PROFILE_PREFIX = "/user/"

NOTICES = {  # the profile header wording per case (what the real page shows)
    "banned": "账号已被封禁 由于违反《抖音社区自律公约》的相关规定，该账号已被封禁",
    "deleted": "该账号已注销",
    "private": "这是私密账号 关注后才能查看TA的作品",
    "login_wall": "登录后查看更多作品",
}

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{name}的抖音 - 抖音</title></head>
<body><div id="user"><h1>{name}</h1><p id="notice">{notice}</p><p>关注 12 粉丝 3.4万 获赞 20.1万</p></div>
<h2>作品</h2><ul id="posts"></ul>
<script>
(function () {{
{script}
}})();
</script></body></html>"""

FIRST = """document.cookie = "__ac_nonce=" + nonce + "; path=/";
var ms = Math.random().toString(36).slice(2);
localStorage.setItem("xmst", ms);"""
SIGN_URL = """function signUrl(url, body) {
  var u = new URL(url, location.href);
  u.searchParams.delete("a_bogus");
  if (!u.searchParams.get("msToken")) { u.searchParams.set("msToken", localStorage.getItem("xmst") || ms); }
  var q = u.searchParams.toString();
  return u.pathname + "?" + q + "&a_bogus=" + sign(nonce + "|" + q);
}"""
OWN_REQUEST = """var q = "device_platform=webapp&aid=6383&channel=channel_pc_web&sec_user_id=%(sec_uid)s" +
  "&max_cursor=0&locate_query=false&count=18&publish_video_strategy_type=2&pc_client_type=1" +
  "&version_code=170400&cookie_enabled=true";
fetch("%(posts_path)s?" + q, {credentials: "same-origin"})
  .then(function (r) { return r.text(); })
  .then(function (t) {
    var d; try { d = JSON.parse(t); } catch (e) { return; }
    var ul = document.getElementById("posts"), list = d.aweme_list || [];
    list.forEach(function (a) {
      var li = document.createElement("li");
      li.textContent = (a.is_top ? "置顶 " : "") + a.desc + " " +
        new Date(a.create_time * 1000).toLocaleString("zh-CN");
      ul.appendChild(li);
    });
    if (d.aweme_list && !list.length && !document.getElementById("notice").textContent) {
      ul.textContent = "暂无内容 该账号还未发布过作品哦～";
    }
  });"""

CAPTCHA_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>验证码中间页</title></head>
<body><div id="captcha">请完成下列验证后继续</div></body></html>"""


class App(SignedPageApp):
    KEY = "douyin"
    PROFILE_PREFIX, LIST_PATH, INFO_PATH = PROFILE_PREFIX, POSTS_PATH, INFO_PATH
    CASES = (
        "active",
        "warning",
        "zombie",
        "dormant",
        "pinned_old",
        "pinned_new",
        "no_posts",
        "deleted",
        "banned",
        "private",
        "captcha",
        "login_wall",
        "throttled",
        "empty_body",
        "malformed",
        "name_mismatch",
        "comments_closed",
    )

    def account_id_for(self, account: SimAccount, n: int) -> str:
        return sec_uid(self.KEY, n)

    def profile_url(self, account: SimAccount) -> str:
        return f"https://www.douyin.com/user/{account.account_id}"

    def profile(self, sec_uid: str) -> Resp:
        account = self.by_id(sec_uid)
        if account is not None and account.case == "captcha":
            return Resp.html(CAPTCHA_PAGE)
        nonce = self.issue_nonce()
        if account is None:
            name, notice = "抖音用户", "用户不存在"
        else:
            name = "账号已注销" if account.case == "deleted" else account.name
            notice = NOTICES.get(account.case, "")
        return Resp.html(
            PAGE.format(
                name=html.escape(name),
                notice=notice,
                script=self.page_script(
                    nonce, FIRST, SIGN_URL, OWN_REQUEST % {"sec_uid": sec_uid, "posts_path": POSTS_PATH}
                ),
            )
        )

    def _signed(self, req: Req) -> bool:
        nonce = req.cookies.get("__ac_nonce", "")
        query = urlencode({k: v for k, v in req.query.items() if k != "a_bogus"})
        return bool(req.query.get("msToken")) and self.signature_ok(nonce, query, req.query.get("a_bogus"))

    def post_list(self, req: Req) -> Resp:
        account = self.by_id(req.query.get("sec_user_id", ""))
        if not self._signed(req) or (account is not None and account.case == "captcha"):
            return Resp(status=200, body="")  # what Douyin gives an unsigned (or flagged) client
        empty = {"status_code": 0, "has_more": 0, "max_cursor": 0, "aweme_list": []}
        if account is None:
            return Resp.json(empty)
        case = account.case
        if case == "throttled":
            return Resp(status=429, body="")
        if case == "empty_body":
            return Resp(status=200, body="")
        if case == "malformed":
            return Resp(status=200, body="blocked", content_type="text/plain")
        if case == "login_wall":
            return Resp.json({"status_code": 0, "status_msg": "", "log_pb": {"impr_id": "20240101"}})
        if case in ("banned", "deleted", "private", "no_posts"):
            return Resp.json(empty)
        items = [
            {
                "aweme_id": item_id(p.id),
                "desc": p.title,
                "create_time": int(p.date.timestamp()),
                "is_top": 1 if p.pinned else 0,
                "aweme_control": {"can_forward": True, "can_share": True, "can_comment": p.comments_open},
                "author": {
                    "sec_uid": account.account_id,
                    "nickname": account.name,
                    "custom_verify": account.owner if account.verification is None else account.verification,
                },
            }
            for p in account.posts
        ]
        cursor = int(account.posts[-1].date.timestamp()) * 1000 if account.posts else 0
        return Resp.json({"status_code": 0, "has_more": 0, "max_cursor": cursor, "aweme_list": items})

    def profile_info(self, req: Req) -> Resp:
        """The profile header as JSON: what the profile page shows above its works."""
        account = self.by_id(req.query.get("sec_user_id", ""))
        if not self._signed(req) or (account is not None and account.case == "captcha"):
            return Resp(status=200, body="")  # unsigned or flagged: the list's refusal
        if account is None:
            return Resp.json({"status_code": 0, "user": None})
        case = account.case
        if case == "throttled":
            return Resp(status=429, body="")
        user: dict[str, object] = {
            "sec_uid": account.account_id,
            "nickname": "账号已注销" if case == "deleted" else account.name,
            "aweme_count": 0 if case in ("no_posts", "deleted", "banned") else len(account.posts),
            "secret": 1 if case == "private" else 0,
            "custom_verify": account.owner if account.verification is None else account.verification,
        }
        if case == "banned":
            user["special_state_info"] = {
                "special_state": 1,
                "title": "账号已被封禁",
                "content": NOTICES[case],
            }
        return Resp.json({"status_code": 0, "user": user})
