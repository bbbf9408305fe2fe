"""Is this post a repost of the event? Three ways, any one suffices (indicator data decides how alike):

* **title**: the post's title, or a line of its text, normalised, is at least ``title_similarity``
  alike to the event's title (rapidfuzz's normalised Indel ratio; when the line is longer than the
  title, the best-aligned part of it, so "【title】 全文如下……" matches);
* **keywords**: the post's words contain every keyword of the event;
* **link**: the post links to the event's URL (scheme, ``www.``, a trailing slash and the fragment
  ignored; a platform's redirect wrapper such as ``sinaurl?u=…`` unwrapped).

Normalised: full-width forms folded (NFKC), lower case, the ``strip_words`` (a repost's own labels:
转发, 权威发布, ...) removed, then every character that is not a letter or digit dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from rapidfuzz import fuzz

from crawlers.events import Event, RepostPost

_NOT_WORD = re.compile(r"[\W_]+")
_URL = re.compile(r"https?://[^\s<>\"'，。；！？、）】]+", re.I)


@dataclass(frozen=True)
class Match:
    by: str  # title | keywords | link
    similarity: float  # the best title similarity seen (0..1), whatever matched
    detail: str = ""  # the line, keywords or link that matched


def normalise(text: str, strip_words: Iterable[str] = ()) -> str:
    folded = unicodedata.normalize("NFKC", text or "").lower()
    for word in sorted(
        (unicodedata.normalize("NFKC", w).lower() for w in strip_words), key=len, reverse=True
    ):
        if word:
            folded = folded.replace(word, "")
    return _NOT_WORD.sub("", folded)


def similarity(title: str, candidate: str) -> float:
    """0..1 between two normalised strings; a longer candidate is searched for its best part."""
    if not title or not candidate:
        return 0.0
    if len(candidate) > len(title):
        return fuzz.partial_ratio(title, candidate) / 100.0
    return fuzz.ratio(title, candidate) / 100.0


def url_key(url: str) -> str:
    """A URL as compared: host without ``www.``, path without a trailing slash, query kept."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{port}{path}{query}"


def link_targets(link: str) -> list[str]:
    """The link and any URL carried in its query (redirect wrappers), unquoted."""
    out = [link]
    for _, value in parse_qsl(urlsplit(link).query):
        value = unquote(value)
        if value.lower().startswith(("http://", "https://")):
            out.append(value)
    return out


def post_links(post: RepostPost) -> list[str]:
    """Every URL of a post: those the page object gave, and those written in its words."""
    found = list(post.links) + _URL.findall(post.text) + _URL.findall(post.title)
    return [u for link in dict.fromkeys(found) for u in link_targets(link)]


def _lines(post: RepostPost) -> list[str]:
    lines = [post.title, *re.split(r"[\n\r]+", post.text)]
    return [line for line in dict.fromkeys(lines) if line.strip()]


def match_post(post: RepostPost, event: Event, params: dict[str, Any]) -> Match | None:
    """How ``post`` reposts ``event``, or None (thresholds and words from the rule's data)."""
    strip = [str(w) for w in params.get("strip_words", [])]
    title = normalise(event.title, strip)
    best, line_hit = 0.0, ""
    if len(title) >= int(params["min_title_chars"]):
        for line in _lines(post):
            score = similarity(title, normalise(line, strip))
            if score > best:
                best, line_hit = score, line
    if best >= float(params["title_similarity"]):
        return Match("title", round(best, 3), line_hit[:200])
    keywords = [normalise(k) for k in event.keywords]
    keywords = [k for k in keywords if k]
    words = normalise(f"{post.title}\n{post.text}")
    if keywords and all(k in words for k in keywords):
        return Match("keywords", round(best, 3), "、".join(event.keywords))
    if event.url:
        wanted = url_key(event.url)
        for link in post_links(post):
            if url_key(link) == wanted:
                return Match("link", round(best, 3), link[:500])
    return None
