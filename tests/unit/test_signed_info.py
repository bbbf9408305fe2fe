"""Simulated Douyin's profile-info answer: signed like its list, and carrying what its profile page shows."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from simweb.accounts import build_accounts
from simweb.platforms.base import Req
from simweb.platforms.signed import SignedPageApp, fnv1a
from tests.platform_world import AS_OF


def info(app: SignedPageApp, nonce: str, sec_uid: str) -> tuple[int, str]:
    """The profile-info request a hook page would sign for ``sec_uid``: status and body."""
    query = urlencode({"sec_user_id": sec_uid, "msToken": "x1"})
    params = {"sec_user_id": sec_uid, "msToken": "x1", "a_bogus": fnv1a(f"{nonce}|{query}")}
    resp = app.handle(Req("GET", app.INFO_PATH, params, {"cookie": f"__ac_nonce={nonce}"}, b""))
    body = resp.body if isinstance(resp.body, str) else resp.body.decode()
    return resp.status, body


def test_douyin_profile_info_is_signed_and_says_what_the_profile_page_shows() -> None:
    app = build_accounts(AS_OF, platforms=["douyin"]).apps["douyin"]
    assert isinstance(app, SignedPageApp)
    by_case = {a.case: a.account_id for a in app.accounts}
    nonce = app.issue_nonce()
    users = {
        case: json.loads(info(app, nonce, by_case[case])[1])["user"]
        for case in ("active", "banned", "deleted", "private", "no_posts")
    }
    assert users["active"]["aweme_count"] > 0
    assert users["active"]["secret"] == 0
    assert "special_state_info" not in users["active"]
    assert "账号已被封禁" in users["banned"]["special_state_info"]["title"]
    assert users["deleted"]["nickname"] == "账号已注销"
    assert users["private"]["secret"] == 1
    assert users["no_posts"]["aweme_count"] == 0
    assert info(app, "0123456789abcdef", by_case["active"]) == (200, "")  # an unissued nonce: refused
    assert info(app, nonce, by_case["captcha"]) == (200, "")  # a flagged client, as its list
    assert app.served["info"] == 7
