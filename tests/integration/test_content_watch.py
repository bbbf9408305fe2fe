"""The content watch end to end, without the spiders: a plain HTTP client reads the simulated web's
planted site (pages, then the attachments they link) and the planted accounts' posts, the kernel
masks and extracts, the judge's rules raise; every planted expression and unmasked number is
raised and nothing else (recall and precision 1.0 against the ground truth), and no full personal
number reaches anything written: JSON Lines, Elasticsearch, the log."""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest

from crawlers.contentwatch import observe_document, observe_page, observe_post
from crawlers.dates import BEIJING
from crawlers.documents import ATTACHMENT_EXTENSIONS, extension, page_text
from crawlers.models import (
    AccountObservation,
    Finding,
    SiteObservations,
    Target,
    TargetSummary,
    TextObservation,
)
from crawlers.privacy import find_personal_numbers
from pipelines.judge import judge_account, judge_site, load_rules
from pipelines.rules.sec_common import PENDING
from pipelines.sinks import JsonLinesSink, observation_doc
from pipelines.store import Store
from pipelines.wording import judged_hits, matcher_for
from simweb import contentwatch
from simweb.accounts import build_accounts
from simweb.server import SimulatedWeb
from simweb.verify import compare_content_watch
from simweb.world import build_world
from tests.platform_world import drive_account

AS_OF = datetime(2024, 10, 1, 10, 0, tzinfo=BEIJING)
PLATFORMS = ["weibo", "bilibili", "douyin"]  # two planted expressions and one correct look-alike


@pytest.fixture(scope="module")
def web() -> Iterator[SimulatedWeb]:
    served = SimulatedWeb(build_world(AS_OF), accounts=build_accounts(AS_OF, platforms=PLATFORMS))
    with served:
        yield served


def get(web: SimulatedWeb, url: str) -> tuple[int, bytes, str]:
    """One GET to the simulated web (every simulated host is served on the loopback port)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
    try:
        conn.request("GET", parts.path or "/", headers={"Host": parts.netloc})
        resp = conn.getresponse()
        return resp.status, resp.read(), resp.getheader("Content-Type", "")
    finally:
        conn.close()


def read_site(web: SimulatedWeb, target: Target) -> list[TextObservation]:
    """Homepage, the pages it links, and every attachment linked from those pages (same host)."""
    host = urlsplit(target.url).netloc
    texts: list[TextObservation] = []
    seen: set[str] = set()
    queue: list[tuple[str, str, int]] = [(target.url, "", 0)]
    while queue:
        url, found_on, depth = queue.pop(0)
        if url in seen or urlsplit(url).netloc != host:
            continue
        seen.add(url)
        status, body, ctype = get(web, url)
        assert status == 200, url
        if extension(url) in ATTACHMENT_EXTENSIONS:
            texts.append(
                observe_document(
                    target.id, url, body, fetched_at=AS_OF, found_on=found_on, content_type=ctype
                )
            )
            continue
        texts.append(observe_page(target.id, url, body, fetched_at=AS_OF))
        if depth < 2:
            for href in lxml.html.fromstring(body).xpath("//a/@href"):
                queue.append((urljoin(url, href), url, depth + 1))
    return texts


def run_content_watch(web: SimulatedWeb) -> tuple[list[Finding], list[TargetSummary], list[TextObservation]]:
    rules = load_rules()
    site = Target(
        contentwatch.TARGET_ID,
        "site",
        contentwatch.NAME,
        contentwatch.OWNER,
        contentwatch.REGION,
        web.url(contentwatch.HOST, "/"),
    )
    texts = read_site(web, site)
    findings, summary = judge_site(SiteObservations(target=site, texts=texts), AS_OF, rules)
    summaries = [summary]
    assert web.accounts is not None
    for account in web.accounts.accounts:
        if account.case != "active":
            continue
        result, _ = drive_account(web.accounts, account)
        posts = [observe_post(account.target_id, p, fetched_at=AS_OF) for p in result.posts]
        texts += posts
        obs = AccountObservation(
            account.target_id, account.platform, account.profile_url, AS_OF, result.state, posts=posts
        )
        target = Target(
            account.target_id,
            "account",
            account.name,
            account.owner,
            account.region,
            account.profile_url,
            platform=account.platform,
        )
        more, summary = judge_account(obs, target, AS_OF, rules)
        findings += more
        summaries.append(summary)
    return findings, summaries, texts


Run = tuple[list[Finding], list[TargetSummary], list[TextObservation], Path]


@pytest.fixture(scope="module")
def run(web: SimulatedWeb, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One content-watch run over the planted site and accounts, every log record kept in a file."""
    log_file = tmp_path_factory.mktemp("cw") / "run.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        findings, summaries, texts = run_content_watch(web)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.close()
    return findings, summaries, texts, log_file


def test_every_planted_hit_is_raised_and_nothing_else(web: SimulatedWeb, run: Run) -> None:
    findings, summaries, texts, _ = run
    truth = web.truth()
    driven = {s.target_id for s in summaries}
    truth["accounts"] = {k: v for k, v in truth["accounts"].items() if k in driven}
    assert compare_content_watch(truth, findings) == []

    sec = [f for f in findings if f.indicator.endswith("SEC-WORDING") or f.indicator == "SITE-SEC-PRIVACY"]
    raised = [f for f in sec if f.status == PENDING]
    planted = len(truth["content_watch"][contentwatch.TARGET_ID]["expect"])
    planted += sum(len(a["content_watch"]) for a in truth["accounts"].values())
    assert len(raised) == planted  # one finding per planted hit: recall 1.0 and precision 1.0
    for f in raised:  # the evidence a reviewer needs
        ev = f.evidence
        assert ev["url"] == f.subject_url
        assert ev["line"] >= 1
        assert ev["page"] >= 1
        if f.indicator == "SITE-SEC-PRIVACY":
            assert "*" in ev["masked"]
            assert ev["masked"] in ev["context"]
        else:
            assert ev["term"] in ev["context"]
            assert ev["dictionary"]
            assert ev["entry"]
    by_url = {t.url: t for t in texts}
    pdf = web.url(contentwatch.HOST, "/gsgg/files/mingdan.pdf")
    wording_in_pdf = next(f for f in raised if f.subject_url == pdf and f.indicator == "SITE-SEC-WORDING")
    assert (wording_in_pdf.evidence["page"], wording_in_pdf.evidence["suggested"]) == (2, "生态环境部")
    assert by_url[web.url(contentwatch.HOST, "/gsgg/files/saomiao.png")].ocr
    # security-watch hits wait for a person: the site's verdict is not decided by them
    site_summary = summaries[0]
    assert site_summary.findings == 0


def test_no_full_personal_number_in_anything_written(run: Run, tmp_path: Path, store: Store) -> None:
    findings, summaries, texts, log_file = run
    sink = JsonLinesSink(tmp_path / "out.jsonl")
    for f in findings:
        sink.write_finding(f)
    for s in summaries:
        sink.write_target(s)
    docs = [observation_doc(t, "sweep-cw") for t in texts]
    for doc in docs:
        sink.write_observation(doc)
    sink.close()
    store.upsert_findings(findings)
    store.write_targets(summaries)
    store.write_observations(docs)
    store.refresh()

    stored = store.es.search(index=f"{store.prefix}-*", size=1000, query={"match_all": {}})
    hits = stored["hits"]["hits"]
    assert len(hits) >= len(findings) + len(texts)
    written = [p.read_text(encoding="utf-8") for p in [*tmp_path.rglob("*"), log_file] if p.is_file()]
    assert log_file.stat().st_size > 0  # the run did log (HTTP, Elasticsearch, extraction)
    written.append(json.dumps(hits, ensure_ascii=False))
    assert any("****" in w for w in written)  # the masked forms are there ...
    for number in contentwatch.planted_numbers():
        for where, text in enumerate(written):
            assert number not in text, f"full number {number[:3]}... written in output {where}"


def test_the_rest_of_the_simulated_web_raises_nothing(web: SimulatedWeb) -> None:
    """Precision beyond the planted site: every other site's pages are clean (no dictionary hit,
    no personal number), so wiring the watch into the full sweep adds no false alarm."""
    rules = load_rules()
    matcher = matcher_for(rules, "SITE-SEC-WORDING")
    table = rules.table("SITE-SEC-WORDING")
    pages = 0
    for site in web.world.sites.values():
        for path in list(web.world.routes.get(site.host, {})):
            response = web.world.lookup(site.host, path)
            if response is None or response.content_type != "text/html" or not response.body:
                continue
            body = response.body if isinstance(response.body, bytes) else response.body.encode("utf-8")
            if response.encoding != "utf-8":
                body = response.body.encode("utf-8") if isinstance(response.body, str) else body
            text = page_text(body)
            pages += 1
            assert judged_hits(matcher.scan(text), table) == [], f"{site.host}{path}"
            assert find_personal_numbers(text) == [], f"{site.host}{path}"
    assert pages > 100
