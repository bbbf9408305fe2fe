"""The article-sample collector: opens a few article pages per site for their ArticleTitle/PubDate tags.

``[site_checks] articles`` pages per site, taken from the homepage's dated entries (then from column
pages, for a homepage that lists none): in-site, not pinned, dated by the list's own text. Each page's
meta tags are read with every page; the list entry that led to it (its list date and title) is
recorded as :class:`~crawlers.sitefacts.ArticleFacts`, so the meta rule can compare PubDate with the
date the list shows. Runs in full sweeps only.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from crawlers.links import extension, is_internal
from crawlers.models import DatedItem
from crawlers.sitefacts import ArticleFacts
from spiders.collectors import FetchedPage, FollowPages

ROLE = "article"
PAGE_EXTENSIONS = frozenset({"", "html", "htm", "shtml", "jsp", "php", "asp", "aspx", "do"})


class ArticleCollector:
    """The site spider's collector for the article part of SITE-REQ-META (see the module docstring)."""

    roles = frozenset({"homepage", "column"})

    def __init__(self) -> None:
        # spider -> target id -> article URLs already sampled (per spider: a new sweep samples afresh)
        self._taken: weakref.WeakKeyDictionary[Any, dict[str, set[str]]] = weakref.WeakKeyDictionary()

    def collect(self, page: FetchedPage, spider: FollowPages) -> Iterable[Any]:
        wanted = spider.config.site_checks.articles
        if not spider.full or not wanted or not page.obs.ok:
            return []
        taken = self._taken.setdefault(spider, {}).setdefault(page.target.id, set())
        list_url = page.obs.final_url or page.obs.url
        out: list[Any] = []
        for item in self._candidates(page.obs.items, list_url):
            if len(taken) >= wanted:
                break
            if item.url in taken:
                continue
            taken.add(item.url)
            request = spider.follow(page, item.url, ROLE, self._on_article(list_url, item))
            if request is None:
                break
            out.append(request)
        return out

    @staticmethod
    def _candidates(items: list[DatedItem], list_url: str) -> list[DatedItem]:
        return [
            i
            for i in items
            if i.url
            and not i.pinned
            and i.source == "text"
            and is_internal(i.url, list_url)
            and extension(i.url) in PAGE_EXTENSIONS
        ]

    @staticmethod
    def _on_article(list_url: str, item: DatedItem) -> Any:
        def on_page(page: FetchedPage) -> Iterable[Any]:
            page.obs.article = ArticleFacts(
                list_url=list_url, list_title=item.title, list_date=item.date, list_raw=item.raw
            )
            return []

        return on_page
