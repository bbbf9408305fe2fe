"""The pure pieces behind hostile-page handling: failure classes, redirect chains, non-HTML answers,
site budgets, certificate problems and the HTTPS rule that reports them."""

from __future__ import annotations

import ssl
from datetime import datetime

import pytest
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import HtmlResponse, Response

from crawlers.config import CrawlConfig, load_config
from crawlers.tlscheck import META_DETAIL, META_KEY, problem_of
from pipelines.rules import https
from pipelines.rules.base import RuleContext, Rules
from spiders.budget import SiteBudget, SiteBudgetSpent
from spiders.fetchfacts import classify_failure, non_html, redirect_failure
from tests.unit import factories as f

RULES = Rules.load()


def _https_findings(home_meta: dict[str, str]) -> list:
    home = f.homepage(meta={**f.GOOD_META, **home_meta})
    return https.check(RuleContext(f.site(home), f.AS_OF, RULES, https.INDICATOR))


def test_a_body_cancelled_while_streaming_is_too_large():
    assert classify_failure(DownloadCancelledError())[0] == "too_large"
    error, detail = classify_failure(
        IgnoreRequest("Ignored response because its body exceeded DOWNLOAD_MAXSIZE during decompression")
    )
    assert error == "too_large"
    assert "DOWNLOAD_MAXSIZE" in detail


def test_a_request_dropped_by_the_site_budget_is_its_own_class():
    assert classify_failure(SiteBudgetSpent("site time budget spent"))[0] == "site_budget"


def test_a_chain_that_comes_back_is_a_loop_and_a_long_one_is_too_many():
    loop = ["http://a/", "http://a/b", "http://a/", "http://a/b"]
    kind, detail = redirect_failure(loop, "http://a/", 3)
    assert kind == "redirect_loop"
    assert detail.startswith("more than 3 redirects: http://a/ -> http://a/b -> http://a/")
    hops = [f"http://a/hop/{i}" for i in range(11)]
    kind, detail = redirect_failure(hops, "http://a/hop/11", 10)
    assert kind == "too_many_redirects"
    assert detail.endswith("http://a/hop/11")


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/pdf", "application/pdf"),
        ("image/png", "image/png"),
        ("application/octet-stream", "application/octet-stream"),
        ("application/msword", "application/msword"),
        ("text/html; charset=gbk", ""),
        ("application/xhtml+xml", ""),
        ("", ""),
    ],
)
def test_non_html_answers_are_named_by_their_content_type(content_type, expected):
    headers = {"Content-Type": content_type} if content_type else {}
    response = Response("http://x.gov.cn/", body=b"%PDF-1.4", headers=headers)
    assert non_html(response) == expected


def test_html_is_never_called_non_html():
    response = HtmlResponse("http://x.gov.cn/", body=b"<html></html>", headers={"Content-Type": "text/html"})
    assert non_html(response) == ""


def test_page_and_link_budgets_count_what_they_cut():
    budget = SiteBudget.from_config(CrawlConfig(site_page_budget=2, max_links=1, site_time_budget=9))
    assert [budget.take_page() for _ in range(4)] == [True, True, False, False]
    assert [budget.take_link() for _ in range(3)] == [True, False, False]
    cut = {o.error: o for o in budget.observations("X1", "http://x.gov.cn/", datetime.now().astimezone())}
    assert set(cut) == {"page_budget", "link_budget"}
    assert cut["page_budget"].role == "budget"
    assert "2 requests" in cut["page_budget"].error_detail
    assert "page budget of 2" in cut["page_budget"].error_detail


def test_an_untouched_budget_records_nothing():
    budget = SiteBudget.from_config(CrawlConfig())
    assert budget.take_page()
    assert budget.observations("X1", "u", datetime.now().astimezone()) == []


def test_budget_and_certificate_settings_come_from_the_config_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[network]\nca_file = "/etc/ca.pem"\n[crawl]\nsite_time_budget = 30\nsite_page_budget = 50\n'
        "max_links = 100\nmax_redirects = 5\ncheck_certificates = false\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.network.ca_file == "/etc/ca.pem"
    crawl = config.crawl
    assert (crawl.site_time_budget, crawl.site_page_budget, crawl.max_links, crawl.max_redirects) == (
        30.0,
        50,
        100,
        5,
    )
    assert crawl.check_certificates is False


def _verify_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    exc = ssl.SSLCertVerificationError(1, f"certificate verify failed: {message}")
    exc.verify_code, exc.verify_message = code, message
    return exc


@pytest.mark.parametrize(
    ("code", "message", "problem"),
    [
        (10, "certificate has expired", "expired"),
        (62, "Hostname mismatch", "hostname_mismatch"),
        (18, "self-signed certificate", "untrusted"),
        (20, "unable to get local issuer certificate", "untrusted"),
        (9, "certificate is not yet valid", "not_yet_valid"),
    ],
)
def test_certificate_problems_are_classified_by_openssl_code(code, message, problem):
    assert problem_of(_verify_error(code, message)) == problem


def test_a_handshake_that_fails_for_other_reasons_is_a_handshake_problem():
    assert problem_of(ssl.SSLError(1, "wrong version number")) == "handshake"


@pytest.mark.parametrize(
    ("problem", "words"),
    [("expired", "证书已过期"), ("hostname_mismatch", "证书与域名不符"), ("untrusted", "证书不受信任")],
)
def test_a_certificate_problem_is_an_https_finding_with_its_evidence(problem, words):
    (finding,) = _https_findings({META_KEY: problem, META_DETAIL: "certificate verify failed"})
    assert words in finding.message
    assert finding.evidence["certificate"] == {
        "problem": problem,
        "problem_name": words,
        "detail": "certificate verify failed",
    }


def test_a_verified_certificate_is_no_finding():
    assert _https_findings({META_KEY: ""}) == []
