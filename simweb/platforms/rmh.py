"""Simulated 人民号: the author page is a JS app whose own script fetches the post list
(``/Pc/ArticleApi/authorList?author_id=..``) and renders it, so only a real browser sees the posts.
Paths, fields and codes are [unconfirmed] inventions mirrored in the page object. Dates are shown
as "YYYY-MM-DD HH:MM:SS", or relative ("5小时前", "昨天 07:00", "3天前") for the relative case.
"""

from __future__ import annotations

from simweb.platforms.base import NOT_FOUND, PlatformApp, Req, Resp, SimAccount, SimPost

_APP_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>人民号</title></head>
<body><div id="app"><h1 class="author-name"></h1><ul class="article-list"></ul>
<p class="status">加载中</p></div>
<script>
(function () {
  var id = new URLSearchParams(location.search).get("author_id") || "";
  var status = document.querySelector(".status");
  function say(text) { status.textContent = text; }
  fetch("/Pc/ArticleApi/authorList?author_id=" + encodeURIComponent(id) + "&page=1&page_size=20",
        {headers: {"X-Requested-With": "XMLHttpRequest"}})
    .then(function (r) { return r.text(); })
    .then(function (text) {
      var j;
      try { j = JSON.parse(text); } catch (e) { say("加载失败，请稍后重试"); return; }
      if (j.code !== 200) { say(j.msg || "加载失败，请稍后重试"); return; }
      document.querySelector(".author-name").textContent = j.data.author.name;
      var ul = document.querySelector(".article-list");
      j.data.list.forEach(function (item) {
        var li = document.createElement("li");
        if (item.is_top === 1) {
          var tag = document.createElement("span"); tag.className = "tag"; tag.textContent = "置顶 ";
          li.appendChild(tag);
        }
        var a = document.createElement("a");
        a.href = "/Pc/ArtInfoApi/article?id=" + item.id; a.textContent = item.title + " ";
        var time = document.createElement("span"); time.className = "time"; time.textContent = item.publish_time;
        li.appendChild(a); li.appendChild(time); ul.appendChild(li);
      });
      say(j.data.list.length ? "" : "暂无内容");
    })
    .catch(function () { say("加载失败，请稍后重试"); });
})();
</script></body></html>"""

_CAPTCHA_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title></head>'
    '<body><div class="verify"><p>请完成安全验证后继续访问</p><div id="slider"></div></div></body></html>'
)


class App(PlatformApp):
    KEY = "rmh"
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
        "captcha",
        "throttled",
        "empty_body",
        "malformed",
    )

    def account_id_for(self, account: SimAccount, n: int) -> str:
        return str(10_380_000 + 211 * n)

    def profile_url(self, account: SimAccount) -> str:
        return f"https://rmh.pdnews.cn/Pc/Author/index?author_id={account.account_id}"

    def handle(self, req: Req) -> Resp:
        if req.path == "/Pc/Author/index":
            account = self.by_id(req.query.get("author_id", ""))
            if account is not None and account.case == "captcha":
                return Resp.html(_CAPTCHA_PAGE)
            return Resp.html(_APP_PAGE)  # a JS app: unknown authors learn it from the list call
        if req.path == "/Pc/ArticleApi/authorList":
            return self._list(req)
        return NOT_FOUND

    def _shown(self, post: SimPost, relative: bool) -> str:
        if not relative:
            return post.date.strftime("%Y-%m-%d %H:%M:%S")
        age = self.as_of - post.date
        if post.date.date() == self.as_of.date():
            hours = int(age.total_seconds() // 3600)
            return f"{hours}小时前" if hours else f"{int(age.total_seconds() // 60)}分钟前"
        if (self.as_of.date() - post.date.date()).days == 1:
            return f"昨天 {post.date:%H:%M}"
        return f"{age.days}天前"

    def _list(self, req: Req) -> Resp:
        account = self.by_id(req.query.get("author_id", ""))
        if account is None or account.case == "deleted":
            return Resp.json({"code": 4004, "msg": "作者不存在", "data": None})
        if account.case == "banned":
            return Resp.json({"code": 4005, "msg": "该账号已被封禁", "data": None})
        if account.case == "captcha":  # a flagged client: the list refuses as the page does
            return Resp.json({"code": 403, "msg": "请完成安全验证后继续访问", "data": None}, status=403)
        if account.case == "throttled":
            return Resp.json({"code": 429, "msg": "请求过于频繁", "data": None}, status=429)
        if account.case == "empty_body":
            return Resp(body="")
        if account.case == "malformed":
            return Resp(body='{"code":200,"msg":"success","data":{"list":[{"id":"1')
        size = int(req.query.get("page_size", "20") or 20)
        items = [
            {
                "id": f"{30_000_000 + i}{account.account_id[-3:]}",
                "title": post.title,
                "publish_time": self._shown(post, account.case == "relative"),
                "is_top": 1 if post.pinned else 0,
                "gov_name": account.name,
            }
            for i, post in enumerate(account.posts[:size])
        ]
        author = {"id": int(account.account_id), "name": account.name, "desc": account.owner}
        data = {"author": author, "list": items, "total": len(account.posts), "page": 1}
        return Resp.json({"code": 200, "msg": "success", "data": data})
