"""The content watch's collector: the text of the pages a sweep reads, and the files they link.

Where it looks. A full sweep: every page it crawls (homepage, site map, columns) and every in-site
page its link checks read (role :data:`~spiders.collectors.LINKED`), with the attachments those
pages link. A patrol: the pages linked from the homepage that no earlier sweep has read (on a site's
first patrol, all of them), with their attachments, and the homepage when its text changed; the
memory is the text observations already stored, asked once per site through the ``SeenTexts`` the
application puts in the ``PATROL_SEEN_TEXTS`` setting (without one, every page counts as new).

What it records: :class:`~crawlers.models.TextObservation` facts -- masked text, privacy
candidates, extraction status -- made by :mod:`crawlers.contentwatch`; never a judgment. Pages it
already parsed are read on the loop (a few milliseconds); pages from link checks are parsed, and
files read, in worker threads (:mod:`spiders.contentfiles`). A full sweep keeps what it read of
in-site pages and files in the shared :mod:`spiders.textcache`, and a later one replays those facts
(:meth:`ContentCollector.replay`, and files in :meth:`ContentRun._files`) instead of reading again.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from scrapy import signals

from crawlers import html as html_facts
from crawlers.config import Config, ContentWatchConfig
from crawlers.contentwatch import observe_page
from crawlers.links import is_internal
from crawlers.models import ItemBatch, Target, TextObservation
from spiders.collectors import LINKED, FetchedFile, FetchedPage, FollowPages
from spiders.contentfiles import FileReader, SiteFiles, file_links, note
from spiders.linkcache import LINK_CACHE_REDIS
from spiders.textcache import CachedText, TextCache, text_cache

log = logging.getLogger(__name__)

SEEN_SETTING = "PATROL_SEEN_TEXTS"
SEEN_TIMEOUT_S = 30.0  # the memory did not answer: every page counts as new


class SeenTexts(Protocol):
    """The patrol's memory (the application's, over the store): blocking, called in a thread."""

    def seen(
        self, target_id: str, urls: Collection[str], digests: Collection[str]
    ) -> tuple[set[str], set[str]]:
        """Of ``urls`` and text ``digests``, those an earlier sweep of the target already read."""
        ...


@dataclass
class Seen:
    urls: set[str] = field(default_factory=set)
    digests: set[str] = field(default_factory=set)


@dataclass
class SiteContent:
    """What the watch tracks for one site during a sweep."""

    read: set[str] = field(default_factory=set)  # page URLs whose text is recorded
    notice: set[str] = field(default_factory=set)  # 公示-type pages (their images go to OCR)
    files: SiteFiles = field(default_factory=SiteFiles)
    seen: asyncio.Future[Seen] | None = None  # patrol: the memory's answer for this site


class ContentRun:
    """One spider's content watch: its sites, its file reader, its memory."""

    def __init__(self, spider: FollowPages) -> None:
        self.cw: ContentWatchConfig = spider.config.content_watch
        self.patrol = spider.mode == "patrol"
        self.words = spider.words
        found = spider.crawler.settings.get(SEEN_SETTING)
        self.memory: SeenTexts | None = found if self.patrol else None
        self.reader = FileReader(self.cw)
        # pages from link checks are parsed here: one thread (the work holds the GIL), apart from
        # the file readers, which wait on child processes for seconds
        self.pages = ThreadPoolExecutor(1, thread_name_prefix="govpatrol-text")
        self.sites: dict[str, SiteContent] = {}
        redis_url = spider.crawler.settings.get(LINK_CACHE_REDIS) or ""
        self.cache: TextCache | None = None if self.patrol else text_cache(spider.config, redis_url)

    def close(self) -> None:
        if self.cache is not None:
            self.cache.flush()
            log.info("content watch: %d texts replayed from the text cache", self.cache.hits)
        self.reader.close()
        self.pages.shutdown(wait=False, cancel_futures=True)

    def site(self, target_id: str) -> SiteContent:
        return self.sites.setdefault(target_id, SiteContent())

    # ------------------------------------------------------------------ pages

    def collect(self, page: FetchedPage, spider: FollowPages) -> list[Any]:
        site = self.site(page.target.id)
        if page.obs.role == LINKED:
            return [self._linked(page, spider, site)]  # awaited by the spider
        if not page.obs.ok or page.root is None:
            return []
        url = page.obs.final_url or page.obs.url
        text = observe_page(
            page.target.id, url, page.root, fetched_at=page.obs.fetched_at, title=page.obs.title
        )
        notice = self.words.is_notice(page.obs.title, page.obs.column_name)
        if notice:
            site.notice.add(url)
        files = file_links(page.root, url, page.target.url, images=notice and self.cw.ocr)
        if not self.patrol:
            site.read.add(url)
            return [text, *self._files(page, spider, site, files)]
        if page.obs.role == "homepage":
            site.seen = asyncio.ensure_future(self._ask(page, text.digest, files))
        return [spider.later(page, lambda: self._if_new(page, spider, site, text, files))]

    async def _if_new(
        self,
        page: FetchedPage,
        spider: FollowPages,
        site: SiteContent,
        text: TextObservation,
        files: list[str],
    ) -> list[Any]:
        """Patrol: the homepage when its text changed, another page when no sweep read it; new files."""
        seen = await self._seen(site)
        if page.obs.role == "homepage" and text.digest in seen.digests:
            out: list[Any] = []
        elif page.obs.role != "homepage" and text.url in seen.urls:
            return []
        else:
            out = [text]
        site.read.add(text.url)
        return out + self._files(page, spider, site, [f for f in files if f not in seen.urls])

    async def _linked(self, page: FetchedPage, spider: FollowPages, site: SiteContent) -> list[Any]:
        """An in-site page a link check read: parsed and observed in a thread, then its files."""
        url = page.obs.final_url or page.obs.url
        if self.patrol and (page.obs.url in (await self._seen(site)).urls):
            return []
        if url in site.read or page.obs.url in site.read:
            return []
        site.read.update({url, page.obs.url})
        found_on_notice = any(u in site.notice for u in page.found_on)
        loop = asyncio.get_running_loop()
        text, files, notice = await loop.run_in_executor(
            self.pages, self._read_linked, page, url, found_on_notice
        )
        if notice:
            site.notice.add(url)
        if self.cache is not None:
            self.cache.put(page.target.id, page.obs.url, CachedText([text], files, notice))
        return [text, *self._files(page, spider, site, files)]

    def replay(self, target: Target, urls: list[str]) -> dict[str, list[Any]]:
        """Of the in-site pages ``urls`` (link checks answered from the link cache), those whose facts
        the text cache holds -- the page's and each file's it links -- with the items replaying them
        (nothing for a page already read this sweep). A page not here is fetched and read."""
        if self.cache is None:
            return {}
        site = self.site(target.id)
        pages = self.cache.get_many(target.id, [u for u in urls if u not in site.read])
        links = {f for e in pages.values() for f in e.files} if self.cw.attachments else set()
        files = self.cache.get_many(target.id, sorted(links - site.files.asked))
        out: dict[str, list[Any]] = {}
        for url in urls:
            if url in site.read:
                out[url] = []
                continue
            entry = pages.get(url)
            linked = entry.files if entry is not None and self.cw.attachments else []
            if (
                entry is None
                or not entry.texts
                or any(f not in files and f not in site.files.asked for f in linked)
            ):
                continue
            page = entry.texts[0]
            site.read.update({url, page.url})
            if entry.notice:
                site.notice.add(page.url)
            items: list[Any] = list(entry.texts)
            for file in linked:
                if file in site.files.asked:
                    continue
                site.files.asked.add(file)
                if site.files.allowance(self.cw) <= 0:
                    items.append(note(target.id, file, page.url, "site_attachments", page.fetched_at))
                    continue
                site.files.fetched += 1
                items += self._replayed_file(site, files[file])
            out[url] = items
        return out

    @staticmethod
    def _replayed_file(site: SiteContent, entry: CachedText) -> list[Any]:
        site.files.bytes += sum(t.bytes for t in entry.texts)
        return list(entry.texts)

    def _read_linked(
        self, page: FetchedPage, url: str, found_on_notice: bool
    ) -> tuple[TextObservation, list[str], bool]:
        """Blocking (a worker thread): the page's text, whether it is 公示-type, the files it links."""
        root = html_facts.parse(page.html)
        title = html_facts.page_title(root)
        text = observe_page(page.target.id, url, root, fetched_at=page.obs.fetched_at, title=title)
        notice = found_on_notice or self.words.is_notice(title, page.link_text)
        return text, file_links(root, url, page.target.url, images=notice and self.cw.ocr), notice

    # ------------------------------------------------------------------ the patrol's memory

    async def _ask(self, page: FetchedPage, digest: str, files: list[str]) -> Seen:
        """Which homepage links (pages and files) and which homepage text an earlier sweep read."""
        if self.memory is None:
            return Seen()
        memory = self.memory
        urls = sorted(
            {
                link.url
                for link in page.obs.links
                if link.kind == "page" and is_internal(link.url, page.target.url)
            }
            | set(files)
        )
        loop = asyncio.get_running_loop()
        try:
            found = await asyncio.wait_for(
                loop.run_in_executor(None, memory.seen, page.target.id, urls, [digest]), SEEN_TIMEOUT_S
            )
        except Exception as exc:  # no memory: every page is new (more read, nothing missed)
            log.warning("content watch: no memory of earlier sweeps for %s (%s)", page.target.id, exc)
            return Seen()
        return Seen(set(found[0]), set(found[1]))

    async def _seen(self, site: SiteContent) -> Seen:
        return await site.seen if site.seen is not None else Seen()

    # ------------------------------------------------------------------ files

    def _files(self, page: FetchedPage, spider: FollowPages, site: SiteContent, urls: list[str]) -> list[Any]:
        """Requests for the files not yet asked for; a note for each the site's allowance cuts; the
        facts of those an earlier sweep read, replayed as one batch (yielded one by one, they could
        reach the recorder after the site's TargetDone from another callback)."""
        if not self.cw.attachments:
            return []
        found_on = page.obs.final_url or page.obs.url
        notice = found_on in site.notice
        out: list[Any] = []
        replayed: list[Any] = []
        urls = [u for u in urls if u not in site.files.asked]
        kept = self.cache.get_many(page.target.id, urls) if self.cache is not None else {}
        for url in urls:
            if url in site.files.asked:
                continue
            site.files.asked.add(url)
            allowed = site.files.allowance(self.cw)
            if allowed <= 0:
                out.append(note(page.target.id, url, found_on, "site_attachments", page.obs.fetched_at))
                continue
            site.files.fetched += 1
            if (entry := kept.get(url)) is not None:  # read by an earlier sweep: its facts again
                replayed += self._replayed_file(site, entry)
                continue

            async def read(fetched: FetchedFile, notice: bool = notice) -> Iterable[Any]:
                return await self._read_file(site, fetched, notice, page.obs.fetched_at)

            out.append(spider.fetch_file(page, url, read, max_bytes=allowed))
        return ([ItemBatch(replayed)] if replayed else []) + out

    async def _read_file(
        self, site: SiteContent, fetched: FetchedFile, notice: bool, page_at: datetime
    ) -> list[Any]:
        now = datetime.now(page_at.tzinfo)
        if fetched.error:
            reason = fetched.error if fetched.error in ("too_large", "site_budget") else "download_failed"
            return [note(fetched.target.id, fetched.url, fetched.found_on, reason, now)]
        if fetched.status is not None and fetched.status >= 400:
            self._keep(fetched, [])
            return []  # a missing file is the dead-link rules' finding, not a text
        site.files.bytes += len(fetched.body)
        text = await self.reader.read(fetched, notice=notice, fetched_at=now)
        self._keep(fetched, [text])
        return [text]

    def _keep(self, fetched: FetchedFile, texts: list[TextObservation]) -> None:
        if self.cache is not None:
            self.cache.put(fetched.target.id, fetched.url, CachedText(texts))


class ContentCollector:
    """The content watch as a :class:`~spiders.collectors.PageCollector` (``[content_watch]``)."""

    # "article": the pages another collector samples (their fetch answers the link check, so they
    # never come as LINKED)
    roles = frozenset({"homepage", "sitemap", "column", "article", LINKED})

    def __init__(self) -> None:
        self._runs: weakref.WeakKeyDictionary[Any, ContentRun] = weakref.WeakKeyDictionary()

    def reads_linked(self, config: Config) -> bool:
        return config.content_watch.enabled

    def collect(self, page: FetchedPage, spider: FollowPages) -> Iterable[Any]:
        if not spider.config.content_watch.enabled:
            return []
        return self._run(spider).collect(page, spider)

    def _run(self, spider: FollowPages) -> ContentRun:
        run = self._runs.get(spider)
        if run is None:
            run = self._runs[spider] = ContentRun(spider)
            spider.crawler.signals.connect(run.close, signal=signals.spider_closed)
        return run

    def replay(self, target: Target, urls: list[str], spider: FollowPages) -> dict[str, list[Any]]:
        if not spider.config.content_watch.enabled:
            return {}
        return self._run(spider).replay(target, urls)
