"""Scrapy spiders: they gather observations (facts) and never judge."""
