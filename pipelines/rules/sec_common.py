"""What the content-watch rules share: wording hits grouped into findings, fingerprints, wording.

A hit becomes one finding per (text URL, dictionary entry, normalised context): the same term in the
same sentence seen on three lines is one thing for a person to review, and its fingerprint (a digest
of the indicator, the entry and that context) is what a dismissal remembers. Every finding is
``pending_review``: a dictionary cannot tell a quotation or a history lesson from an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from crawlers.models import Finding, TextObservation
from pipelines.rules.base import Rules
from pipelines.wording import WordingHit, judged_hits, matcher_for

PENDING = "pending_review"
KIND_WORDS = {"page": "页面", "attachment": "附件", "post": "发布内容"}

# builds a finding: (evidence, message, subject_url, fingerprint) -> Finding
MakeFinding = Callable[[dict[str, Any], str, str, str], Finding]


def fingerprint(*parts: str) -> str:
    """A short digest of what matched: with the target and subject it keys a dismissal."""
    key = "\x1f".join(parts)
    return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


def where_words(text: TextObservation, page: int, line: int) -> str:
    """ "附件 第2页第5行" / "页面 第3行": where a person finds the hit."""
    place = f"第{page}页第{line}行" if text.pages > 1 or page > 1 else f"第{line}行"
    return f"{KIND_WORDS.get(text.kind, '内容')}{place}"


def text_evidence(text: TextObservation) -> dict[str, Any]:
    return {
        "url": text.url,
        "kind": text.kind,
        "format": text.format,
        "found_on": text.found_on,
        "title": text.title,
        "fetched_at": text.fetched_at.isoformat()
        if hasattr(text.fetched_at, "isoformat")
        else text.fetched_at,
        "ocr": text.ocr,
    }


def wording_findings(
    texts: list[TextObservation], rules: Rules, indicator: str, make: MakeFinding
) -> list[Finding]:
    """Every raised dictionary hit in ``texts``, one finding per URL, entry and context."""
    table = rules.table(indicator)
    matcher = matcher_for(rules, indicator)
    names = {d.key: d.name for d in matcher.dictionaries}
    context_chars = int(table.get("context_chars", 30))
    fp_chars = int(table.get("fingerprint_chars", 10))
    findings: list[Finding] = []
    for text in texts:
        if not text.text:
            continue
        hits = judged_hits(matcher.scan(text.text, context_chars, fp_chars), table)
        groups: dict[tuple[str, str], list[WordingHit]] = {}
        for hit in hits:
            groups.setdefault((hit.entry.key, hit.key_context), []).append(hit)
        for (entry_key, key_context), same in groups.items():
            first = same[0]
            entry = first.entry
            evidence = text_evidence(text) | {
                "term": first.term,
                "context": first.context,
                "dictionary": entry.dictionary,
                "dictionary_name": names.get(entry.dictionary, entry.dictionary),
                "entry": entry.id,
                "wrong": entry.wrong,
                "suggested": entry.right,
                "entry_severity": entry.severity,
                "mark": entry.mark,
                "page": first.page,
                "line": first.line,
                "occurrences": [{"page": h.page, "line": h.line} for h in same],
            }
            fix = f"，建议改为“{entry.right}”" if entry.right else ""
            message = (
                f"{where_words(text, first.page, first.line)}出现“{first.term}”"
                f"（{evidence['dictionary_name']}）{fix}，待人工审核"
            )
            fp = fingerprint(indicator, entry_key, key_context)
            findings.append(make(evidence, message, text.url, fp))
    return findings
