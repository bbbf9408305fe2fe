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

Three more things a collector may have: the in-site pages the link checks read (role
:data:`LINKED`: no request of its own, handed with their HTML and where the site links them; for these
``collect`` may also return awaitables -- work in a thread -- which the spider awaits; one that reads
them only under some settings says so with :meth:`LinkedReader.reads_linked`, and one that kept what it
read in an earlier sweep replays it with :meth:`LinkedReader.replay`), a file
(:meth:`FollowPages.fetch_file`: an attachment's bytes under a size cap, the fetch also answering
the link check of that URL), and work off the event loop (:meth:`FollowPages.later`: a thread or a
child process, awaited; the site is not done before it is).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from lxml.html import HtmlElement
from scrapy.crawler import Crawler
from scrapy.http import Request

from crawlers.config import Config
from crawlers.models import PageObservation, Target
from crawlers.pagewords import PageWords

#: the role of in-site pages the link checks read by GET (handed with ``html``, no parsed tree)
LINKED = "linked"


@dataclass(frozen=True)
class FetchedPage:
    """One page as the spider read it: its observation and parsed tree (None when it did not load)."""

    target: Target
    obs: PageObservation
    root: HtmlElement | None
    html: str = ""  # role LINKED: the page as the link check read it (its first megabyte)
    found_on: tuple[str, ...] = ()  # role LINKED: the site's pages that link to it
    link_text: str = ""  # role LINKED: the text of a link to it
    text: str = ""  # the decoded body of a followed page (a JSON answer has no useful tree)


@dataclass(frozen=True)
class FetchedFile:
    """A file a collector asked for: its bytes, or the failure class and detail why there are none."""

    target: Target
    url: str
    found_on: str
    body: bytes = b""
    content_type: str = ""
    status: int | None = None
    error: str = ""  # '' = fetched (any status); else the failure class (too_large, timeout, ...)
    error_detail: str = ""


OnPage = Callable[[FetchedPage], Iterable[Any]]
OnFile = Callable[[FetchedFile], Awaitable[Iterable[Any]]]
Work = Callable[[], Awaitable[Iterable[Any]]]


class FollowPages(Protocol):
    """What a collector may ask of the spider."""

    config: Config
    mode: str
    crawler: Crawler
    words: PageWords
    as_of: datetime  # the check time: dates are read, and lists read back, relative to it

    @property
    def full(self) -> bool:
        """A full sweep (False in the 2-hour patrol)."""
        ...

    def follow(
        self,
        page: FetchedPage,
        url: str,
        role: str,
        on_page: OnPage,
        *,
        render: bool = False,
        refetch: bool = False,
    ) -> Request | None:
        """A further page for the site, on its host or another (None when the site's page budget is
        spent); ``render``: opened in Chromium, for a page its script writes. ``refetch``: the same page
        fetched again another way (another User-Agent, in a browser), which takes no page from the
        budget -- a collector asks a bounded number of those per page it watches."""
        ...

    def fetch_file(self, page: FetchedPage, url: str, on_file: OnFile, *, max_bytes: int) -> Request | None:
        """A file linked from ``page`` (at most ``max_bytes``), handed to ``on_file`` fetched or failed;
        None when the site is done or out of time."""
        ...

    def later(self, page: FetchedPage, work: Work, *, before_links: bool = False) -> Request | None:
        """Run ``work`` (awaited on the loop; it hands anything heavy to a thread) and yield its items.
        ``before_links``: the site's link checks wait for it (like a page)."""
        ...


class PageCollector(Protocol):
    """Records more facts of the pages of ``roles`` (homepage, column, sitemap, or its own)."""

    roles: frozenset[str]

    def collect(self, page: FetchedPage, spider: FollowPages) -> Iterable[Any]:
        """Items (records, ``Request`` objects from ``spider.follow``) for this page; for role
        LINKED also awaitables that give items."""
        ...


@runtime_checkable
class LinkedReader(Protocol):
    """A collector of role :data:`LINKED` that reads those pages only under some settings."""

    def reads_linked(self, config: Config) -> bool:
        """Does it read the in-site pages the link checks fetch in a sweep under ``config``? (Then
        the spider keeps their HTML and checks them itself rather than answer them from the link
        cache, whose copies carry no page.)"""
        ...

    def replay(self, target: Target, urls: list[str], spider: FollowPages) -> dict[str, list[Any]]:
        """Of the in-site pages ``urls`` whose link checks the link cache answers, those whose facts it
        kept from an earlier sweep, with the items that record them again (the page is then not
        fetched); a page left out is fetched and handed to ``collect`` as usual."""
        ...
