"""The search form a simulated site's top bar shows, by the kind of search it plants
(:mod:`simweb.searchsim` serves the answers)."""

from __future__ import annotations

from simweb.checkplan import SEARCH_HOST
from simweb.model import PORT_TOKEN, Site

SEARCH_PATH = "/search.html"  # the site search: /search.html?q=... lists items whose title matches
PROVINCIAL_PATH = "/s"


def search_form(site: Site) -> str:
    """The top bar's search form ('' for a site without one)."""
    kind = site.checks.search
    if kind == "missing":
        return ""
    if kind == "provincial":
        return (
            f'<form class="search" action="http://{SEARCH_HOST}:{PORT_TOKEN}{PROVINCIAL_PATH}" method="get">'
            f'<input type="hidden" name="siteCode" value="{site.site_code}">'
            '<input type="text" name="searchWord" placeholder="请输入关键字"><button type="submit">搜索</button></form>'
        )
    return (
        f'<form class="search" action="{SEARCH_PATH}" method="get"><input type="text" name="q" '
        'placeholder="请输入关键字"><button type="submit">搜索</button></form>'
    )
