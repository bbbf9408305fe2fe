"""Alert messages: the Chinese one-liner, the WeCom and DingTalk robot bodies, DingTalk signing, config."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawlers.config import ConfigError
from crawlers.models import Finding
from govpatrol.alerts import (
    AlertsConfig,
    build_message,
    dingtalk_payload,
    dingtalk_sign,
    dingtalk_url,
    email_message,
    is_alertable,
    wecom_payload,
)

BEIJING = ZoneInfo("Asia/Shanghai")


def veto(**changes: object) -> Finding:
    fields: dict[str, object] = {
        "target_id": "site-001",
        "indicator": "SITE-VETO-HOME-STALE",
        "severity": "veto",
        "status": "open",
        "subject_url": "https://www.example.gov.cn/",
        "evidence": {},
        "as_of": datetime(2025, 3, 31, 10, 0, tzinfo=BEIJING),
        # 2025-03-01 17:00 UTC is already 2 March in Beijing: the date an inspector sees
        "first_seen": datetime.fromisoformat("2025-03-01T17:00:00+00:00"),
        "message": "首页最新信息发布于 2025-02-10，已 49 天未更新",
        "target_name": "某某市人民政府",
        "owner": "某某市人民政府办公室",
        "region": "某某市",
    }
    fields |= changes
    return Finding(**fields)  # type: ignore[arg-type]


def test_the_one_line_alert_names_unit_subject_problem_first_seen_date_and_url() -> None:
    msg = build_message(veto(), {"id": "full-20250331T100000-abc123"})
    assert msg.line == (
        "【政务巡网预警】某某市人民政府办公室 某某市人民政府：首页最新信息发布于 2025-02-10，已 49 天未更新，"
        "首次发现 2025-03-02，详情 https://www.example.gov.cn/"
    )
    assert msg.title == "【政务巡网预警】某某市人民政府：首页不更新"
    assert ("巡检批次", "full-20250331T100000-abc123") in msg.details
    assert msg.finding_id == veto().id


def test_a_finding_without_message_uses_the_indicator_name_from_the_data_file() -> None:
    msg = build_message(veto(message="", indicator="ACCOUNT-GONE", platform="weibo", kind="account"))
    assert "某某市人民政府：账号已注销或被封禁，首次发现" in msg.line
    assert ("平台", "weibo") in msg.details


def test_wecom_markdown_and_text_bodies() -> None:
    msg = build_message(veto())
    body = wecom_payload(msg)
    assert body["msgtype"] == "markdown"
    assert set(body) == {"msgtype", "markdown"}
    assert msg.line in body["markdown"]["content"]
    assert "> 指标：首页不更新（单项否决）" in body["markdown"]["content"]
    assert wecom_payload(msg, "text") == {"msgtype": "text", "text": {"content": msg.line}}


def test_dingtalk_markdown_body_has_title_and_text() -> None:
    msg = build_message(veto())
    body = dingtalk_payload(msg)
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"] == msg.title
    assert msg.line in body["markdown"]["text"]


def test_dingtalk_signature_matches_a_value_computed_independently() -> None:
    # printf '1700000000000\nSECtestsecret' | openssl dgst -sha256 -hmac SECtestsecret -binary | base64
    #   -> 7LVwF0dAF3/+MRRulbpE4y72Ogzykc6bS2nG4I99T4s=  (then URL-encoded)
    assert (
        dingtalk_sign("SECtestsecret", 1700000000000) == "7LVwF0dAF3%2F%2BMRRulbpE4y72Ogzykc6bS2nG4I99T4s%3D"
    )
    url = dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=T", "SECtestsecret", 1700000000000)
    assert url == (
        "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1700000000000"
        "&sign=7LVwF0dAF3%2F%2BMRRulbpE4y72Ogzykc6bS2nG4I99T4s%3D"
    )
    assert dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=T", "", 1) == (
        "https://oapi.dingtalk.com/robot/send?access_token=T"
    )


def test_email_has_chinese_subject_and_the_alert_line() -> None:
    config = AlertsConfig.from_table(
        {"enabled": True, "smtp": {"host": "mx", "sender": "gp@example.gov.cn", "recipients": ["a@x", "b@x"]}}
    )
    assert config.smtp is not None
    mail = email_message(build_message(veto()), config.smtp)
    assert mail["Subject"] == "【政务巡网预警】某某市人民政府：首页不更新"
    assert mail["To"] == "a@x, b@x"
    assert build_message(veto()).line in mail.get_content()


@pytest.mark.parametrize(
    ("changes", "alertable"),
    [
        ({}, True),
        ({"level": "warning"}, False),
        ({"severity": "deduction"}, False),
        ({"status": "rectified"}, False),
        ({"status": "unverified"}, False),
    ],
)
def test_only_open_veto_violations_are_alerted(changes: dict[str, object], alertable: bool) -> None:
    assert is_alertable(veto(**changes)) is alertable


def test_config_from_the_raw_alerts_table() -> None:
    config = AlertsConfig.from_table(
        {
            "enabled": True,
            "retries": 2,
            "timeout_s": 5,
            "webhooks": [
                {"kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"},
                {
                    "kind": "dingtalk",
                    "url": "https://oapi.dingtalk.com/robot/send?access_token=T",
                    "secret": "S",
                },
            ],
        }
    )
    assert config.enabled
    assert config.retries == 2
    assert config.timeout_s == 5.0
    assert [h.kind for h in config.webhooks] == ["wecom", "dingtalk"]
    assert config.webhooks[1].secret == "S"
    assert config.smtp is None
    # the token in the URL and the secret never show in a repr (logs)
    assert "access_token" not in repr(config)
    assert "key=K" not in repr(config)
    assert AlertsConfig.from_table(None).enabled is False


@pytest.mark.parametrize(
    "table",
    [
        {"webhooks": [{"kind": "slack", "url": "https://x"}]},
        {"webhooks": [{"kind": "wecom", "url": "file:///etc/passwd"}]},
        {"smtp": {"host": "mx"}},
        {"retries": "3"},
        {"unknown": 1},
    ],
)
def test_bad_config_is_refused_with_the_key_named(table: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=r"\[alerts\]"):
        AlertsConfig.from_table(table)
