"""Per-page fact collectors: the place to add "for every fetched page of role X, also record these
facts, or fetch these pages".

The site spider reads every page it fetches into a :class:`PageObservation` (facts the rules of
today need). A later watch that needs more of some pages -- security facts of homepages, text and
attachments of articles, interaction channels, a site-search probe -- is a :class:`PageCollector`
listed in ``SiteSpider.collectors``: the spider hands it each fetched page of its ``roles`` (after
any render) and yields what it returns. A collector that needs another page asks
:meth:`FollowPages.follow`; that page is fetched within the site's page and time budgets, counted
like any page of the site (the site is not done before it is), recorded as an observation with the
collector's role, and handed to the collector's ``on_page`` -- a page that failed too, with no tree
(``root`` None), so a collector can say what it could not read. A collector records its facts on the
observation it is handed (in fields of its own) before returning; judging them is a rule's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from lxml.html import HtmlElement
from scrapy.http import Request

from crawlers.config import Config
from crawlers.models import PageObservation, Target


@dataclass(frozen=True)
class FetchedPage:
    """One page as the spider read it: its observation and parsed tree (None when it did not load)."""

    target: Target
    obs: PageObservation
    root: HtmlElement | None
    text: str = ""  # the decoded body of a followed page (a JSON answer has no useful tree)


OnPage = Callable[[FetchedPage], Iterable[Any]]


class FollowPages(Protocol):
    """What a collector may ask of the spider."""

    config: Config
    as_of: datetime  # the check time: dates are read, and lists read back, relative to it

    @property
    def full(self) -> bool:
        """A full sweep (False in the 2-hour patrol)."""
        ...

    def follow(
        self, page: FetchedPage, url: str, role: str, on_page: OnPage, *, render: bool = False
    ) -> Request | None:
        """A further page for the site, on its host or another (None when the site's page budget is
        spent); ``render``: opened in Chromium, for a page its script writes."""
        ...


class PageCollector(Protocol):
    """Records more facts of the pages of ``roles`` (homepage, column, sitemap, or its own)."""

    roles: frozenset[str]

    def collect(self, page: FetchedPage, spider: FollowPages) -> Iterable[Any]:
        """Items (records, ``Request`` objects from ``spider.follow``) for this page."""
        ...
