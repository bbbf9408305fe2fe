"""The account judge as the national indicators state it: no update in 14 days (7 warns), dormant over a year,
gone, never a zombie when we could not look, local frequency policies, one account per platform."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from crawlers.thresholds import DEFAULT_FILE
from pipelines.judge import judge_account, judge_registry, load_rules
from tests.unit import factories as f

RULES = load_rules()
NO_UPDATE = "ACCOUNT-VETO-NO-UPDATE"
GONE = "ACCOUNT-GONE"
FREQ = "ACCOUNT-FREQ-LOW"
ONE_PER = "ACCOUNT-REQ-ONE-PER-PLATFORM"
# f.AS_OF is Sunday 2024-09-22 10:00; the week before it runs Sunday 15th .. Saturday 21st.
WORKDAYS_AGO = {"mon": 6, "tue": 5, "wed": 4, "thu": 3, "fri": 2}  # days before AS_OF, at 10:00


def judge(obs, target=None, as_of=f.AS_OF, rules=RULES):
    return judge_account(obs, target or f.account_target(), as_of, rules)


def only(findings, indicator):
    return [x for x in findings if x.indicator == indicator]


def override(tmp_path, text):
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    return load_rules(path)


def test_fresh_account_passes_and_its_summary_names_the_newest_post():
    findings, summary = judge(f.account(1.0))
    assert findings == []
    assert (summary.kind, summary.verdict, summary.state, summary.score) == (
        "account",
        "pass",
        "latest",
        None,
    )
    assert summary.latest_update == f.AS_OF - timedelta(days=1)
    assert (
        summary.latest_update_source
        == "weibo post 4700000000000003 (created_at 'Sat Sep 21 10:00:00 +0800 2024')"
    )
    assert (summary.platform, summary.name, summary.owner, summary.region, summary.url) == (
        "weibo",
        "某某发布",
        "某某市人民政府新闻办公室",
        "某某省某某市",
        f.PROFILE,
    )
    assert summary.as_of == f.AS_OF


@pytest.mark.parametrize(
    ("idle", "expected", "dormant"),
    [
        (6.99, None, False),
        (7.0, ("notice", "warning"), False),
        (13.99, ("notice", "warning"), False),
        (14.0, ("veto", "violation"), False),
        (14.01, ("veto", "violation"), False),
        (365.0, ("veto", "violation"), False),
        (365.01, ("veto", "violation"), True),
    ],
)
def test_no_update_at_and_around_the_warning_veto_and_dormant_lines(idle, expected, dormant):
    findings, summary = judge(f.account(idle))
    hits = only(findings, NO_UPDATE)
    if expected is None:
        assert hits == []
        assert summary.verdict == "pass"
        return
    (hit,) = hits
    assert (hit.severity, hit.level, hit.status) == (*expected, "open")
    assert (hit.kind, hit.platform, hit.subject_url) == ("account", "weibo", f.PROFILE)
    assert hit.evidence["idle_days"] == round(idle, 2)
    assert hit.evidence["dormant"] is dormant
    assert ("长期不更新（僵尸账号）" in hit.message) is dormant
    assert summary.verdict == ("fail" if expected[0] == "veto" else "pass")
    assert summary.findings == (1 if expected[1] == "violation" else 0)


def test_idle_account_message_and_evidence_show_the_post_and_its_raw_date():
    findings, _ = judge(f.account(21.0))
    (hit,) = findings
    assert hit.message == "账号最新发布于2024-09-01，已21天未更新"
    ev = hit.evidence
    assert ev["latest"] == "2024-09-01T10:00:00+08:00"
    assert ev["latest_raw"] == "Sun Sep 01 10:00:00 +0800 2024"
    assert ev["post_id"] == "4700000000000003"
    assert ev["post_url"] == "https://m.weibo.cn/detail/4700000000000003"
    assert ev["pinned"] is False
    assert (ev["platform"], ev["profile_url"], ev["idle_days"]) == ("weibo", f.PROFILE, 21.0)


def test_warning_message_is_marked_as_a_warning():
    (hit,) = judge(f.account(8.0))[0]
    assert hit.message == "预警：账号最新发布于2024-09-14，已8天未更新"


def test_dormant_account_is_named_a_zombie():
    (hit,) = judge(f.account(400.0))[0]
    assert hit.message == "账号最新发布于2023-08-19，已400天未更新，长期不更新（僵尸账号）"
    assert hit.evidence["dormant"] is True


def test_an_old_pinned_post_on_top_does_not_make_a_zombie():
    """The page object took max(date) over the first page: obs.latest is the fresh post."""
    findings, summary = judge(f.account(post_days=[500.0, 1.0, 3.0, 5.0]))
    assert findings == []
    assert summary.latest_update == f.AS_OF - timedelta(days=1)


def test_a_pinned_newest_post_counts_by_its_own_date_and_is_flagged():
    findings, summary = judge(f.account(20.0, pinned=True))
    (hit,) = findings
    assert hit.evidence["pinned"] is True
    assert summary.latest_update_source.startswith("weibo post 4700000000000003 pinned (created_at ")


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("captcha", "遇到验证码"),
        ("anti-bot page (验证码)", "遇到验证码"),
        ("login wall (redirect)", "遇到登录墙"),
        ("HTTP 412", "平台返回HTTP 412（疑似反爬拦截）"),
        ("HTTP 432", "平台返回HTTP 432（疑似反爬拦截）"),
        ("throttled", "访问过于频繁被限流"),
        ("network: timeout", "网络访问失败"),
        ("empty body", "平台返回空内容"),
        ("malformed JSON", "平台返回内容无法解析"),
        ("no public list", "该平台无公开发布列表（需提供合集链接或后台授权）"),
    ],
)
def test_an_account_we_could_not_look_at_is_unverified_never_a_zombie(reason, words):
    findings, summary = judge(f.account(None, "unverified", reason=reason))
    (hit,) = findings
    assert (hit.indicator, hit.status, hit.severity) == (NO_UPDATE, "unverified", "veto")
    assert hit.evidence["reason"] == reason
    assert hit.message == f"未能核实：{words}，无法判断更新情况"
    assert (summary.verdict, summary.state, summary.findings) == ("unverified", "unverified", 0)
    assert summary.unverified_reasons == [f"{NO_UPDATE}: {reason}"]
    assert summary.latest_update is None
    assert summary.latest_update_source is None


def test_an_account_the_sweep_never_reached_is_unverified():
    findings, summary = judge(None)
    (hit,) = findings
    assert (hit.status, hit.evidence["reason"]) == ("unverified", "not checked")
    assert hit.message == "未能核实：本次巡查未检查到该账号（巡查中断），无法判断更新情况"
    assert (summary.verdict, summary.state, summary.platform) == ("unverified", "unverified", "weibo")


def test_a_private_account_is_unverified_with_reason_private():
    findings, summary = judge(f.account(None, "private", reason="posts hidden by owner"))
    (hit,) = findings
    assert (hit.indicator, hit.status, hit.evidence["reason"]) == (NO_UPDATE, "unverified", "private")
    assert hit.message == "未能核实：账号内容设为不公开，无法判断更新情况"
    assert (summary.verdict, summary.state) == ("unverified", "private")


def test_a_gone_account_fails_on_account_gone_with_the_reason():
    findings, summary = judge(f.account(None, "gone", reason="已注销"))
    (hit,) = findings
    assert (hit.indicator, hit.severity, hit.level, hit.status) == (GONE, "veto", "violation", "open")
    assert hit.message == "账号已注销或被封禁（已注销）"
    assert hit.evidence["reason"] == "已注销"
    assert (summary.verdict, summary.state, summary.findings) == ("fail", "gone", 1)


def test_an_account_that_never_posted_is_flagged_for_review_not_vetoed():
    """Only a dated latest older than the threshold makes a zombie."""
    findings, summary = judge(f.account(None, "no_posts"))
    (hit,) = findings
    assert (hit.indicator, hit.severity, hit.level, hit.status) == (NO_UPDATE, "notice", "warning", "open")
    assert hit.evidence["no_posts"] is True
    assert hit.evidence["latest"] is None
    assert "从未发布" in hit.message
    assert (summary.verdict, summary.state) == ("pass", "no_posts")


def test_an_office_can_count_never_posting_as_the_veto(tmp_path):
    rules = override(tmp_path, '["ACCOUNT-VETO-NO-UPDATE"]\nno_posts_veto = true\n')
    findings, summary = judge(f.account(None, "no_posts"), rules=rules)
    (hit,) = findings
    assert (hit.indicator, hit.severity, hit.level, hit.status) == (NO_UPDATE, "veto", "violation", "open")
    assert (summary.verdict, summary.state) == ("fail", "no_posts")


# ------------------------------------------------------------------------ frequency policies

WORKING_DAY = """
[["ACCOUNT-FREQ-LOW".policies]]
name = "每个工作日更新"
every_working_day = true
"""
TWICE_A_WEEK = """
[["ACCOUNT-FREQ-LOW".policies]]
name = "每周至少2次"
min_posts_per_week = 2
"""


def test_no_frequency_policy_is_enabled_by_default():
    findings, _ = judge(f.account(post_days=[6.0, 30.0]))
    assert only(findings, FREQ) == []


def test_every_working_day_passes_with_a_post_each_weekday_and_none_at_weekends(tmp_path):
    rules = override(tmp_path, WORKING_DAY)
    findings, _ = judge(f.account(post_days=[*WORKDAYS_AGO.values(), 9.0, 10.0]), rules=rules)
    assert findings == []


def test_every_working_day_fails_on_a_missing_weekday(tmp_path):
    rules = override(tmp_path, WORKING_DAY)
    days = [d for k, d in WORKDAYS_AGO.items() if k != "wed"]
    findings, summary = judge(f.account(post_days=[*days, 9.0, 10.0]), rules=rules)
    (hit,) = findings
    assert (hit.indicator, hit.severity, hit.subject) == (FREQ, "notice", "每个工作日更新")
    assert hit.evidence["missing_working_days"] == ["2024-09-18"]
    assert hit.evidence["working_days"] == [
        "2024-09-16",
        "2024-09-17",
        "2024-09-18",
        "2024-09-19",
        "2024-09-20",
    ]
    assert hit.message == "更新频率不达标（每个工作日更新）：要求近7天每个工作日至少发布1条，9月18日无发布"
    assert summary.verdict == "pass"


def test_holidays_and_working_weekends_come_from_the_data_file(tmp_path):
    """Mid-Autumn 2024: 16-17 Sep off, Saturday 14 Sep worked (调休)."""
    rules = override(
        tmp_path,
        '["ACCOUNT-FREQ-LOW"]\nholidays = ["2024-09-16", "2024-09-17"]\nworking_weekends = ["2024-09-14"]\n'
        + WORKING_DAY.replace("every_working_day = true", "every_working_day = true\nwindow_days = 10"),
    )
    posted = [4.0, 3.0, 2.0, 11.0, 12.0]  # Wed-Fri and before the window: not the holidays nor the 14th
    (hit,) = only(judge(f.account(post_days=posted), rules=rules)[0], FREQ)
    assert hit.evidence["missing_working_days"] == ["2024-09-12", "2024-09-13", "2024-09-14"]


@pytest.mark.parametrize(("posts", "notice"), [([2.0, 10.0, 12.0], True), ([2.0, 5.0, 10.0], False)])
def test_twice_a_week(tmp_path, posts, notice):
    rules = override(tmp_path, TWICE_A_WEEK)
    hits = only(judge(f.account(post_days=posts), rules=rules)[0], FREQ)
    assert bool(hits) is notice
    if notice:
        assert hits[0].message == "更新频率不达标（每周至少2次）：近7天发布1条，要求至少2条"
        assert (hits[0].evidence["posts_in_window"], hits[0].evidence["required"]) == (1, 2.0)


def test_a_policy_applies_only_to_the_owners_it_names(tmp_path):
    rules = override(tmp_path, TWICE_A_WEEK + 'owner_keywords = ["公安局"]\n')
    obs = f.account(post_days=[2.0, 10.0, 12.0])
    assert only(judge(obs, rules=rules)[0], FREQ) == []
    police = f.account_target(owner="某某市公安局", name="某某警方")
    assert len(only(judge(obs, police, rules=rules)[0], FREQ)) == 1


def test_a_full_first_page_inside_the_window_is_a_lower_bound_and_passes(tmp_path):
    """Ten posts in the last three days fill the first page; older ones are simply not seen."""
    rules = override(tmp_path, WORKING_DAY + TWICE_A_WEEK.replace("= 2", "= 50"))
    page = [0.1 * i + 0.05 for i in range(10)] + [500.0]  # and an old pinned post on top
    findings, _ = judge(f.account(post_days=page), rules=rules)
    assert only(findings, FREQ) == []


def test_a_truncated_page_still_shows_a_gap_between_posts_it_lists(tmp_path):
    rules = override(tmp_path, WORKING_DAY)
    page = [0.5, 1.0, 1.5, 2.0, 4.0, 4.5]  # Thursday 19th missing between listed posts
    (hit,) = only(judge(f.account(post_days=page), rules=rules)[0], FREQ)
    assert hit.evidence["truncated"] is True
    assert hit.evidence["missing_working_days"] == ["2024-09-19"]


def test_an_account_already_failing_the_veto_is_not_counted_again_for_frequency(tmp_path):
    rules = override(tmp_path, TWICE_A_WEEK)
    findings, _ = judge(f.account(post_days=[20.0, 30.0]), rules=rules)
    assert [x.indicator for x in findings] == [NO_UPDATE]


def test_a_policy_must_state_one_requirement(tmp_path):
    with pytest.raises(ValueError, match="exactly one of"):
        override(tmp_path, WORKING_DAY + "min_posts_per_week = 2\n")


def _guiyang_example() -> str:
    """The commented Guiyang block of the shipped data file, uncommented."""
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    block = text[
        text.index('# [["ACCOUNT-FREQ-LOW".policies]]') : text.index('["ACCOUNT-REQ-ONE-PER-PLATFORM"]')
    ]
    return "\n".join(re.sub(r"^# ?", "", line) for line in block.splitlines() if line.startswith("#"))


def test_the_documented_guiyang_policies_work_when_enabled(tmp_path):
    rules = override(tmp_path, _guiyang_example())
    district = f.account_target(owner="贵阳市云岩区人民政府", region="贵州省贵阳市云岩区", name="云岩发布")
    department = f.account_target(owner="贵阳市生态环境局", region="贵州省贵阳市", name="贵阳生态环境")
    missing_friday = [6.0, 5.0, 4.0, 3.0, 9.0]

    (hit,) = only(judge(f.account(post_days=missing_friday), district, rules=rules)[0], FREQ)
    assert hit.subject == "区（市、县）政府账号每个工作日更新"
    assert hit.evidence["missing_working_days"] == ["2024-09-20"]
    # a city department posting twice that week meets its own rule and not the district one
    assert only(judge(f.account(post_days=[2.0, 5.0, 9.0, 11.0]), department, rules=rules)[0], FREQ) == []
    (hit,) = only(judge(f.account(post_days=[2.0, 9.0, 11.0]), department, rules=rules)[0], FREQ)
    assert hit.subject == "市直部门账号每周至少更新2次"
    # accounts elsewhere are not under Guiyang's rules
    assert only(judge(f.account(post_days=[2.0, 9.0, 11.0]), rules=rules)[0], FREQ) == []


# ------------------------------------------------------------------------ registry notices


def test_one_unit_with_two_accounts_on_one_platform_gets_one_notice_naming_both():
    targets = [
        f.account_target(id="A1", name="某某发布"),
        f.account_target(id="A2", name="某某发布二号", account_id="222"),
        f.account_target(id="A3", name="某某发布", platform="douyin"),
        f.account_target(id="A4", owner="某某市公安局", name="某某警方"),
        f.target(),  # sites are not accounts
    ]
    (hit,) = judge_registry(targets, f.AS_OF, RULES)
    assert (hit.indicator, hit.severity, hit.status, hit.kind) == (ONE_PER, "notice", "open", "account")
    assert (hit.target_id, hit.platform, hit.subject) == ("A1", "weibo", "某某市人民政府新闻办公室/weibo")
    assert [a["target_id"] for a in hit.evidence["accounts"]] == ["A1", "A2"]
    assert [a["account_id"] for a in hit.evidence["accounts"]] == ["1234567890", "222"]
    assert "A1" in hit.message
    assert "A2" in hit.message


def test_a_registry_with_one_account_per_unit_and_platform_has_no_notice():
    targets = [f.account_target(id="A1"), f.account_target(id="A3", platform="douyin")]
    assert judge_registry(targets, f.AS_OF, RULES) == []


def test_as_of_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        judge(f.account(), as_of=f.AS_OF.replace(tzinfo=None))
