"""Scrapy spiders and fetchers: they gather observations (facts) and never judge. Pages go through
Scrapy; link checks and availability probes through one aiohttp client (``httpclient.py``); the
crawl's settings derive from the Config (``settings.py``). Never imports the pipelines."""
