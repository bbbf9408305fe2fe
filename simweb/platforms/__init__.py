"""Simulated new-media platforms: one local server per platform, serving the real paths and shapes.

One module per platform key (``simweb/platforms/<key>.py``) defines ``App``, a
:class:`simweb.platforms.base.PlatformApp`; the registry below lists them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simweb.platforms.base import PlatformApp

APPS: dict[str, str] = {
    "weibo": "simweb.platforms.weibo",
    "wechat": "simweb.platforms.wechat",
    "douyin": "simweb.platforms.douyin",
    "toutiao": "simweb.platforms.toutiao",
    "bilibili": "simweb.platforms.bilibili",
    "kuaishou": "simweb.platforms.kuaishou",
    "baijiahao": "simweb.platforms.baijiahao",
    "qqnews": "simweb.platforms.qqnews",
    "netease": "simweb.platforms.netease",
    "thepaper": "simweb.platforms.thepaper",
    "rmh": "simweb.platforms.rmh",
}


def app_class(key: str) -> type[PlatformApp]:
    app: type[PlatformApp] = importlib.import_module(APPS[key]).App
    return app
