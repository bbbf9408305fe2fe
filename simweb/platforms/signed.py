"""Simulated platforms whose profile page signs its own post-list request (Douyin, Toutiao, Kuaishou).

The real sites compute ``a_bogus`` / ``_signature`` / ``__NS_hxfalcon`` in obfuscated JavaScript, so
only a browser running the page can read an account. The simulation keeps that property with one
small scheme: each profile page carries a fresh nonce (also set as a cookie) and a script that signs
``nonce|payload`` with 32-bit FNV-1a; the server recomputes the signature and knows every nonce it
issued. Each platform keeps its own page, parameter names and refusal answer.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime

from simweb.platforms.base import NOT_FOUND, PlatformApp, Req, Resp, SimAccount

SIGN_JS = (
    "function sign(s){var h=0x811c9dc5;for(var i=0;i<s.length;i++){h^=s.charCodeAt(i);"
    "h=Math.imul(h,0x01000193)>>>0;}return ('0000000'+h.toString(16)).slice(-8);}"
)


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
    ``LIST_PATH`` (with ``LIST_METHOD``) serves :meth:`post_list`; each platform keeps its own page,
    parameters, fields and refusal answers."""

    PROFILE_PREFIX = ""
    LIST_PATH = ""
    LIST_METHOD = "GET"

    def handle(self, req: Req) -> Resp:
        if req.path.startswith(self.PROFILE_PREFIX):
            return self.profile(req.path[len(self.PROFILE_PREFIX) :].strip("/"))
        if req.path == self.LIST_PATH and req.method == self.LIST_METHOD:
            return self.post_list(req)
        return NOT_FOUND

    def profile(self, account_id: str) -> Resp:
        """The profile page: the account's name, a fresh nonce and the script that signs the list request."""
        raise NotImplementedError

    def post_list(self, req: Req) -> Resp:
        """The post list, for a request the page's script signed."""
        raise NotImplementedError

    def __init__(self, accounts: list[SimAccount], as_of: datetime) -> None:
        super().__init__(accounts, as_of)
        self._nonces: set[str] = set()  # issued with a profile page; a signature must use one

    def issue_nonce(self) -> str:
        nonce = secrets.token_hex(8)
        self._nonces.add(nonce)
        return nonce

    def signature_ok(self, nonce: str, payload: str, signature: str | None) -> bool:
        """Whether ``signature`` is the page script's over ``nonce|payload`` with an issued nonce."""
        return nonce in self._nonces and signature == fnv1a(f"{nonce}|{payload}")
