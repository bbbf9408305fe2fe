"""A page's text fingerprint and block structure, built to tolerate a homepage's ordinary churn.

A homepage changes every day: new news titles, dates, a visitor counter, the weather, a rotating
banner. A defaced page changes all at once. The fingerprint is a bottom-k sketch (the ``K`` smallest
64-bit hashes) of the page's 4-character shingles after every digit is made ``0`` (dates, times,
counters and temperatures then stop mattering); two sketches estimate the Jaccard similarity of the
shingle sets. A one-hash bottom-k sketch is a dozen lines of standard library, so it is written here
rather than pulled in with a numeric stack (datasketch's MinHash needs numpy and k hash
permutations per shingle). The block structure is the set of container signatures (``div#main.news``),
class digits normalised, so a moved banner or a new list entry leaves it as it was and a redesign or a
replaced page does not.
"""

from __future__ import annotations

import hashlib
import re

from lxml.html import HtmlElement

K = 128  # hashes kept: a similarity estimate within a few hundredths
SHINGLE = 4  # characters per shingle (Chinese text has no spaces to split words on)
MAX_BLOCKS = 300
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_BLOCK_TAGS = frozenset(
    {"div", "section", "article", "aside", "header", "footer", "nav", "main", "table", "ul", "ol", "form"}
)


def normalise(text: str) -> str:
    """Digits runs become ``0`` and whitespace is dropped: what churns without meaning is gone."""
    return _SPACE.sub("", _DIGITS.sub("0", text))


def _hash(shingle: str) -> int:
    digest = hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1  # 63 bits: a signed long in Elasticsearch


def text_print(text: str, k: int = K) -> list[int]:
    """The sketch of ``text``: the ``k`` smallest shingle hashes, ascending ([] for no text)."""
    norm = normalise(text)
    if not norm:
        return []
    if len(norm) < SHINGLE:
        return [_hash(norm)]
    hashes = {_hash(norm[i : i + SHINGLE]) for i in range(len(norm) - SHINGLE + 1)}
    return sorted(hashes)[:k]


def similarity(a: list[int], b: list[int], k: int = K) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets (1.0 for two empty texts)."""
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    left, right = set(a), set(b)
    union = sorted(left | right)[:k]
    return sum(1 for h in union if h in left and h in right) / len(union)


def _signature(el: HtmlElement) -> str:
    classes = sorted(_DIGITS.sub("0", c) for c in (el.get("class") or "").split())
    ident = _DIGITS.sub("0", (el.get("id") or "").strip())
    return str(el.tag) + (f"#{ident}" if ident else "") + "".join(f".{c}" for c in classes)


def blocks(root: HtmlElement, max_depth: int = 8) -> list[str]:
    """Signatures of the named containers within ``max_depth`` levels of ``<body>``, sorted."""
    body = root.find(".//body")
    if body is None:
        return []
    found: set[str] = set()
    stack: list[tuple[HtmlElement, int]] = [(child, 1) for child in body]
    while stack and len(found) < MAX_BLOCKS:
        el, depth = stack.pop()
        if not isinstance(el.tag, str):
            continue
        if el.tag in _BLOCK_TAGS and (el.get("id") or el.get("class")):
            found.add(_signature(el))
        if depth < max_depth:
            stack.extend((child, depth + 1) for child in el)
    return sorted(found)


def set_similarity(a: list[str], b: list[str]) -> float:
    """Jaccard similarity of two block sets (1.0 when both are empty)."""
    left, right = set(a), set(b)
    if not left and not right:
        return 1.0
    return len(left & right) / len(left | right)
