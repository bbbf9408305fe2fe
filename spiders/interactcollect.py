"""The interaction-channel collector: finds a site's 领导信箱/留言板/12345 channels and reads them.

From the homepage (and the 互动 column it links to) it follows each channel's entry page, records
whether it opened and shows a submit form or a message list, follows the 写信 page when the entry
has no form and the list (its pages, an HTML list link, the JSON behind a script, or the page
rendered in Chromium) when the entry shows none, and reads the list back ``[site_checks]
lookback_days`` within ``list_pages`` pages. Channels on another host are read the same way.
Everything is recorded as :class:`~crawlers.sitefacts.ChannelFacts` on the page it was read from;
whether a channel works and whether a letter is answered in time is the interaction rule's call.
Runs in full sweeps only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scrapy.http import Request

from crawlers.channels import channel_links, data_urls, has_submit_form, link_named, script_list
from crawlers.checkwords import CheckWords, load_check_words
from crawlers.letters import LetterList, read_html, read_json
from crawlers.pagewords import PageWords, load_page_words
from crawlers.sitefacts import ChannelFacts, ChannelLink
from spiders.collectors import FetchedPage, FollowPages

ROLE = "interaction"
MAX_COLUMNS = 2  # 互动 columns searched for channels per site


@dataclass
class _Scan:
    """One site's channel search: what was followed, so no page is read twice."""

    spider: FollowPages
    words: CheckWords
    page_words: PageWords
    since: datetime  # lists are read back to here
    seen: set[str] = field(default_factory=set)
    channels: int = 0
    columns: int = 0

    @property
    def settings(self) -> Any:
        return self.spider.config.site_checks

    def follow(
        self, page: FetchedPage, facts: ChannelFacts, url: str, on_page: Any, render: bool = False
    ) -> list[Request]:
        request = self.spider.follow(page, url, ROLE, on_page, render=render)
        (facts.followed if request is not None else facts.not_followed).append(url)
        return [request] if request is not None else []

    # ---------------------------------------------------------------- pages searched for channels

    def scan(self, page: FetchedPage, *, from_home: bool) -> list[Any]:
        facts = ChannelFacts(step="scan")
        page.obs.interaction = facts
        if not page.obs.ok or page.root is None:
            return []
        base = page.obs.final_url or page.obs.url
        facts.found = channel_links(page.root, base, self.words)
        out: list[Any] = []
        for link in facts.found:
            if link.url in self.seen:
                continue
            if link.kind == "channel" and self.channels < self.settings.max_channels:
                self.seen.add(link.url)
                self.channels += 1
                out += self.follow(page, facts, link.url, self._entry(link))
            elif link.kind == "column" and from_home and self.columns < MAX_COLUMNS:
                self.seen.add(link.url)
                self.columns += 1
                out += self.follow(page, facts, link.url, lambda p: self.scan(p, from_home=False))
        return out

    # ---------------------------------------------------------------- one channel

    def _entry(self, link: ChannelLink) -> Any:
        def on_page(page: FetchedPage) -> Iterable[Any]:
            facts = ChannelFacts(step="entry", channel=link.url, name=link.text)
            page.obs.interaction = facts
            if not page.obs.ok or page.root is None:
                return []
            base = page.obs.final_url or page.obs.url
            facts.form = has_submit_form(page.root, self.words)
            found = read_html(page.text, base, self.spider.as_of, self.words)
            out = self._letters(page, facts, found, link, 1)
            if not facts.form and (submit := link_named(page.root, base, self.words.submit_texts)):
                out += self._once(page, facts, submit, self._submit(link))
            if not found.letters:
                out += self._find_list(page, facts, link, base)
            return out

        return on_page

    def _once(
        self, page: FetchedPage, facts: ChannelFacts, url: str, on_page: Any, render: bool = False
    ) -> list[Any]:
        key = f"{url}#render" if render else url
        if key in self.seen:
            return []
        self.seen.add(key)
        return self.follow(page, facts, url, on_page, render)

    def _find_list(self, page: FetchedPage, facts: ChannelFacts, link: ChannelLink, base: str) -> list[Any]:
        """The entry shows no letters: its list link, the data its script loads, or Chromium's view."""
        assert page.root is not None
        if listed := link_named(page.root, base, self.words.list_texts):
            return self._once(page, facts, listed, self._list(link, 1))
        if sources := data_urls(page.root, base):
            return self._once(page, facts, sources[0], self._list(link, 1))
        if script_list(page.root) and not page.obs.rendered and self.spider.config.crawl.render_js == "auto":
            return self._once(page, facts, base, self._list(link, 1), render=True)
        return []

    def _submit(self, link: ChannelLink) -> Any:
        def on_page(page: FetchedPage) -> Iterable[Any]:
            facts = ChannelFacts(step="submit", channel=link.url, name=link.text)
            page.obs.interaction = facts
            if page.obs.ok and page.root is not None:
                facts.form = has_submit_form(page.root, self.words)
            return []

        return on_page

    def _list(self, link: ChannelLink, number: int) -> Any:
        def on_page(page: FetchedPage) -> Iterable[Any]:
            facts = ChannelFacts(step="list", channel=link.url, name=link.text, page=number)
            page.obs.interaction = facts
            if not page.obs.ok:
                facts.unreadable = page.obs.error_detail or page.obs.error or "not loaded"
                return []
            base = page.obs.final_url or page.obs.url
            when = self.spider.as_of
            found = read_json(page.text, base, when, self.words)
            if found is None:
                found = (
                    read_html(page.text, base, when, self.words) if page.root is not None else LetterList()
                )
            out = self._letters(page, facts, found, link, number)
            if not found.letters and not self.page_words.says_no_entries(page.obs.text_excerpt):
                facts.unreadable = "no dated letters read from the list"
            return out

        return on_page

    def _letters(
        self, page: FetchedPage, facts: ChannelFacts, found: LetterList, link: ChannelLink, number: int
    ) -> list[Any]:
        """Record a list page's letters; follow its next page while the year is not read back."""
        facts.list_shape, facts.letters, facts.rows, facts.page = (
            found.shape,
            found.letters,
            found.rows,
            number,
        )
        facts.next_url = found.next_url
        oldest = min((x.submitted for x in found.letters if x.submitted), default=None)
        if not found.next_url or oldest is None or oldest < self.since:
            return []
        if number >= self.settings.list_pages:
            facts.not_followed.append(found.next_url)
            return []
        return self._once(page, facts, found.next_url, self._list(link, number + 1))


class InteractionCollector:
    """The site spider's collector for SITE-VETO-INTERACTION facts (see the module docstring)."""

    roles = frozenset({"homepage"})

    def collect(self, page: FetchedPage, spider: FollowPages) -> Iterable[Any]:
        checks = spider.config.site_checks
        if not spider.full or not checks.interaction or not page.obs.ok or page.root is None:
            return []
        override = spider.config.indicators_file or None
        scan = _Scan(
            spider,
            load_check_words(override),
            load_page_words(override),
            spider.as_of - timedelta(days=checks.lookback_days),
        )
        return scan.scan(page, from_home=True)
