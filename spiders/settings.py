"""Every Scrapy setting a crawl uses, derived from the configuration, grouped and commented.

:func:`build_settings` turns a :class:`~crawlers.config.Config` into the settings of one crawl. The
Config itself rides along in ``PATROL_CONFIG``: it is the one source, and govpatrol's own
components (spiders, resolver, middlewares, pipelines) read it once in ``from_crawler``; the other
keys here are Scrapy's and scrapy-playwright's, so that their components follow the same Config.
The add-on (``govpatrol/addon.py``) applies these settings to every crawl, ``govpatrol sweep``
and ``scrapy crawl`` alike.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from scrapy.logformatter import LogFormatter

from crawlers.browser import CHROMIUM_ARGS, CHROMIUM_CANDIDATES, find_chromium
from crawlers.config import CONFIG_SETTING, Config
from crawlers.guard import policy_for
from crawlers.guardproxy import CHROMIUM_GUARD_ARGS, BrowserGuardSpec
from crawlers.hostmap import ResolveMap
from crawlers.models import PLATFORMS

if TYPE_CHECKING:
    from playwright.async_api import Request as PlaywrightRequest

#: resource types the browser never loads: a rendered list needs its scripts and data, not pixels
BLOCKED_RESOURCE_TYPES = frozenset({"image", "font", "media"})
PLAYWRIGHT_HANDLER = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
MAX_PAGE_BYTES = 10 * 1024 * 1024


def chromium_executable(config: Config) -> str:
    """The configured browser, else Debian's Chromium (``playwright install`` cannot download here)."""
    if config.browser.executable:
        return config.browser.executable
    return find_chromium() or CHROMIUM_CANDIDATES[-1]


def abort_heavy_request(request: PlaywrightRequest) -> bool:
    """``PLAYWRIGHT_ABORT_REQUEST``: skip images, fonts and media while rendering a list."""
    return request.resource_type in BLOCKED_RESOURCE_TYPES


class QuietLogFormatter(LogFormatter):
    """Scrapy's per-response and per-item DEBUG lines, built only when DEBUG is on.

    Scrapy formats a record for every response and every item (the item's whole repr) and lets
    the handler drop it afterwards: on a sweep of 100,000 links that was a tenth of the CPU.
    """

    def crawled(self, request: Any, response: Any, spider: Any) -> Any:
        return super().crawled(request, response, spider) if _debug() else None

    def scraped(self, item: Any, response: Any, spider: Any) -> Any:
        return super().scraped(item, response, spider) if _debug() else None


def _debug() -> bool:
    return _LOG_LEVEL() == "DEBUG"


def _LOG_LEVEL() -> str:  # noqa: N802 (reads like the setting it mirrors)
    return os.environ.get("GOVPATROL_LOG_LEVEL", "WARNING").upper()


def build_settings(config: Config) -> dict[str, Any]:
    """The settings of one crawl under ``config`` (the sweep's kind is a spider argument, ``mode``)."""
    crawl, network, browser = config.crawl, config.network, config.browser
    policy = policy_for(config)
    # every connection Chromium makes goes through the guard's proxy, which resolves names our way
    # (crawlers/guardproxy.py); the provider starts it and puts its URL in place of the spec
    guard = BrowserGuardSpec(policy, ResolveMap.parse(network.resolve), network.offline, crawl.page_timeout)
    settings: dict[str, Any] = {
        # --- project --------------------------------------------------------------------
        "BOT_NAME": "govpatrol",
        "SPIDER_MODULES": ["spiders"],
        "NEWSPIDER_MODULE": "spiders",
        # --- ours: the configuration, read once by each component (crawlers.config) -----------
        CONFIG_SETTING: config,
        "PATROL_LINK_GET_MAXSIZE": 1024 * 1024,  # body read cap when GETting a link for soft-404s
        # --- concurrency and politeness -------------------------------------------------
        "CONCURRENT_REQUESTS": crawl.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.per_host,  # slots are per hostname
        "DOWNLOAD_DELAY": 0,  # politeness is the per-host cap, not a delay: a patrol has a deadline
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_ITEMS": 1,  # a callback's items in the order it yields them (across callbacks: crawlers/tally.py)
        "REACTOR_THREADPOOL_MAXSIZE": 20,  # DNS lookups run in threads
        # --- what an inspection sees --------------------------------------------------------
        # robots.txt is not obeyed: an inspection must see what every visitor sees, and a site
        # cannot exempt itself from the national checks by disallowing crawlers.
        "ROBOTSTXT_OBEY": False,
        "USER_AGENT": network.user_agent,
        "COOKIES_ENABLED": True,  # some CMSs set a session cookie and redirect once
        "HTTPERROR_ALLOW_ALL": True,  # a 404 or 500 is an observation, not an error to drop
        # a failed probe is a fact for the availability rule, never retried away
        "RETRY_ENABLED": False,
        "REDIRECT_ENABLED": True,
        "REDIRECT_MAX_TIMES": crawl.max_redirects,  # beyond: "redirect_loop" / "too_many_redirects"
        "METAREFRESH_ENABLED": True,
        "DOWNLOAD_TIMEOUT": crawl.page_timeout,  # per request overridden by download_timeout meta
        # beyond this: error "too_large"; HttpCompressionMiddleware applies it to the decompressed
        # size too, so a gzip/deflate/brotli bomb stops at the cap (tests/integration/test_hostile_pages.py)
        "DOWNLOAD_MAXSIZE": MAX_PAGE_BYTES,
        "DOWNLOAD_WARNSIZE": 2 * 1024 * 1024,
        # an expired certificate is the HTTPS notice's business; the page is still observed
        "DOWNLOAD_VERIFY_CERTIFICATES": False,
        "URLLENGTH_LIMIT": 0,  # long CMS URLs are still links to check; a silent drop would lose them
        "DEPTH_LIMIT": 0,
        "DUPEFILTER_CLASS": "scrapy.dupefilters.BaseDupeFilter",  # the spider dedupes (seen-sets)
        # --- name resolution ----------------------------------------------------------------
        # [network] resolve and offline, and the SSRF guard: [network] allow_hosts plus the
        # platform origins (crawlers/ssrf.py), enforced by the resolver and the first middleware
        "TWISTED_DNS_RESOLVER": "crawlers.resolver.PatrolResolver",
        # the project's own Elasticsearch and Redis are refused whatever the list says
        # (crawlers/guard.py); the add-on installs the guard middleware and the per-site budgets
        "DNS_TIMEOUT": min(crawl.link_timeout, crawl.homepage_timeout),
        "DNSCACHE_ENABLED": True,
        # --- incremental sweeps: pages kept and revalidated (spiders.conditional) ------------
        "HTTPCACHE_DIR": crawl.http_cache_dir or "httpcache",
        "HTTPCACHE_GZIP": True,
        # --- services we never want ---------------------------------------------------------
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # Scrapy 2.19 serves a code-executing endpoint otherwise
        # --- logging ------------------------------------------------------------------------
        # Scrapy's INFO chatter drowns a sweep's own progress: WARNING unless asked for
        "LOG_LEVEL": _LOG_LEVEL(),
        "LOG_FORMATTER": QuietLogFormatter,
        "LOGSTATS_INTERVAL": 60.0,
        # --- the browser: scrapy-playwright, opted into per request (meta["playwright"]) -------
        "TWISTED_REACTOR": ASYNCIO_REACTOR,
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "headless": True,
            "executable_path": chromium_executable(config),
            "args": [*CHROMIUM_ARGS, *CHROMIUM_GUARD_ARGS],
            "proxy": guard,
        },
        # Chromium only behind the guard's proxy (the add-on puts the shared provider, which wraps it)
        "PLAYWRIGHT_BROWSER_PROVIDER": "spiders.browserguard.GuardedBrowserProvider",
        "PLAYWRIGHT_ABORT_REQUEST": abort_heavy_request,
        # sites render in one context; the account spider names one per platform and page lane
        "PLAYWRIGHT_MAX_CONTEXTS": len(PLATFORMS) * (browser.max_pages + browser.warm_pages),
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": browser.max_pages,  # pages open at once
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": int(crawl.page_timeout * 1000),
        # no startup contexts: the browser starts on the first page that needs it, not every sweep
    }
    if crawl.render_js != "never":
        settings["DOWNLOAD_HANDLERS"] = {"http": PLAYWRIGHT_HANDLER, "https": PLAYWRIGHT_HANDLER}
    return settings
