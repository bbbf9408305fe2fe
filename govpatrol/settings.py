"""The Scrapy project settings (``scrapy.cfg``: ``default = govpatrol.settings``).

Everything a patrol crawl needs comes from the add-on; this module only names it, plus the traps
that must stay shut even if the add-on were removed. Configuration:
``scrapy crawl site -a targets=sites.csv -a output=out.jsonl -s PATROL_CONFIG=govpatrol.toml``.
"""

from __future__ import annotations

BOT_NAME = "govpatrol"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
ADDONS = {"govpatrol.addon.PatrolAddon": 0}

TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 serves a code-executing endpoint otherwise
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # scrapy-playwright needs it
