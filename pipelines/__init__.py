"""From facts to findings and storage: the judge and its rules, the finding lifecycle, the sweep's
session and its Scrapy item pipeline (``session.py``), the sinks and their disk spool, and the
Elasticsearch store (``esclient``, ``bulk``, ``queries``). Never imports the spiders."""
