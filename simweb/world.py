"""The simulated government web as data: every site, every route, and the ground truth.

``build_world(as_of)`` is deterministic for a given (as_of, seed): the same pages and the same truth
on every run. The world knows nothing of sockets; ``server.SimulatedWeb`` serves it and tells it its
ports (page text carries port placeholders until then).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from crawlers.thresholds import load_thresholds
from simweb import contentwatch, securitywatch
from simweb.build import build_site
from simweb.cms import ZHAOCUO_HOST, ZHAOCUO_JS
from simweb.model import CLOSED_TOKEN, PORT_TOKEN, Response, Route, Site
from simweb.pages import site_routes
from simweb.sites import EXTERNAL_HOSTS, PROFILES, REFUSED_EXTERNAL_HOST, SITE_SPECS
from simweb.truth import site_truth

__all__ = ["PROFILES", "World", "build_world"]

_JIUCUO = "/* 我为政府网站找错 */ document.write('<a class=\"jiucuo\">我为政府网站找错</a>');\n"
_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p></body></html>
"""


def _external_routes() -> dict[str, dict[str, Route]]:
    """Pages on other origins that site pages link to (all healthy except the 404 host)."""

    def page(title: str, text: str = "") -> Response:
        return Response(body=_PAGE.format(title=title, text=text or title))

    return {
        "www.gov.cn": {
            "/": page("中国政府网_中央人民政府门户网站"),
            "/hudong/liuyan/index.htm": Response(
                body=_PAGE.format(title="我为政府网站找错", text="请填写您发现的问题。"), head_status=405
            ),
        },
        "www.js.gov.cn": {"/": page("江苏省人民政府")},
        "www.beian.gov.cn": {"/portal/registerSystemInfo": page("全国互联网安全管理服务平台")},
        "beian.miit.gov.cn": {"/": page("ICP/IP地址/域名信息备案管理系统")},
        "bszs.conac.cn": {"/sitename": page("党政机关网站标识", "该网站已开办党政机关网站标识。")},
        ZHAOCUO_HOST: {ZHAOCUO_JS: Response(body=_JIUCUO, content_type="application/javascript")},
        "www.old-partner.com.cn": {},
    }


@dataclass
class World:
    """All sites and routes of one simulated web, plus the ports it is served on."""

    as_of: datetime
    seed: int
    sites: dict[str, Site]
    routes: dict[str, dict[str, Route]] = field(default_factory=dict)  # host -> path -> route
    port: int = 0
    closed_port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ---------------------------------------------------------------- addresses
    @property
    def closed_hosts(self) -> set[str]:
        """Hosts whose URLs use the refused port."""
        return {s.host for s in self.sites.values() if s.closed} | {REFUSED_EXTERNAL_HOST}

    def hosts(self) -> list[str]:
        """Every hostname the crawler must resolve to the loopback address."""
        return sorted(set(self.routes) | self.closed_hosts)

    def url(self, host: str, path: str = "/") -> str:
        port = self.closed_port if host in self.closed_hosts else self.port
        return f"http://{host}:{port}{path}"

    def fill(self, text: str) -> str:
        """Page text with the real ports in place of the placeholders."""
        return text.replace(PORT_TOKEN, str(self.port)).replace(CLOSED_TOKEN, str(self.closed_port))

    # ---------------------------------------------------------------- routes
    def lookup(self, host: str, path: str) -> Response | None:
        """The response for host+path (query-exact first, then the path alone); None = 404."""
        with self._lock:
            table = self.routes.get(host)
            if table is None:
                return None
            route = table.get(path)
            if route is None and "?" in path:
                route = table.get(path.split("?", 1)[0])
        if route is None:
            return None
        if isinstance(route, Response):
            return route
        if getattr(route, "wants_path", False):
            return cast(Callable[[str], Response], route)(path)
        return cast(Callable[[], Response], route)()

    def set_route(self, host: str, path: str, route: Route | str | bytes | None) -> None:
        """Swap what one route serves (None removes it: a 404 from then on)."""
        if isinstance(route, str | bytes):
            route = Response(body=route)
        with self._lock:
            table = self.routes.setdefault(host, {})
            if route is None:
                table.pop(path, None)
            else:
                table[path] = route

    def fix_site(self, target_id: str) -> Site:
        """Rebuild one site as healthy (same host, CMS and owner): the 'rectified' state for re-checks."""
        old = self.sites[target_id]
        if old.closed:
            raise ValueError(f"{target_id}: a refused-port site cannot be fixed in place")
        spec = next(s for s in SITE_SPECS if s.id == target_id)
        fixed = build_site(_healthy(spec), self.as_of, self.seed)
        with self._lock:
            self.sites[target_id] = fixed
            self.routes[fixed.host] = site_routes(fixed)
        return fixed

    # ---------------------------------------------------------------- truth
    def truth(self, indicators: str | Path | None = None) -> dict[str, Any]:
        """Ground truth, JSON-serialisable (URLs carry the ports once the world is served).

        ``indicators`` is an override file merged over the indicator data, as the crawler's config allows.
        """
        th = load_thresholds(indicators)
        return {
            "as_of": self.as_of.isoformat(),
            "seed": self.seed,
            "port": self.port,
            "closed_port": self.closed_port,
            "sites": {
                sid: site_truth(site, self.as_of, th, self.url, self.fill) for sid, site in self.sites.items()
            },
            "content_watch": contentwatch.truth(self.url),
        }


def _healthy(spec: Any) -> Any:
    from dataclasses import replace

    keep = {"gbk", "gbk_mislabelled", "date_in_link", "date_in_url", "yearless_dates", "pinned", "js_list"}
    profiles = tuple(p for p in spec.profiles if p in keep) or ("healthy",)
    return replace(spec, profiles=profiles)


def build_world(as_of: datetime, seed: int = 20241) -> World:
    """The whole simulated web, dated relative to ``as_of`` (timezone-aware)."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware (e.g. 2024-10-01T10:00:00+08:00)")
    sites = {spec.id: build_site(spec, as_of, seed) for spec in SITE_SPECS}
    world = World(as_of=as_of, seed=seed, sites=sites)
    world.routes.update(_external_routes())
    for site in sites.values():
        if not site.closed:
            world.routes[site.host] = site_routes(site)
    world.routes[contentwatch.HOST] = contentwatch.site_routes(as_of.date().isoformat())
    world.routes.update(securitywatch.routes(0))  # the security watch's day (SW01-SW11), at its first patrol
    assert set(EXTERNAL_HOSTS) <= set(world.routes)
    return world


def host_of(header: str) -> str:
    """The hostname from a Host header (port and case ignored)."""
    host = header.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return re.sub(r":\d*$", "", host)
