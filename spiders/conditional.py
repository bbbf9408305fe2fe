"""Conditional page requests of incremental sweeps: Scrapy's HTTP cache, always revalidated.

With ``[crawl] http_cache_dir`` set, each page fetched over plain HTTP (homepage, site map, columns;
never a page rendered in Chromium) that carries an ``ETag`` or ``Last-Modified`` is kept on disk, and
the next sweep asks for it with ``If-None-Match`` / ``If-Modified-Since``. A ``304`` answers with the
kept page; anything else is the page read again. So a changed page is always re-read: a kept page is
never taken as fresh without asking the server (whatever its ``Cache-Control`` says), and a failure
(a 5xx, a timeout, a refused connection) is recorded as the failure it is, never hidden behind the
kept copy as Scrapy's own policy and middleware would (that suits a scraper, not an inspection).
"""

from __future__ import annotations

from typing import Self

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcache import HttpCacheMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.extensions.httpcache import FilesystemCacheStorage, RFC2616Policy
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from crawlers.config import config_from_settings


class RevalidatePolicy(RFC2616Policy):
    """Keep 200 pages that can be revalidated; revalidate every time; only a 304 reuses a page."""

    def should_cache_request(self, request: Request) -> bool:
        scheme = request.url.split(":", 1)[0].lower()
        browser = request.meta.get("playwright")
        return request.method == "GET" and scheme in ("http", "https") and not browser

    def should_cache_response(self, response: Response, request: Request) -> bool:
        validators = b"ETag" in response.headers or b"Last-Modified" in response.headers
        return response.status == 200 and validators and super().should_cache_response(response, request)

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(
        self, cachedresponse: Response, response: Response, request: Request
    ) -> bool:
        return response.status == 304


class ConditionalCacheMiddleware(HttpCacheMiddleware):
    """Scrapy's cache middleware with :class:`RevalidatePolicy`, on when ``http_cache_dir`` is set."""

    def __init__(self, settings: BaseSettings, stats: StatsCollector) -> None:
        self.policy = RevalidatePolicy(settings)
        self.storage = FilesystemCacheStorage(settings)
        self.ignore_missing = False
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not config_from_settings(crawler.settings).crawl.http_cache_dir:
            raise NotConfigured
        return super().from_crawler(crawler)

    def process_exception(
        self, request: Request, exception: Exception, spider: object = None
    ) -> Request | Response | None:
        request.meta.pop("cached_response", None)  # a failure is a fact: never answered by the copy
        return None
