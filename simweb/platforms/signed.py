"""Simulated platforms whose profile page signs its own post-list request (Douyin, Toutiao, Kuaishou).

The real sites compute ``a_bogus`` / ``_signature`` / ``__NS_hxfalcon`` in obfuscated JavaScript, so
only a browser running the page can read an account. The simulation keeps that property with one
small scheme: each profile page carries a fresh nonce (also set as a cookie) and a script that signs
``nonce|payload`` with 32-bit FNV-1a; the server recomputes the signature and knows every nonce it
issued. Each platform keeps its own page, parameter names and refusal answer.

Two signing models, a per-app choice (``signing``, a class default an instance may override):

- ``hook``: the page's script wraps ``window.fetch`` and ``XMLHttpRequest`` so every request the page
  makes to the list endpoint is signed with the page's nonce, as the platforms' SDKs do (Douyin's and
  Kuaishou's web SDKs add ``a_bogus`` / ``__NS_hxfalcon`` in such hooks); the nonce stays valid for
  ``SESSION_S`` seconds, for any account's list (session-like).
- ``first_request``: the page signs only its own first request (no hook) and the nonce is single-use,
  so a second request from the same page, for any account, gets the platform's refusal answer (the
  simulated Toutiao, whose older ``_signature`` was computed by an explicit call).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections import Counter
from datetime import datetime

from simweb.platforms.base import NOT_FOUND, PlatformApp, Req, Resp, SimAccount

SIGN_JS = (
    "function sign(s){var h=0x811c9dc5;for(var i=0;i<s.length;i++){h^=s.charCodeAt(i);"
    "h=Math.imul(h,0x01000193)>>>0;}return ('0000000'+h.toString(16)).slice(-8);}"
)
SESSION_S = 1800.0  # how long a hook page's nonce signs requests (the real tokens last about as long)
SIGNING_MODELS = ("hook", "first_request")

# The SDK-style hook: every fetch/XHR to one of ``paths`` goes out with ``signUrl(url, body)``'s URL.
HOOK_JS = """
function installHook(paths, signUrl) {
  function mine(u) { try { return paths.indexOf(new URL(u, location.href).pathname) >= 0; } catch (e) { return false; } }
  var origFetch = window.fetch;
  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : input.url;
    if (!mine(url)) { return origFetch.call(window, input, init); }
    return origFetch.call(window, signUrl(url, (init && init.body) || ""), init);
  };
  var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
  var setHeader = XMLHttpRequest.prototype.setRequestHeader;
  XMLHttpRequest.prototype.open = function (m, u) {
    this._gp = {args: [].slice.call(arguments), headers: []};
    if (!mine(u)) { return open.apply(this, arguments); }
  };
  XMLHttpRequest.prototype.setRequestHeader = function (k, v) {
    if (this._gp && mine(this._gp.args[1])) { this._gp.headers.push([k, v]); return; }
    return setHeader.call(this, k, v);
  };
  XMLHttpRequest.prototype.send = function (body) {
    var gp = this._gp;
    if (gp && mine(gp.args[1])) {
      gp.args[1] = signUrl(gp.args[1], body || "");
      open.apply(this, gp.args);
      for (var i = 0; i < gp.headers.length; i++) { setHeader.call(this, gp.headers[i][0], gp.headers[i][1]); }
    }
    return send.call(this, body);
  };
}
"""


def fnv1a(text: str) -> str:
    """The page script's signature, recomputed server-side (ASCII input, as queries and bodies are)."""
    h = 0x811C9DC5
    for ch in text:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


def sec_uid(key: str, n: int) -> str:
    """A ByteDance-style ``MS4wLjABAAAA...`` user id, stable per platform and account number."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(f"{key}-{n}".encode()).digest())
    return "MS4wLjABAAAA" + digest.decode().rstrip("=")[:43]


def item_id(post_id: str) -> str:
    """A ByteDance-style 19-digit item id (``74...``) for a simulated post."""
    return "74" + f"{int(hashlib.md5(post_id.encode()).hexdigest()[:13], 16):017d}"


class SignedPageApp(PlatformApp):
    """A platform app that issues a nonce with every profile page and accepts only signatures made
    with one of them. The routes are shared: ``PROFILE_PREFIX`` + account id serves :meth:`profile`,
    ``LIST_PATH`` (with ``LIST_METHOD``) serves :meth:`post_list`, ``INFO_PATH`` (when set: the
    profile-info API, signed like the list) serves :meth:`profile_info`; each platform keeps its own
    page, parameters, fields and refusal answers."""

    PROFILE_PREFIX = ""
    LIST_PATH = ""
    LIST_METHOD = "GET"
    INFO_PATH = ""  # the profile-info endpoint the page's SDK also signs ('' when not simulated)
    SIGNING = "hook"  # the platform's model (module docstring); ``signing`` may differ per instance

    def handle(self, req: Req) -> Resp:
        if req.path.startswith(self.PROFILE_PREFIX):
            account_id = req.path[len(self.PROFILE_PREFIX) :].strip("/")
            self.count("profile", account_id)
            return self.profile(account_id)
        if req.path == self.LIST_PATH and req.method == self.LIST_METHOD:
            self.count("list")
            return self.post_list(req)
        if self.INFO_PATH and req.path == self.INFO_PATH:
            self.count("info")
            return self.profile_info(req)
        return NOT_FOUND

    def count(self, what: str, account_id: str = "") -> None:
        with self._served_lock:
            self.served[what] += 1
            if account_id:
                self.profile_pages[account_id] += 1

    def page_script(self, nonce: str, first: str, sign_url: str, own_request: str) -> str:
        """The profile page's signing script in this app's model: ``sign_url`` defines
        ``signUrl(url, body)`` (with ``nonce`` in scope); ``own_request`` is the page's own list
        request, a JS expression using ``fetch``; ``first`` runs before it (cookies, tokens)."""
        if self.signing == "hook":
            paths = [p for p in (self.LIST_PATH, self.INFO_PATH) if p]
            hook = f"{HOOK_JS}\ninstallHook({paths!r}, signUrl);"
        else:  # first_request: the page signs its own request explicitly, nothing else
            hook = 'var plain = window.fetch; var fetch = function (u, init) { return plain(signUrl(u, (init && init.body) || ""), init); };'
        return f"{SIGN_JS}\nvar nonce = {nonce!r};\n{first}\n{sign_url}\n{hook}\n{own_request}"

    def profile(self, account_id: str) -> Resp:
        """The profile page: the account's name, a fresh nonce and the script that signs the list request."""
        raise NotImplementedError

    def post_list(self, req: Req) -> Resp:
        """The post list, for a request the page's script signed."""
        raise NotImplementedError

    def profile_info(self, req: Req) -> Resp:
        """The profile-info answer (``INFO_PATH``), for a request the page's hook signed."""
        return NOT_FOUND

    def __init__(self, accounts: list[SimAccount], as_of: datetime) -> None:
        super().__init__(accounts, as_of)
        self.signing = self.SIGNING
        self._nonces: dict[str, float] = {}  # issued with a profile page (monotonic time); signatures use one
        self._nonce_lock = threading.Lock()
        self._served_lock = threading.Lock()
        self.served: Counter[str] = Counter()  # "profile" pages, "list" and "info" answers served
        self.profile_pages: Counter[str] = Counter()  # profile pages served, per account id

    def issue_nonce(self) -> str:
        nonce = secrets.token_hex(8)
        with self._nonce_lock:
            self._nonces[nonce] = time.monotonic()
        return nonce

    def signature_ok(self, nonce: str, payload: str, signature: str | None) -> bool:
        """Whether ``signature`` is the page script's over ``nonce|payload`` with a live nonce: a hook
        page's for ``SESSION_S``, a first-request page's once."""
        if signature != fnv1a(f"{nonce}|{payload}"):
            return False
        with self._nonce_lock:
            issued = self._nonces.get(nonce)
            if issued is None:
                return False
            if self.signing != "hook":
                del self._nonces[nonce]  # single-use
                return True
            return time.monotonic() - issued <= SESSION_S
