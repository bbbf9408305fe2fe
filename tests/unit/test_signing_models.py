"""The simulated signed platforms' two models (simweb/platforms/signed.py), seen from the server:
a hook page's nonce signs any account's list for its session; a first-request page's nonce signs
once. (Real Chromium runs the pages' scripts in tests/integration/test_warm_pages.py.)"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from simweb.accounts import build_accounts
from simweb.platforms.base import Req
from simweb.platforms.signed import SIGNING_MODELS, SignedPageApp, fnv1a
from tests.platform_world import AS_OF


def toutiao(signing: str) -> SignedPageApp:
    app = build_accounts(AS_OF, platforms=["toutiao"]).apps["toutiao"]
    assert isinstance(app, SignedPageApp)
    app.signing = signing
    return app


def feed(app: SignedPageApp, nonce: str, token: str) -> int:
    """The feed request the page's script would sign for ``token``: its HTTP status."""
    query = urlencode(
        {
            "category": "profile_all",
            "token": token,
            "max_behot_time": "0",
            "entrance_gid": "",
            "aid": "24",
            "app_name": "toutiao_web",
        }
    )
    params = dict(p.split("=", 1) for p in query.split("&"))
    params["_signature"] = fnv1a(f"{nonce}|{query}")
    req = Req("GET", app.LIST_PATH, params, {"cookie": f"__ac_nonce={nonce}"}, b"")
    return app.handle(req).status


def dated(app: SignedPageApp) -> list[str]:
    return [a.account_id for a in app.accounts if a.case in ("active", "warning", "zombie")]


def test_every_signed_platform_names_its_model() -> None:
    for key in ("douyin", "toutiao", "kuaishou"):
        app = build_accounts(AS_OF, platforms=[key]).apps[key]
        assert isinstance(app, SignedPageApp)
        assert app.signing in SIGNING_MODELS


def test_a_hook_page_nonce_signs_other_accounts_lists_for_its_session() -> None:
    app = toutiao("hook")
    nonce = app.issue_nonce()
    assert [feed(app, nonce, token) for token in dated(app)] == [200, 200, 200]


@pytest.mark.parametrize("signing", SIGNING_MODELS)
def test_an_unissued_nonce_signs_nothing(signing: str) -> None:
    app = toutiao(signing)
    assert feed(app, "0123456789abcdef", dated(app)[0]) == 403


def test_a_first_request_page_nonce_signs_once() -> None:
    app = toutiao("first_request")
    nonce = app.issue_nonce()
    first, *others = dated(app)
    assert feed(app, nonce, first) == 200
    assert [feed(app, nonce, token) for token in [first, *others]] == [403, 403, 403]


def test_the_server_counts_each_accounts_profile_pages() -> None:
    app = toutiao("hook")
    token = dated(app)[0]
    app.handle(Req("GET", f"{app.PROFILE_PREFIX}{token}/", {}, {}, b""))
    assert app.profile_pages[token] == 1
    assert app.served["profile"] == 1
