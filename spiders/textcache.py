"""The content watch's text cache: what an earlier full sweep read of an in-site page or a file.

A cached sweep answers an in-site page's link check from the link cache, which carries no page, so
without this the content watch fetched every page again for its text. Here, next to the link cache
in the same shared Redis, each page and file the watch read is kept as the facts it recorded
(:class:`~crawlers.models.TextObservation`: the masked text, the privacy candidates, the extraction
status) for ``[crawl] link_cache_page_hours``; a later full sweep -- in any worker -- replays those
facts instead of reading the page again. The facts are the text, not the hits: the rules match the
dictionaries against it when they judge, so a dictionary or office-list change gives its new
findings from a replayed text, without a crawl (as judging stored texts does).

An entry is keyed by the site, the URL and :func:`facts_key` (how the facts were made: the reading
settings and :data:`FACTS_VERSION`), so a change in how pages or files are read starts afresh. A page
entry names the files the page links; it is replayed only when each of them has an entry too (a file
not kept, e.g. one cut by a transient failure, makes the page be read again). Entries are compressed
(zlib); a Redis that fails costs the cache (pages are read), never the sweep.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from dataclasses import dataclass, field
from typing import Any

import redis

from crawlers.config import Config
from crawlers.models import TextObservation
from crawlers.records import record_from_dict
from spiders.rediswrites import BatchedWrites

log = logging.getLogger(__name__)

#: bump when the facts a page or file gives change for the same bytes (text extraction, masking)
FACTS_VERSION = "1"
FLUSH_EVERY = 100  # entries written in one round trip
#: reasons a file was not read that say nothing lasting about the file (it is fetched again)
TRANSIENT = frozenset(
    {"timeout", "too_large", "site_budget", "site_attachments", "download_failed", "ocr_budget"}
)


@dataclass(frozen=True)
class CachedText:
    """One page or file as the watch read it: its facts, and for a page the files it links."""

    texts: list[TextObservation] = field(default_factory=list)  # empty: nothing recorded (a 404 file)
    files: list[str] = field(default_factory=list)
    notice: bool = False  # a 公示-type page (its images were read)


def keepable(text: TextObservation) -> bool:
    """Facts worth keeping: read (in full or part), or unreadable for a lasting reason."""
    return text.extraction != "unverified" or text.reason not in TRANSIENT


def facts_key(config: Config) -> str:
    """How facts are made under ``config`` (the reading settings; not the thread count)."""
    settings = config.content_watch.model_dump(exclude={"extract_workers", "enabled"})
    data = json.dumps([FACTS_VERSION, settings], sort_keys=True)
    return hashlib.sha1(data.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]


def encode(entry: CachedText) -> bytes:
    data = {"texts": [t.to_dict() for t in entry.texts], "files": entry.files, "notice": entry.notice}
    return zlib.compress(json.dumps(data, ensure_ascii=False).encode("utf-8"))


def decode(raw: bytes) -> CachedText:
    data = json.loads(zlib.decompress(raw))
    texts = [record_from_dict(TextObservation, t) for t in data["texts"]]
    return CachedText(texts, list(data["files"]), bool(data["notice"]))


class TextCache:
    """``get_many(target_id, urls)`` -> the kept entries; ``put(target_id, url, entry)`` (buffered)."""

    def __init__(self, client: Any, prefix: str, hours: float, key: str) -> None:
        self.redis = client
        self.prefix = prefix
        self.ttl = int(hours * 3600)
        self.facts = key
        self.writes = BatchedWrites(client, FLUSH_EVERY, "text cache")
        self.hits = 0

    def key(self, target_id: str, url: str) -> str:
        digest = hashlib.sha1(url.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()
        return f"{self.prefix}:textcache:{self.facts}:{target_id}:{digest}"

    def get_many(self, target_id: str, urls: list[str]) -> dict[str, CachedText]:
        if not urls:
            return {}
        try:
            raws = self.redis.mget([self.key(target_id, url) for url in urls])
            found = {url: decode(raw) for url, raw in zip(urls, raws, strict=True) if raw is not None}
        except Exception as exc:  # noqa: BLE001 - any Redis or decoding failure: read the pages
            log.warning("text cache not read (%s): the pages are read", exc)
            return {}
        self.hits += len(found)
        return found

    def put(self, target_id: str, url: str, entry: CachedText) -> None:
        if self.ttl <= 0 or not all(keepable(t) for t in entry.texts):
            return
        self.writes.add(self.key(target_id, url), encode(entry), self.ttl)

    def flush(self) -> None:
        self.writes.flush()


def text_cache(config: Config, url: str) -> TextCache | None:
    """The shared text cache when in-site pages are kept (``link_cache_page_hours``) and a Redis is
    named; None otherwise."""
    hours = config.crawl.link_cache_page_hours
    if hours <= 0 or not url or not config.content_watch.enabled:
        return None
    client = redis.Redis.from_url(url, socket_timeout=5)
    return TextCache(client, config.elasticsearch.index_prefix, hours, facts_key(config))
