"""Account name and interaction, as the national indicators state them: the name or verification text names the
registered owner unit (fuzzily, as government accounts are named); comments closed on every recent
post is 未提供有效互动功能, and a platform that does not show it leaves the account unverified on this
rule, never failed."""

from __future__ import annotations

import pytest

from pipelines.judge import judge_account, load_rules
from tests.unit import factories as f

RULES = load_rules()
NAME = "ACCOUNT-REQ-NAME"
NO_INTERACTION = "ACCOUNT-VETO-NO-INTERACTION"


def judged(obs, indicator, **target):
    findings, summary = judge_account(obs, f.account_target(**target), f.AS_OF, RULES)
    return [x for x in findings if x.indicator == indicator], summary


@pytest.mark.parametrize(
    ("name", "owner", "region"),
    [
        ("苏州发布", "苏州市人民政府新闻办公室", "江苏省苏州市"),
        ("吴中发布", "苏州市吴中区人民政府", "江苏省苏州市吴中区"),
        ("苏州市吴中区人民政府", "苏州市吴中区人民政府", "江苏省苏州市吴中区"),
        ("苏州警方", "苏州市公安局", "江苏省苏州市"),
        ("南京发改", "南京市发展和改革委员会", "江苏省南京市"),
        ("江阴", "江阴市人民政府", "江苏省无锡市江阴市"),
    ],
)
def test_names_that_name_their_owner_pass(name, owner, region):
    hits, _ = judged(f.account(name=name), NAME, owner=owner, region=region)
    assert hits == []


@pytest.mark.parametrize(
    ("name", "owner", "region"),
    [
        ("无锡发布", "苏州市人民政府新闻办公室", "江苏省苏州市"),  # another city's place
        ("美食天天见", "苏州市吴中区人民政府", "江苏省苏州市吴中区"),  # no place, no unit
        ("苏州旅游", "苏州市公安局", "江苏省苏州市"),  # the place, not the unit
    ],
)
def test_names_that_do_not_name_their_owner_get_a_notice(name, owner, region):
    (hit,) = judged(f.account(name=name), NAME, owner=owner, region=region)[0]
    assert (hit.severity, hit.status) == ("notice", "open")
    assert hit.message == f"账号名称“{name}”未体现主办单位“{owner}”"


def test_verification_text_naming_the_owner_passes_a_short_name():
    obs = f.account(name="美食天天见", verification="苏州市吴中区人民政府官方账号")
    assert judged(obs, NAME, owner="苏州市吴中区人民政府", region="江苏省苏州市吴中区")[0] == []


def test_account_showing_no_name_is_not_judged_on_its_name():
    assert judged(f.account(name=""), NAME)[0] == []


def test_comments_closed_on_every_recent_post_is_a_veto():
    obs = f.account(post_days=[1, 2, 3, 4], comments_shown=4, comments_closed=4)
    (hit,) = judged(obs, NO_INTERACTION)[0]
    assert (hit.severity, hit.status) == ("veto", "open")
    assert judged(obs, NO_INTERACTION)[1].verdict == "fail"


def test_comments_open_on_one_post_is_enough():
    obs = f.account(post_days=[1, 2, 3, 4], comments_shown=4, comments_closed=3)
    assert judged(obs, NO_INTERACTION)[0] == []


def test_too_few_posts_shown_to_say_comments_are_closed():
    obs = f.account(post_days=[1, 2], comments_shown=2, comments_closed=2)
    assert judged(obs, NO_INTERACTION)[0] == []


def test_platform_showing_no_comment_switch_leaves_the_account_unverified_not_failed():
    obs = f.account(post_days=[1, 2, 3], comments_shown=0)
    (hit,) = judged(obs, NO_INTERACTION)[0]
    assert (hit.status, hit.severity) == ("unverified", "notice")
    assert judged(obs, NO_INTERACTION)[1].verdict == "pass"
