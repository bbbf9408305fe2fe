"""The Chinese words inspectors read (and type back) for platforms, statuses and severities."""

from __future__ import annotations

PLATFORM_LABELS = {
    "weibo": "微博",
    "wechat": "微信公众号",
    "douyin": "抖音",
    "toutiao": "今日头条",
    "bilibili": "哔哩哔哩",
    "kuaishou": "快手",
    "baijiahao": "百家号",
    "qqnews": "腾讯新闻",
    "netease": "网易号",
    "thepaper": "澎湃号",
    "rmh": "人民号",
}
STATUS_ZH = {
    "open": "未整改",
    "rectified": "已整改",
    "unverified": "待核实",
    "pending_review": "待审核",
    "dismissed": "已排除",
}
SEVERITY_ZH = {"veto": "单项否决", "deduction": "扣分", "notice": "提示"}
KIND_ZH = {"site": "网站", "account": "政务新媒体"}
# what the tables print is accepted back on the command line ("微信" for 微信公众号 too)
PLATFORM_WORDS = {**{v: k for k, v in PLATFORM_LABELS.items()}, "微信": "wechat", "B站": "bilibili"}
STATUS_WORDS = {v: k for k, v in STATUS_ZH.items()}
KIND_WORDS = {
    "网站": "site",
    "政府网站": "site",
    "政务新媒体": "account",
    "新媒体": "account",
    "账号": "account",
}
