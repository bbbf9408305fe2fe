"""The ``[security]`` table of the govpatrol config: what the security watch fetches, per site.

Configuration (all keys shown with their defaults)::

    [security]
    enabled = true                   # the watch runs on every patrol (and full sweep)
    key_pages = []                   # watched on every site besides the homepage: paths or URLs
    render = "auto"                  # Chromium for a page with unknown foreign scripts or obfuscated
                                     # code (auto), for every watched page (always), or never
    cloaking = true                  # fetch each watched page again as Baiduspider and from Baidu search
    read_outbound = true             # read the target of each outbound homepage link (title, text start)
    spider_user_agent = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
    search_referer = "https://www.baidu.com/s?wd={name}"   # {name}: the site's name
    snapshot_dir = ""                # default <state dir>/snapshots (see [scheduler] state_dir)
    snapshot_max_bytes = 262144      # HTML kept per snapshot (a screenshot is capped at 4 times that)

    [[security.sites]]               # per site, by target id or by homepage URL pattern (fnmatch)
    target = "S001"                  # or: match = "http://*.hz.gov.cn/*"
    key_pages = ["/zwgk/index.html"]
    allow_hosts = ["cdn.example.com"]   # added to the indicator data's [security_watch] allow_hosts

A site's key pages are the section's ``key_pages`` plus those of every matching ``sites`` entry.
"""

from __future__ import annotations

from fnmatch import fnmatch
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crawlers.links import absolute
from crawlers.models import Target

BAIDUSPIDER = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class SiteWatch(_Strict):
    target: str = ""
    match: str = ""
    key_pages: list[str] = Field(default_factory=list)
    allow_hosts: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_selector(self) -> SiteWatch:
        if bool(self.target) == bool(self.match):
            raise ValueError("each [[security.sites]] entry needs exactly one of target or match")
        return self

    def applies(self, target: Target) -> bool:
        return target.id == self.target if self.target else fnmatch(target.url, self.match)


class SecurityConfig(_Strict):
    enabled: bool = True
    key_pages: list[str] = Field(default_factory=list)
    render: Literal["auto", "always", "never"] = "auto"
    cloaking: bool = True
    read_outbound: bool = True
    spider_user_agent: str = Field(BAIDUSPIDER, min_length=1)
    search_referer: str = Field("https://www.baidu.com/s?wd={name}", pattern=r"^https?://")
    snapshot_dir: str = ""
    snapshot_max_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 262144
    sites: list[SiteWatch] = Field(default_factory=list)

    def entries(self, target: Target) -> list[SiteWatch]:
        return [entry for entry in self.sites if entry.applies(target)]

    def key_page_urls(self, target: Target, homepage: str) -> list[str]:
        """The site's watched pages besides the homepage, absolute (against the homepage as loaded)."""
        wanted = [*self.key_pages, *(p for e in self.entries(target) for p in e.key_pages)]
        urls: list[str] = []
        for raw in wanted:
            url = absolute(raw, homepage)
            if url and url not in urls and url != homepage:
                urls.append(url)
        return urls

    def allow_hosts(self, target: Target) -> list[str]:
        """This site's own additions to the indicator data's allow list."""
        return sorted({h for e in self.entries(target) for h in e.allow_hosts})
