"""Pages of incremental sweeps are always revalidated; only a 304 answers with the kept copy.

A kept page is never taken as fresh (whatever its Cache-Control says), a 5xx is the failure it is
(Scrapy's own policy would answer it with the copy), and pages rendered in Chromium are never kept.
"""

from __future__ import annotations

from scrapy.http import HtmlResponse, Request
from scrapy.settings import Settings

from spiders.conditional import RevalidatePolicy

URL = "http://www.example.gov.cn/"


def page(status: int = 200, **headers: str) -> HtmlResponse:
    return HtmlResponse(
        URL,
        status=status,
        body=b"<html></html>",
        headers={k.replace("_", "-"): v for k, v in headers.items()},
    )


def test_a_kept_page_is_always_asked_for_again_with_its_validators():
    policy = RevalidatePolicy(Settings())
    request = Request(URL)
    kept = page(ETag='"v1"', Last_Modified="Mon, 07 Oct 2024 08:00:00 GMT", Cache_Control="max-age=86400")
    assert policy.is_cached_response_fresh(kept, request) is False
    assert request.headers[b"If-None-Match"] == b'"v1"'
    assert request.headers[b"If-Modified-Since"] == b"Mon, 07 Oct 2024 08:00:00 GMT"


def test_only_a_304_reuses_the_copy():
    policy = RevalidatePolicy(Settings())
    kept, request = page(ETag='"v1"'), Request(URL)
    assert policy.is_cached_response_valid(kept, page(304), request)
    assert not policy.is_cached_response_valid(kept, page(503), request)  # a failure stays a failure
    assert not policy.is_cached_response_valid(kept, page(200, ETag='"v2"'), request)


def test_what_is_kept():
    policy = RevalidatePolicy(Settings())
    assert policy.should_cache_response(page(ETag='"v1"'), Request(URL))
    assert not policy.should_cache_response(page(), Request(URL))  # nothing to revalidate with
    assert not policy.should_cache_response(page(404, ETag='"v1"'), Request(URL))
    assert policy.should_cache_request(Request(URL))
    assert not policy.should_cache_request(Request(URL, meta={"playwright": True}))
    assert not policy.should_cache_request(Request(URL, method="HEAD"))
    assert not policy.should_cache_request(Request("data:,"))
