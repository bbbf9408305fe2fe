"""The Scrapy settings of a crawl: every value that makes an inspection trustworthy, from the config."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.settings import Settings
from scrapy.utils.misc import load_object

from crawlers.config import Config
from crawlers.guardproxy import BrowserGuardSpec
from crawlers.resolver import PatrolResolver
from spiders.settings import MAX_PAGE_BYTES, abort_heavy_request, build_settings


@pytest.fixture
def config() -> Config:
    cfg = Config()
    cfg.crawl.concurrency = 48
    cfg.crawl.per_host = 3
    cfg.browser.max_pages = 2
    cfg.browser.executable = "/opt/chromium/chrome"
    cfg.network.resolve = {"*.gov.cn": "127.0.0.1"}
    cfg.network.offline = True
    return cfg


def test_concurrency_comes_from_the_config(config):
    s = build_settings(config)
    assert s["CONCURRENT_REQUESTS"] == 48
    assert s["CONCURRENT_REQUESTS_PER_DOMAIN"] == 3


def test_an_inspection_sees_what_visitors_see_and_keeps_every_failure(config):
    s = build_settings(config)
    assert s["ROBOTSTXT_OBEY"] is False
    assert s["HTTPERROR_ALLOW_ALL"] is True
    assert s["RETRY_ENABLED"] is False  # a failed probe is a fact
    assert s["REDIRECT_MAX_TIMES"] == 10
    assert s["DOWNLOAD_MAXSIZE"] == MAX_PAGE_BYTES == 10 * 1024 * 1024
    assert s["USER_AGENT"] == config.network.user_agent


def test_no_control_endpoints_are_served(config):
    s = build_settings(config)
    assert s["REMOTE_CONTROL_ENABLED"] is False
    assert s["TELNETCONSOLE_ENABLED"] is False


def test_scrapy_logs_warnings_only_unless_asked(config, monkeypatch):
    monkeypatch.delenv("GOVPATROL_LOG_LEVEL", raising=False)
    assert build_settings(config)["LOG_LEVEL"] == "WARNING"
    monkeypatch.setenv("GOVPATROL_LOG_LEVEL", "DEBUG")
    assert build_settings(config)["LOG_LEVEL"] == "DEBUG"


def test_names_resolve_through_our_resolver_with_the_configured_map(config):
    s = build_settings(config)
    assert load_object(s["TWISTED_DNS_RESOLVER"]) is PatrolResolver
    crawler = SimpleNamespace(settings=Settings(s))  # the resolver reads the Config in PATROL_CONFIG
    resolver = PatrolResolver.from_crawler(crawler, reactor=SimpleNamespace())
    assert resolver.map.lookup("www.suzhou.gov.cn") == "127.0.0.1"
    assert resolver.offline is True


def test_the_browser_is_debian_chromium_with_the_same_host_map(config):
    s = build_settings(config)
    assert s["TWISTED_REACTOR"] == "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
    assert s["DOWNLOAD_HANDLERS"]["http"] == "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    assert s["PLAYWRIGHT_BROWSER_TYPE"] == "chromium"
    launch = s["PLAYWRIGHT_LAUNCH_OPTIONS"]
    assert launch["executable_path"] == "/opt/chromium/chrome"
    for arg in ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"):
        assert arg in launch["args"]
    # Chromium resolves no name itself and reaches nothing but the guard's proxy, even on loopback
    assert "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" in launch["args"]
    assert "--proxy-bypass-list=<-loopback>" in launch["args"]
    guard = launch["proxy"]
    assert isinstance(guard, BrowserGuardSpec)  # the provider swaps it for the running proxy's URL
    assert guard.resolve.lookup("www.suzhou.gov.cn") == "127.0.0.1"
    assert guard.offline is True
    assert s["PLAYWRIGHT_BROWSER_PROVIDER"] == "spiders.browserguard.GuardedBrowserProvider"
    assert s["PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"] == 2


def test_render_never_keeps_the_browser_out_entirely(config):
    config.crawl.render_js = "never"
    assert "DOWNLOAD_HANDLERS" not in build_settings(config)


@pytest.mark.parametrize(
    ("resource", "aborted"),
    [
        ("image", True),
        ("font", True),
        ("media", True),
        ("script", False),
        ("xhr", False),
        ("document", False),
    ],
)
def test_the_browser_skips_pixels_but_loads_scripts_and_data(resource, aborted):
    assert abort_heavy_request(SimpleNamespace(resource_type=resource)) is aborted
