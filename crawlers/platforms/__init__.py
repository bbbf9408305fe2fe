"""New-media platforms: one page-object module per platform, one registry line each.

Adding a platform touches its module here, its fixture folder (tests/fixtures/platforms/<key>/),
its simulated server (simweb/platforms/<key>.py) and one line below. Keys are the platform keys
used identically in modules, config, findings and dashboards.
"""

from __future__ import annotations

import importlib
from types import ModuleType

REGISTRY: dict[str, str] = {
    "weibo": "crawlers.platforms.weibo",
    "wechat": "crawlers.platforms.wechat",
    "douyin": "crawlers.platforms.douyin",
    "toutiao": "crawlers.platforms.toutiao",
    "bilibili": "crawlers.platforms.bilibili",
    "kuaishou": "crawlers.platforms.kuaishou",
    "baijiahao": "crawlers.platforms.baijiahao",
    "qqnews": "crawlers.platforms.qqnews",
    "netease": "crawlers.platforms.netease",
    "thepaper": "crawlers.platforms.thepaper",
    "rmh": "crawlers.platforms.rmh",
}


def page_object(key: str) -> ModuleType:
    """The page-object module for a platform key (imported on first use)."""
    try:
        return importlib.import_module(REGISTRY[key])
    except KeyError:
        raise KeyError(f"unknown platform {key!r} (known: {', '.join(REGISTRY)})") from None
