"""The in-page readers of the signed platforms: what a warm page's answers decide without a profile page.

Douyin's profile-info answer explains an empty post list with the profile page's own wordings and
switches (a closed or banned account's notice, ``secret``, ``aweme_count`` 0) and leaves everything
else to the profile page; Kuaishou's captcha and "too fast" codes are signed answers (the profile
page would capture the same), its unsigned-token code is a refusal.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from crawlers.models import Target
from crawlers.platforms import douyin, kuaishou
from crawlers.platforms.base import Captured, Fetch, Reply

NOW = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
SEC_UID = "MS4wLjABAAAAq3bX0fS1kP9e7Lw2Yc8mTn4VhR6uJx5ZgA0oBd1EiF2"
TARGET = Target(
    id="A1",
    kind="account",
    name="苏州发布",
    owner="苏州市政府",
    region="江苏省苏州市",
    platform="douyin",
    url=f"https://www.douyin.com/user/{SEC_UID}",
)


def info_reply(body: Any, status: int = 200) -> Reply:
    listing = douyin.inpage(TARGET, douyin.PlatformSettings())
    assert listing is not None
    fetch = douyin.inpage_info(listing)
    assert fetch is not None
    assert douyin.INFO_PATH in fetch.url
    assert SEC_UID in fetch.url
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    cap = Captured(url=fetch.url, status=status, text=text)
    return Reply(fetch=fetch, url=str(fetch.data["page_url"]), status=status, captured=[cap])


def user(**fields: Any) -> dict[str, Any]:
    return {
        "status_code": 0,
        "user": {"sec_uid": SEC_UID, "nickname": "苏州发布", "aweme_count": 0, "secret": 0, **fields},
    }


def test_douyin_profile_info_decides_an_empty_list_by_the_profile_pages_own_words():
    cases = {
        "gone": user(nickname="账号已注销"),
        "private": user(secret=1, aweme_count=12),
        "no_posts": user(),
    }
    banned = user(
        special_state_info={"special_state": 1, "title": "账号已被封禁", "content": "该账号已被封禁"}
    )
    cases_read = {
        state: douyin.inpage_info_next(info_reply(body), TARGET, NOW) for state, body in cases.items()
    }
    for state, result in cases_read.items():
        assert result.state == state, result.reason
        assert result.evidence["inpage"] is True
        assert result.evidence["info"] is True
    assert douyin.inpage_info_next(info_reply(banned), TARGET, NOW).state == "gone"
    assert cases_read["no_posts"].posts == []


def test_douyin_profile_info_that_explains_nothing_leaves_the_account_to_its_profile_page():
    look_alikes = [
        user(aweme_count=30),  # works exist, yet the list came back empty: only the page can tell
        {"status_code": 0, "user": None},  # unknown id
        {"status_code": 8, "status_msg": "error"},
        "",  # the unsigned client's empty body
        "blocked",
    ]
    for body in look_alikes:
        assert douyin.inpage_info_next(info_reply(body), TARGET, NOW).state == "unverified", body
    assert douyin.inpage_info_next(info_reply("", status=429), TARGET, NOW).throttled
    refused = Reply(
        fetch=Fetch(url="https://www.douyin.com/x", step="inpage_info"), url="", status=None, error="timeout"
    )
    assert douyin.inpage_info_next(refused, TARGET, NOW).state == "unverified"


def feed_reply(body: dict[str, Any]) -> Reply:
    fetch = Fetch(url=f"https://www.kuaishou.com{kuaishou.FEED_PATH}", step="inpage", method="POST")
    cap = Captured(url=fetch.url, status=200, text=json.dumps(body))
    return Reply(fetch=fetch, url="https://www.kuaishou.com/profile/3xabc", status=200, captured=[cap])


def test_kuaishou_throttle_codes_are_signed_answers_and_the_unsigned_code_a_refusal():
    ks_target = Target(
        id="A2",
        kind="account",
        name="快手政务",
        owner="某市政府",
        region="江苏省",
        platform="kuaishou",
        url="https://www.kuaishou.com/profile/3xabc",
    )
    captcha = kuaishou.inpage_next(
        feed_reply({"result": 2001, "error_msg": "[2001] antispam need captcha"}), ks_target, NOW
    )
    assert captcha.state == "unverified"
    assert captcha.throttled
    assert captcha.evidence["signed"] is True
    fast = kuaishou.inpage_next(feed_reply({"result": 2, "error_msg": None}), ks_target, NOW)
    assert fast.throttled
    assert fast.evidence["signed"] is True
    unsigned = kuaishou.inpage_next(feed_reply({"result": 50, "error_msg": None}), ks_target, NOW)
    assert not unsigned.throttled
    assert unsigned.evidence["signed"] is False
