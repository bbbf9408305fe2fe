"""Static host resolution: the [network] resolve map and the Scrapy resolver (Chromium resolves nothing:
its connections go through the guard's proxy, tests/integration/test_browser_guard.py)."""

from __future__ import annotations

import pytest
from twisted.internet.error import DNSLookupError
from twisted.internet.task import Clock

from crawlers.hostmap import ResolveMap
from crawlers.resolver import PatrolResolver


def _result(deferred):
    """The value (or the exception) an already-fired Deferred holds."""
    box: list = []
    deferred.addCallbacks(box.append, lambda failure: box.append(failure.value))
    assert box, "the resolver answered asynchronously; a mapped name must be answered at once"
    return box[0]


def test_exact_names_and_wildcards_are_looked_up_case_insensitively():
    rmap = ResolveMap.parse({"www.suzhou.gov.cn": "127.0.0.1", "*.gov.cn": "127.0.0.2"})
    assert rmap.lookup("WWW.Suzhou.gov.cn") == "127.0.0.1"
    assert rmap.lookup("www.nanjing.gov.cn") == "127.0.0.2"
    assert rmap.lookup("www.example.com") is None


def test_a_wildcard_does_not_match_its_bare_suffix():
    rmap = ResolveMap.parse({"*.gov.cn": "127.0.0.1"})
    assert rmap.lookup("gov.cn") is None
    assert rmap.lookup("a.b.gov.cn") == "127.0.0.1"


def test_the_longest_wildcard_suffix_wins_and_an_exact_name_beats_all():
    rmap = ResolveMap.parse({"*.gov.cn": "10.0.0.1", "*.js.gov.cn": "10.0.0.2", "www.js.gov.cn": "10.0.0.3"})
    assert rmap.lookup("www.nj.js.gov.cn") == "10.0.0.2"
    assert rmap.lookup("www.sh.gov.cn") == "10.0.0.1"
    assert rmap.lookup("www.js.gov.cn") == "10.0.0.3"


@pytest.mark.parametrize(
    "resolve", [{"www.a.gov.cn": "not-an-ip"}, {"www.*.gov.cn": "127.0.0.1"}, {"": "127.0.0.1"}]
)
def test_malformed_entries_are_rejected_with_the_entry_named(resolve):
    with pytest.raises(ValueError, match="resolve"):
        ResolveMap.parse(resolve)


def test_the_scrapy_resolver_answers_mapped_names_itself():
    resolver = PatrolResolver(Clock(), 100, 5.0, resolve={"*.gov.cn": "127.0.0.1"}, offline=True)
    assert _result(resolver.getHostByName("www.suzhou.gov.cn")) == "127.0.0.1"


def test_offline_an_unmapped_name_fails_at_once_as_a_dns_error():
    resolver = PatrolResolver(Clock(), 100, 5.0, resolve={"*.gov.cn": "127.0.0.1"}, offline=True)
    error = _result(resolver.getHostByName("www.example.com"))
    assert isinstance(error, DNSLookupError)


def test_ip_literals_need_no_lookup_even_offline():
    resolver = PatrolResolver(Clock(), 100, 5.0, resolve={}, offline=True)
    assert _result(resolver.getHostByName("127.0.0.1")) == "127.0.0.1"
