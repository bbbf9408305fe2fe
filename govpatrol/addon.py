"""The govpatrol Scrapy add-on: every setting, middleware and pipeline of a patrol crawl, in one place.

``ADDONS = {PatrolAddon: 0}`` is all a crawl needs: the project settings (``govpatrol/settings.py``,
named in ``scrapy.cfg``) list it, so ``scrapy crawl site -a targets=sites.csv -a output=out.jsonl``
runs the crawl ``govpatrol sweep`` runs, which passes the same add-on (``govpatrol/crawl.py``).

One source of configuration: the ``PATROL_CONFIG`` setting holds the :class:`~crawlers.config.Config`
(``govpatrol sweep`` puts the object there; ``scrapy crawl -s PATROL_CONFIG=govpatrol.toml`` names a
file, loaded here once, and without it the defaults apply). The add-on derives Scrapy's own settings
from it (``spiders/settings.py``) at add-on priority, so ``-s`` on the command line still wins, and
each govpatrol component reads the Config once in ``from_crawler``.

Components, by priority (a component set to ``None`` in ``DOWNLOADER_MIDDLEWARES`` or
``ITEM_PIPELINES`` stays off, as in any Scrapy project):

- downloader middlewares: 50 the SSRF guard (``crawlers.resolver``), 60 the per-site budgets
  (``spiders.budget``), 980 the distributed sweep's cross-worker host slots (``NotConfigured``
  outside a worker), 990 the process-wide in-flight cap (``spiders.inflight``), last before the
  download;
- item pipeline: 300 the sweep recorder (``pipelines.session``): judge per target, write sinks;
- ``PLAYWRIGHT_BROWSER_PROVIDER``: one Chromium per process (``spiders.browserprovider``);
- incremental sweeps: the link cache's Redis (``[crawl] link_cache_*hours``, the sweep's Redis) and
  the page cache revalidated with ETag / Last-Modified (``[crawl] http_cache_dir``,
  ``spiders.conditional``).
"""

from __future__ import annotations

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from crawlers.config import CONFIG_SETTING, config_from_settings
from crawlers.resolver import AddressGuardMiddleware
from govpatrol.distributed import redis_url
from govpatrol.distributed.hostslots import REDIS_URL_SETTING, HostSlotsMiddleware
from pipelines.session import RecorderPipeline
from spiders.browserprovider import SharedBrowserProvider
from spiders.budget import SiteBudgetMiddleware
from spiders.conditional import ConditionalCacheMiddleware
from spiders.inflight import InFlightCapMiddleware
from spiders.settings import build_settings
from spiders.sitelinks import LINK_CACHE_REDIS

DOWNLOADER_MIDDLEWARES: dict[type, int] = {
    AddressGuardMiddleware: 50,
    SiteBudgetMiddleware: 60,
    # a Redis host slot is taken just before the in-flight place, so a wait for a busy host
    # never holds one of this worker's places
    # the page cache of incremental sweeps sits where Scrapy's own would (off unless configured)
    ConditionalCacheMiddleware: 900,
    HostSlotsMiddleware: 980,
    InFlightCapMiddleware: 990,
}
ITEM_PIPELINES: dict[type, int] = {RecorderPipeline: 300}
ADDON = SETTINGS_PRIORITIES["addon"]


def apply_config(settings: BaseSettings) -> None:
    """The Config in ``PATROL_CONFIG`` (loaded here if it is a file name), and Scrapy's settings from it."""
    config = config_from_settings(settings)
    settings.set(CONFIG_SETTING, config, max(settings.getpriority(CONFIG_SETTING) or 0, ADDON))
    for name, value in build_settings(config).items():
        if name != CONFIG_SETTING:
            settings.set(name, value, ADDON)


class PatrolAddon:
    """Installs govpatrol's settings, middlewares and pipelines (Scrapy's ``ADDONS``)."""

    @classmethod
    def update_pre_crawler_settings(cls, settings: BaseSettings) -> None:
        """The crawler process's own settings: the reactor's DNS resolver (``[network] resolve``,
        the SSRF guard) and thread pool are built from these, not from any crawler's."""
        apply_config(settings)

    def update_settings(self, settings: BaseSettings) -> None:
        apply_config(settings)  # a Config already loaded for the process is reused, not re-read
        for component, order in DOWNLOADER_MIDDLEWARES.items():
            settings.setdefault_in_component_priority_dict("DOWNLOADER_MIDDLEWARES", component, order)
        for component, order in ITEM_PIPELINES.items():
            settings.setdefault_in_component_priority_dict("ITEM_PIPELINES", component, order)
        settings.set("PLAYWRIGHT_BROWSER_PROVIDER", SharedBrowserProvider, ADDON)
        crawl = config_from_settings(settings).crawl
        if max(crawl.link_cache_hours, crawl.link_cache_page_hours, crawl.link_cache_failed_hours) > 0:
            # the link cache is shared by every worker: the sweep's own Redis (a worker's --redis)
            url = settings.get(REDIS_URL_SETTING) or redis_url(config_from_settings(settings))
            settings.set(LINK_CACHE_REDIS, url, ADDON)
