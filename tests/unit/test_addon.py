"""The Scrapy add-on wires every crawl the same way, from one Config; the seams into Scrapy hold.

``govpatrol sweep`` and ``scrapy crawl`` both get their settings, middlewares and pipeline from
``govpatrol.addon.PatrolAddon``; the project settings named in ``scrapy.cfg`` list it and keep the
known traps shut. The per-site budget reaches into Scrapy's downloader slot queues (no public API
drops a queued download), so that seam is pinned (``scrapy<2.20``) and tested here.
"""

from __future__ import annotations

import configparser
from pathlib import Path
from types import SimpleNamespace

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader import Downloader, Slot
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

from crawlers.config import CONFIG_SETTING, Config
from crawlers.resolver import AddressGuardMiddleware
from govpatrol.addon import PatrolAddon
from govpatrol.distributed.hostslots import HostSlotsMiddleware
from pipelines.session import RecorderPipeline
from spiders.account import AccountSpider
from spiders.budget import SiteBudgetMiddleware, SiteBudgetSpent, purge_queued
from spiders.inflight import InFlightCapMiddleware
from spiders.settings import PLAYWRIGHT_HANDLER
from spiders.site import SiteSpider

ROOT = Path(__file__).resolve().parents[2]


def _config_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "govpatrol.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _crawler(spider: type[Spider], **settings: object) -> Crawler:
    """A crawler of ``spider`` with the add-on's settings applied, as a crawl would start it."""
    crawler = Crawler(spider, {"ADDONS": {PatrolAddon: 0}, **settings})
    crawler.addons.load_settings(crawler.settings)
    return crawler


def test_a_config_file_named_on_the_command_line_is_loaded_once_and_drives_scrapy(tmp_path):
    path = _config_file(tmp_path, "[crawl]\nconcurrency = 7\nper_host = 2\nmax_redirects = 3\n")
    crawler = _crawler(SiteSpider, PATROL_CONFIG=str(path))
    config = crawler.settings[CONFIG_SETTING]
    assert isinstance(config, Config)
    assert config.source == str(path)
    assert crawler.settings.getint("CONCURRENT_REQUESTS") == 7
    assert crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2
    assert crawler.settings.getint("REDIRECT_MAX_TIMES") == 3


def test_the_command_line_still_wins_over_the_add_on():
    settings = Settings({CONFIG_SETTING: Config()})
    settings.set("CONCURRENT_REQUESTS", 3, "cmdline")
    PatrolAddon().update_settings(settings)
    assert settings.getint("CONCURRENT_REQUESTS") == 3
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == Config().crawl.per_host


def test_the_add_on_installs_the_middlewares_and_the_recorder_pipeline():
    settings = _crawler(SiteSpider, PATROL_CONFIG=Config()).settings
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares[AddressGuardMiddleware] < middlewares[SiteBudgetMiddleware]
    assert middlewares[HostSlotsMiddleware] < middlewares[InFlightCapMiddleware]
    assert settings.getdict("ITEM_PIPELINES") == {RecorderPipeline: 300}
    assert settings.get("TWISTED_DNS_RESOLVER") == "crawlers.resolver.PatrolResolver"
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False


def test_a_component_switched_off_stays_off():
    settings = _crawler(SiteSpider, ITEM_PIPELINES={RecorderPipeline: None}).settings
    assert settings.getdict("ITEM_PIPELINES") == {RecorderPipeline: None}


def test_host_slots_are_not_configured_outside_a_distributed_worker():
    with pytest.raises(NotConfigured):
        HostSlotsMiddleware.from_crawler(_crawler(SiteSpider))


def test_accounts_always_get_the_browser_and_sites_only_when_rendering_is_on():
    never = Config()
    never.crawl.render_js = "never"
    assert _crawler(AccountSpider, PATROL_CONFIG=never).settings.getdict("DOWNLOAD_HANDLERS") == {
        "http": PLAYWRIGHT_HANDLER,
        "https": PLAYWRIGHT_HANDLER,
    }
    site_handlers = _crawler(SiteSpider, PATROL_CONFIG=never).settings.getdict("DOWNLOAD_HANDLERS")
    assert site_handlers.get("http") != PLAYWRIGHT_HANDLER
    assert _crawler(SiteSpider).settings.getdict("DOWNLOAD_HANDLERS")["http"] == PLAYWRIGHT_HANDLER


def test_scrapy_cfg_names_the_project_settings_which_list_the_add_on_and_keep_the_traps_shut():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "scrapy.cfg")
    module = cfg["settings"]["default"]
    settings = Settings()
    settings.setmodule(module)
    assert "govpatrol.addon.PatrolAddon" in settings.getdict("ADDONS")
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert {"site", "account"} <= set(SpiderLoader.from_settings(settings).list())


def test_the_budget_drops_a_sites_requests_from_scrapys_downloader_slot_queues():
    """The seam: ``Downloader.slots`` maps keys to ``Slot``s whose ``queue`` holds (request, deferred)."""
    downloader = Downloader(get_crawler(Spider))
    slot = Slot(1, 0)
    theirs, ours = Request("http://a.gov.cn/1", meta={"target_id": "S1"}), Request("http://a.gov.cn/2")
    waiting: list[Deferred] = [Deferred(), Deferred()]
    slot.queue.extend(zip((theirs, ours), waiting, strict=True))
    downloader.slots["a.gov.cn"] = slot
    errors: list[BaseException] = []
    waiting[0].addErrback(lambda failure: errors.append(failure.value))
    assert purge_queued(SimpleNamespace(engine=SimpleNamespace(downloader=downloader)), "S1") == 1
    assert [request for request, _ in slot.queue] == [ours]
    assert len(errors) == 1
    assert isinstance(errors[0], SiteBudgetSpent)
