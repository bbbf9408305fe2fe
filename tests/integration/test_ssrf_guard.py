"""The SSRF guard end to end: a real crawl, a real probe and a real sweep over the simulated web.

The crawler's config allows ONLY the site's own hostname (not 127.0.0.1), yet every simulated host
lives at 127.0.0.1. The site's homepage links to names and addresses in every blocked class and to
its own pages that redirect into a private range or to a name resolving to 127.0.0.1. None of them
may be fetched: the simulated server's own request log never sees them, and each is recorded with
the error class ``blocked`` (never ``refused`` or ``timeout``: the guard decided before any socket),
while the site itself is crawled normally. A second test sweeps with an Elasticsearch URL carrying
user:password and an alert webhook with a token, and finds the secrets nowhere.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta

import pytest

from crawlers.config import load_config
from crawlers.models import Target
from govpatrol.probe import record_probes, rollup_unreachable
from pipelines.rules.base import Rules
from pipelines.store import Store
from simweb.model import Response
from simweb.server import SimulatedWeb, free_closed_port
from simweb.world import World
from spiders.probe import probe_sites
from tests.jsonl_runs import crawl_to_jsonl, link_state, of_type, run_to_jsonl

AS_OF = datetime.fromisoformat("2024-10-08T10:00:00+08:00")
SITE = "www.ssrf.gov.cn"
ALIAS = "intranet-alias.gov.cn"  # in [network] resolve, pointing at 127.0.0.1: a "localhost" by another name
ES_PASSWORD = "Es-Passw0rd-4711"
WEBHOOK_TOKEN = "dt-token-5f3a9c"
SIGN_SECRET = "SECsign-8b2e77"


class LoggedWeb:
    """The simulated web with its own request log: every (Host header, path) the server answered."""

    def __init__(self) -> None:
        self.web = SimulatedWeb(World(as_of=AS_OF, seed=1, sites={})).start()
        self.seen: list[tuple[str, str]] = []
        answer = self.web.world.lookup

        def logged(host: str, path: str) -> Response | None:
            self.seen.append((host, path))
            return answer(host, path)

        self.web.world.lookup = logged  # type: ignore[method-assign]

    @property
    def port(self) -> int:
        return self.web.port

    def hosts_seen(self) -> set[str]:
        return {host for host, _ in self.seen}


def _homepage(port: int) -> tuple[str, dict[str, str]]:
    """The homepage and its blocked links: URL -> the class the guard must name."""
    blocked = {
        f"http://{ALIAS}:{port}/": "loopback",
        f"http://localhost:{port}/admin": "loopback",
        f"http://127.0.0.2:{port}/": "loopback",
        "http://10.1.2.3/": "private",
        "http://169.254.169.254/latest/meta-data/": "metadata",
        f"http://[::1]:{port}/": "loopback",
        "http://100.100.100.200/latest/meta-data/": "metadata",
        f"http://2130706433:{port}/": "loopback",
    }
    links = "".join(f'<li><a href="{url}">内部链接{i}</a></li>' for i, url in enumerate(blocked))
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>某市人民政府</title></head><body>'
        f'<ul><li><a href="/about.html">机构概况</a></li><li><a href="/jump">办事入口</a></li>'
        f'<li><a href="/jump-alias">互动平台</a></li>{links}</ul>'
        '<div class="footer">主办单位：某市人民政府办公室 网站标识码：3200000001 苏ICP备12345678号</div>'
        "</body></html>"
    )
    return html, blocked


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ssrf")
    logged = LoggedWeb()
    port = logged.port
    html, blocked = _homepage(port)
    web = logged.web
    web.set_route(SITE, "/", html)
    web.set_route(
        SITE, "/about.html", '<html><head><meta charset="utf-8"><title>机构概况</title></head></html>'
    )
    web.set_route(SITE, "/jump", Response(status=302, headers={"Location": "http://192.168.1.1/"}))
    web.set_route(SITE, "/jump-alias", Response(status=302, headers={"Location": f"http://{ALIAS}:{port}/x"}))
    web.set_route(ALIAS, "/", "<html><body>must never be served</body></html>")
    web.set_route("localhost", "/admin", "<html><body>must never be served</body></html>")
    targets = tmp / "targets.csv"
    targets.write_text(
        "id,kind,name,owner,region,url,platform,account_id,site_code\n"
        f"S900,site,某市人民政府,某市人民政府办公室,江苏省,http://{SITE}:{port}/,,,3200000001\n",
        encoding="utf-8",
    )
    config = tmp / "config.toml"
    config.write_text(
        '[elasticsearch]\nurl = ""\n\n'
        f'[network]\nallow_hosts = ["{SITE}"]\noffline = true\n'
        f'resolve = {{ "{SITE}" = "127.0.0.1", "{ALIAS}" = "127.0.0.1" }}\n\n'
        "[crawl]\nlink_timeout = 5\nhomepage_timeout = 10\npage_timeout = 10\n",
        encoding="utf-8",
    )
    yield {
        "logged": logged,
        "tmp": tmp,
        "targets": targets,
        "config": config,
        "blocked": blocked,
        "port": port,
    }
    web.stop()


@pytest.fixture(scope="module")
def crawled(world):
    out = world["tmp"] / "crawl.jsonl"
    run = crawl_to_jsonl(world["targets"], world["config"], AS_OF, "patrol", out, timeout=180)
    (home,) = of_type(run.records, "PageObservation", role="homepage")
    return {"homepage": home, "links": of_type(run.records, "LinkCheck")}


def test_the_site_itself_is_crawled_normally(world, crawled):
    assert crawled["homepage"]["status"] == 200
    assert crawled["homepage"]["error"] is None
    about = next(link for link in crawled["links"] if link["url"].endswith("/about.html"))
    assert link_state(about).dead is False
    assert (SITE, "/about.html") in world["logged"].seen


def test_no_blocked_link_was_fetched_and_each_is_recorded_as_blocked(world, crawled):
    links = {link["url"]: link for link in crawled["links"]}
    for url, klass in world["blocked"].items():
        check = links[url]
        assert check["error"] == "blocked", (url, check["error"], check["error_detail"])
        assert f"{klass} address" in check["error_detail"]
        assert link_state(check).dead is True
    seen = world["logged"].hosts_seen()
    assert seen == {SITE}  # the server never saw any other name or address


def test_redirects_into_a_private_range_or_to_a_loopback_name_are_blocked(world, crawled):
    links = {link["url"].rsplit("/", 1)[-1]: link for link in crawled["links"]}
    jump, jump_alias = links["jump"], links["jump-alias"]
    assert jump["error"] == "blocked"
    assert "192.168.1.1 is a private address" in jump["error_detail"]
    assert jump_alias["error"] == "blocked"
    assert f"{ALIAS} resolves to 127.0.0.1 (loopback address" in jump_alias["error_detail"]
    # the redirecting hop was served; the target of the redirect never was
    paths = {path for _, path in world["logged"].seen}
    assert "/jump" in paths
    assert "/x" not in paths


def test_the_sweep_reports_each_blocked_link_with_its_reason(world):
    out = world["tmp"] / "sweep.jsonl"
    args = ["-m", "govpatrol", "sweep", "--targets", str(world["targets"]), "--as-of", AS_OF.isoformat()]
    args += ["--output", str(out), "--config", str(world["config"]), "--quiet", "--no-es"]
    run = run_to_jsonl(args, out, 180)
    dead = [
        f
        for f in of_type(run.records, "finding")
        if f["indicator"] == "SITE-DED-DEAD-LINK-HOME" and f["evidence"]["error"] == "blocked"
    ]
    reported = {f["subject_url"] for f in dead}
    assert set(world["blocked"]) <= reported
    for f in dead:
        assert "内网或保留地址（已拦截）" in f["message"]
        assert f["evidence"]["confirmed"] is True
        assert "allow_hosts" in f["evidence"]["error_detail"]
    (summary,) = of_type(run.records, "target")
    assert summary["verdict"] != "unverified" or "homepage not fetched" not in " ".join(
        summary["unverified_reasons"]
    )


def test_probes_refuse_blocked_addresses_and_the_rollup_does_not_count_them(world, store):
    config = load_config(world["config"])
    port = world["port"]
    targets = [
        Target(
            id="P1", kind="site", name="站点", owner="某办", region="江苏省", url=f"http://{SITE}:{port}/"
        ),
        Target(
            id="P2", kind="site", name="别名", owner="某办", region="江苏省", url=f"http://{ALIAS}:{port}/"
        ),
        Target(
            id="P3", kind="site", name="回环", owner="某办", region="江苏省", url=f"http://localhost:{port}/"
        ),
        Target(
            id="P4", kind="site", name="元数据", owner="某办", region="江苏省", url="http://169.254.169.254/"
        ),
        Target(
            id="P5", kind="site", name="跳转", owner="某办", region="江苏省", url=f"http://{SITE}:{port}/jump"
        ),
    ]
    before = len(world["logged"].seen)
    rounds = [AS_OF - timedelta(hours=h) for h in range(1, 4)]
    probes = [p for t in rounds for p in probe_sites(targets, t, config)]
    by_site = {p.target_id: p for p in probes if p.fetched_at == rounds[0]}
    assert by_site["P1"].error is None
    assert by_site["P1"].status == 200
    for tid in ("P2", "P3", "P4", "P5"):
        assert by_site[tid].error == "blocked", (tid, by_site[tid].error, by_site[tid].error_detail)
    new_hosts = {h.split(":")[0] for h, _ in world["logged"].seen[before:]}
    assert new_hosts == {SITE}
    record_probes(probes, store)
    findings = {f.target_id: f for f in rollup_unreachable(store, targets, AS_OF, Rules.load())}
    assert "P1" not in findings  # healthy
    for tid in ("P2", "P3", "P4", "P5"):
        assert findings[tid].status == "unverified"  # we refused to look: never "unreachable"


def test_credentials_never_appear_in_output_findings_or_the_sweep_record(world, es_url, tmp_path):
    prefix = f"govpatrol-ssrf-{tmp_path.name[-6:].lower()}"
    host = es_url.split("://", 1)[1]
    secret_es = f"http://elastic:{ES_PASSWORD}@{host}"
    config = tmp_path / "config.toml"
    base = world["config"].read_text(encoding="utf-8").replace('url = ""', f"url = {json.dumps(secret_es)}")
    hook = f"http://127.0.0.1:{free_closed_port()}/robot/send?access_token={WEBHOOK_TOKEN}"
    config.write_text(
        base.replace("[elasticsearch]\n", f"[elasticsearch]\nindex_prefix = {json.dumps(prefix)}\n")
        + "\n[alerts]\nenabled = true\nretries = 0\ntimeout_s = 2\n"
        + f'webhooks = [{{kind = "dingtalk", url = {json.dumps(hook)}, secret = {json.dumps(SIGN_SECRET)}}}]\n',
        encoding="utf-8",
    )
    out = tmp_path / "sweep.jsonl"
    args = ["-m", "govpatrol", "sweep", "--targets", str(world["targets"]), "--as-of", AS_OF.isoformat()]
    args += ["--output", str(out), "--config", str(config), "--es", secret_es]
    env = {**os.environ, "GOVPATROL_LOG_LEVEL": "INFO", "GOVPATROL_ES_PASSWORD": ES_PASSWORD}
    run = run_to_jsonl(args, out, 240, env=env)
    store = Store(load_config(config).elasticsearch)
    try:
        store.refresh()
        (record,) = of_type(run.records, "sweep")
        stored = store.search_findings(sweep_id=record["id"])
        assert stored, "the sweep wrote its findings through the URL with credentials"
        assert "alerts:" in run.stderr  # the alert path ran (and failed: nothing listens there)
        texts = {
            "stdout": run.stdout,
            "stderr": run.stderr,
            "jsonl": "\n".join(run.lines),
            "findings in ES": json.dumps(stored, ensure_ascii=False, default=str),
            "sweep record in ES": json.dumps(
                store.es.get(index=f"{prefix}-sweeps", id=record["id"])["_source"]
            ),
        }
        for where, text in texts.items():
            for secret in (ES_PASSWORD, WEBHOOK_TOKEN, SIGN_SECRET):
                assert secret not in text, f"{secret!r} leaked into {where}"
    finally:
        store.delete_indices()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-v"]))
