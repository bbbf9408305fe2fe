"""The site-search collector: finds the search form and asks it for a recent homepage title.

The form is the homepage's own (its action may be on a provincial search platform), else the form
of the page the homepage's 搜索 link opens. The query is the newest homepage item's title; its answer
page's content links are recorded, rendered in Chromium only when the answer is written by script.
Whether a result links to the item is the search rule's call. Runs in full sweeps only; two or three
requests per site.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crawlers.channels import link_named, script_list
from crawlers.checkwords import CheckWords, load_check_words
from crawlers.sitefacts import SearchFacts
from crawlers.sitesearch import SearchForm, find_form, pick_query, query_text, result_links
from spiders.collectors import FetchedPage, FollowPages

ROLE = "search"


class SearchCollector:
    """The site spider's collector for SITE-REQ-SEARCH facts (see the module docstring)."""

    roles = frozenset({"homepage"})

    def collect(self, page: FetchedPage, spider: FollowPages) -> Iterable[Any]:
        if not spider.full or not spider.config.site_checks.search or not page.obs.ok or page.root is None:
            return []
        words = load_check_words(spider.config.indicators_file or None)
        facts = SearchFacts(step="form")
        page.obs.search = facts
        item = pick_query(page.obs.items, page.obs.final_url or page.obs.url)
        if item is not None:
            facts.query, facts.expected_url, facts.expected_date = query_text(item.title), item.url, item.date
        base = page.obs.final_url or page.obs.url
        form = find_form(page.root, base, words)
        if form is not None:
            return self._ask(page, spider, facts, form)
        link = link_named(page.root, base, words.search_texts)
        if not link:
            return []
        facts.action = link
        request = spider.follow(page, link, ROLE, lambda p: self._on_search_page(p, spider, words, facts))
        facts.not_followed = request is None
        return [request] if request is not None else []

    def _on_search_page(
        self, page: FetchedPage, spider: FollowPages, words: CheckWords, home: SearchFacts
    ) -> Iterable[Any]:
        facts = SearchFacts(
            step="page", action=page.obs.url, query=home.query, expected_url=home.expected_url
        )
        page.obs.search = facts
        if page.root is None:
            return []
        form = find_form(page.root, page.obs.final_url or page.obs.url, words)
        return self._ask(page, spider, facts, form) if form is not None else []

    def _ask(self, page: FetchedPage, spider: FollowPages, facts: SearchFacts, form: SearchForm) -> list[Any]:
        facts.action, facts.method, facts.field_name = form.action, form.method, form.field_name
        if not facts.query:
            return []
        url = form.query_url(facts.query)
        request = spider.follow(page, url, ROLE, self._answer(spider, facts, url))
        facts.not_followed = request is None
        return [request] if request is not None else []

    def _answer(self, spider: FollowPages, asked: SearchFacts, url: str) -> Any:
        def on_page(page: FetchedPage) -> Iterable[Any]:
            facts = SearchFacts(
                step="result",
                action=asked.action,
                method=asked.method,
                field_name=asked.field_name,
                query=asked.query,
                expected_url=asked.expected_url,
                expected_date=asked.expected_date,
                rendered=page.obs.rendered,
            )
            page.obs.search = facts
            if page.root is None:
                return []
            found = result_links(page.root, page.obs.final_url or page.obs.url)
            facts.results = [u for u, _t in found]
            facts.result_titles = [t for _u, t in found]
            written_by_script = not page.obs.rendered and script_list(page.root)
            if written_by_script and spider.config.crawl.render_js == "auto":
                request = spider.follow(page, url, ROLE, self._answer(spider, asked, url), render=True)
                facts.not_followed = request is None
                return [request] if request is not None else []
            return []

        return on_page
