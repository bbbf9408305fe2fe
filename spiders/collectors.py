"""Per-page fact collectors: the place to add "for every fetched page of role X, also record these
facts, or fetch these pages".

The site spider reads every page it fetches into a :class:`PageObservation` (facts the rules of
today need). A later watch that needs more of some pages -- security facts of homepages, text and
attachments of articles, interaction channels, a site-search probe -- is a :class:`PageCollector`
listed in ``SiteSpider.collectors``: the spider hands it each fetched page of its ``roles`` (after
any render) and yields what it returns. A collector that needs another page asks
:meth:`FollowPages.follow`; that page is fetched within the site's page and time budgets, counted
like any page of the site (the site is not done before it is), recorded as an observation with the
collector's role, and handed to the collector's ``on_page``. Collectors record facts; judging them
is a rule's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from lxml.html import HtmlElement
from scrapy.http import Request

from crawlers.models import PageObservation, Target


@dataclass(frozen=True)
class FetchedPage:
    """One page as the spider read it: its observation and parsed tree (None when it did not load)."""

    target: Target
    obs: PageObservation
    root: HtmlElement | None


OnPage = Callable[[FetchedPage], Iterable[Any]]


class FollowPages(Protocol):
    """What a collector may ask of the spider."""

    def follow(
        self, page: FetchedPage, url: str, role: str, on_page: OnPage, *, refetch: bool = False
    ) -> Request | None:
        """A further page of the same site (None when the site's page budget is spent). ``refetch``:
        the same page fetched again another way (another User-Agent, in a browser), which takes no
        page from the budget -- a collector asks a bounded number of those per page it watches."""
        ...


class PageCollector(Protocol):
    """Records more facts of the pages of ``roles`` (homepage, column, sitemap, or its own)."""

    roles: frozenset[str]

    def collect(self, page: FetchedPage, spider: FollowPages) -> Iterable[Any]:
        """Items (records, ``Request`` objects from ``spider.follow``) for this page."""
        ...
