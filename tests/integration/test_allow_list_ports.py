"""Allowing an address no longer allows every name and port on it, and the project's own
Elasticsearch is never fetched from crawled content, whatever the allow list says.

The site is registered by address (``http://127.0.0.1:PORT/``) with ``allow_hosts = ["127.0.0.1"]``:
its own pages are crawled, but a link to ``localhost`` on the same port (a name nobody listed) and a
link to the running Elasticsearch node (found through ``govpatrol services``' state) are refused
before any connection, and the server never sees the ``localhost`` request.
"""

from __future__ import annotations

import sys
from datetime import datetime
from urllib.parse import urlsplit

import pytest

from tests.integration.test_ssrf_guard import LoggedWeb
from tests.jsonl_runs import crawl_to_jsonl, link_state, of_type

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")


def test_an_allowed_address_opens_neither_other_names_nor_the_elasticsearch_port(tmp_path, es_url):
    es_port = urlsplit(es_url).port
    logged = LoggedWeb()
    port = logged.port
    links = {
        f"http://127.0.0.1:{port}/about.html": None,  # the allowed address and its pages
        f"http://localhost:{port}/admin": "loopback",  # the same server by a name nobody listed
        f"http://127.0.0.1:{es_port}/_cat/indices": "service",  # the project's own Elasticsearch
        f"http://2130706433:{es_port}/": "service",
    }
    anchors = "".join(f'<li><a href="{u}">链接{i}</a></li>' for i, u in enumerate(links))
    logged.web.set_route(
        "127.0.0.1",
        "/",
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>某县人民政府</title></head>'
        f"<body><ul>{anchors}</ul></body></html>",
    )
    logged.web.set_route(
        "127.0.0.1", "/about.html", '<html><head><meta charset="utf-8"><title>概况</title></head></html>'
    )
    logged.web.set_route("localhost", "/admin", "<html><body>must never be served</body></html>")
    targets = tmp_path / "targets.csv"
    targets.write_text(
        "id,kind,name,owner,region,url,platform,account_id,site_code\n"
        f"S1,site,某县人民政府,某县人民政府办公室,江苏省,http://127.0.0.1:{port}/,,,\n",
        encoding="utf-8",
    )
    config = tmp_path / "config.toml"
    config.write_text(
        '[elasticsearch]\nurl = ""\n\n[network]\nallow_hosts = ["127.0.0.1"]\noffline = true\n\n'
        "[crawl]\nlink_timeout = 5\nhomepage_timeout = 10\npage_timeout = 10\n",
        encoding="utf-8",
    )
    try:
        run = crawl_to_jsonl(targets, config, AS_OF, "patrol", tmp_path / "crawl.jsonl", timeout=180)
    finally:
        logged.web.stop()
    checks = {c["url"]: c for c in of_type(run.records, "LinkCheck")}
    for url, klass in links.items():
        if klass is None:
            assert link_state(checks[url]).dead is False, checks[url]
        else:
            assert checks[url]["error"] == "blocked", (url, checks[url]["error_detail"])
            reason = "the project's own services" if klass == "service" else f"{klass} address"
            assert reason in checks[url]["error_detail"], checks[url]["error_detail"]
    assert logged.hosts_seen() == {"127.0.0.1"}  # never asked for as localhost


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-v"]))
