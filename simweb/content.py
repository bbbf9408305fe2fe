"""Chinese text for the simulated web: titles, column families, date formats, article bodies.

Kept apart from page rendering so that the words a site shows and the way dates are written can be
varied (and read) in one place; everything is drawn from a seeded ``random.Random``.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

CST = timezone(timedelta(hours=8), "CST")

# Date formats real list pages use. "none" = no date text (URL only).
FULL_FORMATS: tuple[str, ...] = ("iso", "cn", "slash", "bracket", "paren", "datetime", "dot")
YEARLESS_FORMATS: tuple[str, ...] = ("md_bracket", "md")
# A year-less date of an item older than this could be read in the wrong year; write it in full.
YEARLESS_MAX_AGE_DAYS = 350

_PATTERNS: dict[str, str] = {
    "iso": "%Y-%m-%d",
    "cn": "%Y年%m月%d日",
    "slash": "%Y/%m/%d",
    "dot": "%Y.%m.%d",
    "bracket": "[%Y-%m-%d]",
    "paren": "(%Y-%m-%d)",
    "datetime": "%Y-%m-%d %H:%M",
    "md_bracket": "[%m-%d]",
    "md": "%m-%d",
    "none": "",
}


def format_date(when: datetime, fmt: str) -> str:
    """The date as a list page writes it."""
    return when.strftime(_PATTERNS[fmt]) if _PATTERNS[fmt] else ""


def has_time(fmt: str) -> bool:
    """Whether the written form keeps the time of day (the truth keeps exactly what is shown)."""
    return fmt == "datetime"


TOPICS: tuple[str, ...] = (
    "安全生产",
    "优化营商环境",
    "乡村振兴",
    "城市更新",
    "防汛防台",
    "秋冬季大气污染防治",
    "就业创业",
    "老旧小区改造",
    "数字政府建设",
    "科技创新",
    "养老服务",
    "生活垃圾分类",
    "文明城市创建",
    "招商引资",
    "耕地保护",
    "消防安全",
    "食品安全",
    "义务教育",
    "医疗保障",
    "河长制",
    "政务服务“一网通办”",
    "民营经济发展",
)

_TITLES: dict[str, tuple[str, ...]] = {
    "news": (
        "{place}召开{topic}工作会议",
        "{place}举行{topic}推进会",
        "市领导调研{topic}工作",
        "{place}{topic}工作取得新进展",
        "{place}启动{topic}专项行动",
        "{place}召开常务会议研究部署{topic}工作",
        "{place}开展{topic}督查检查",
    ),
    "notice": (
        "关于做好{year}年{topic}工作的通知",
        "关于{topic}有关事项的公告",
        "关于{topic}项目拟立项情况的公示",
        "关于开展{topic}检查的通知",
    ),
    "policy": (
        "关于印发《{place}{topic}实施方案》的通知",
        "{place}人民政府关于进一步加强{topic}工作的意见",
        "关于印发《{place}{topic}三年行动计划》的通知",
    ),
    "interpretation": (
        "政策解读：《{place}{topic}实施方案》",
        "一图读懂《{place}{topic}三年行动计划》",
        "《关于进一步加强{topic}工作的意见》解读",
    ),
    "other": (
        "{year}年{topic}工作情况",
        "{place}{year}年{month}月{topic}统计数据",
        "{place}{year}年{topic}专项资金预算公开",
        "{place}{topic}工作计划（{year}年）",
        "{place}{topic}相关人员任免信息",
    ),
}

# Column families: name -> which title family its items use. Categories come from the data file.
COLUMN_TITLES: dict[str, str] = {
    "要闻动态": "news",
    "工作动态": "news",
    "部门动态": "news",
    "区县动态": "news",
    "乡镇动态": "news",
    "图片新闻": "news",
    "通知公告": "notice",
    "公示公告": "notice",
    "政策文件": "policy",
    "规范性文件": "policy",
    "政策解读": "interpretation",
    "人事信息": "other",
    "统计数据": "other",
    "规划计划": "other",
    "财政预决算": "other",
    "政府采购": "other",
    "重点项目": "other",
    "应急管理": "other",
    "建议提案办理": "other",
    "公共服务": "other",
    "机构职能": "other",
    "专题专栏": "news",
    "历史回顾": "other",
}

# URL slugs (pinyin initials, as real sites use).
COLUMN_SLUGS: dict[str, str] = {
    "要闻动态": "ywdt",
    "工作动态": "gzdt",
    "部门动态": "bmdt",
    "区县动态": "qxdt",
    "乡镇动态": "xzdt",
    "图片新闻": "tpxw",
    "通知公告": "tzgg",
    "公示公告": "gsgg",
    "政策文件": "zcwj",
    "规范性文件": "gfxwj",
    "政策解读": "zcjd",
    "人事信息": "rsxx",
    "统计数据": "tjsj",
    "规划计划": "ghjh",
    "财政预决算": "czyjs",
    "政府采购": "zfcg",
    "重点项目": "zdxm",
    "应急管理": "yjgl",
    "建议提案办理": "jytabl",
    "公共服务": "ggfw",
    "机构职能": "jgzn",
    "专题专栏": "ztzl",
    "历史回顾": "lshg",
}


def title(rng: random.Random, family: str, place: str, when: datetime) -> str:
    """A realistic title for an item of a column family, dated ``when``."""
    pattern = rng.choice(_TITLES[family])
    return pattern.format(place=place, topic=rng.choice(TOPICS), year=when.year, month=when.month)


def article_body(rng: random.Random, heading: str, owner: str) -> str:
    """Two or three paragraphs of plain official prose (keeps pages a realistic few KB)."""
    sentences = (
        "会议强调，要深入贯彻落实党中央、国务院决策部署，进一步压实工作责任。",
        "各地各部门要结合实际，细化工作措施，确保各项任务落到实处。",
        f"{owner}相关负责同志出席会议并讲话。",
        "下一步，将持续加强统筹协调，强化督促检查，推动工作取得实效。",
        "会议通报了前一阶段工作进展情况，分析了当前面临的形势。",
        "要坚持问题导向，聚焦群众急难愁盼问题，切实提升服务水平。",
    )
    paragraphs = [f"近日，{heading}。"]
    for _ in range(rng.randint(2, 3)):
        paragraphs.append("".join(rng.sample(sentences, 3)))
    return "".join(f"<p>{p}</p>\n" for p in paragraphs)
