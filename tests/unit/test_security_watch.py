"""The security watch over recorded facts, without a crawl: the simulated watch world's homepages
(simweb.securitywatch) are read into watch facts and judged, tick by tick.

Each hiding technique is raised, the healthy look-alikes (a hover menu, white links on a dark footer,
a scrolling notice) are not; the four tamper kinds are raised against the baseline, and a whole
simulated day of ordinary churn (news items, banner, date and weather, visitor counter) raises
nothing; cloaking, link hijack and wrong links are judged from their own facts.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import lxml.html
import pytest

from crawlers.hiddenlinks import MAX_HIDDEN
from crawlers.models import Finding, LinkCheck, SiteObservations
from crawlers.pagewords import load_page_words
from crawlers.watchfacts import read_watch, render_reason
from crawlers.watchmodels import WatchObservation
from govpatrol.demowatch import missed
from pipelines.judge import judge_site, load_rules
from pipelines.watchstore import baseline_of
from simweb import securitywatch as sw
from simweb.model import Response
from tests.unit import factories

PORT = 8080
RULES = load_rules()
WATCH = {
    "SITE-SEC-TAMPER",
    "SITE-SEC-DARK-LINK",
    "SITE-SEC-MALWARE",
    "SITE-SEC-CLOAKING",
    "SITE-SEC-LINK-HIJACK",
    "SITE-DED-WRONG-LINK",
}
SPEC = {s.id: s for s in sw.SITES}


def home_url(site: str) -> str:
    return sw.url(PORT, SPEC[site].host)


def served(site: str, tick: int, path: str = "/") -> str:
    route = sw.routes(tick, PORT)[SPEC[site].host][path]
    assert isinstance(route, Response)
    assert route.writer is None
    return str(route.body)


def observe(site: str, tick: int, html: str | None = None, variant: str = "static") -> WatchObservation:
    url = home_url(site)
    return read_watch(
        lxml.html.fromstring(html if html is not None else served(site, tick)),
        target_id=site,
        url=url,
        page_role="homepage",
        variant=variant,
        fetched_at=sw.as_of(tick),
        status=200,
        final_url=url,
        site_host=urlsplit(url).netloc,
    )


def judge(
    site: str,
    tick: int,
    watch: list[WatchObservation],
    baseline_tick: int | None = 0,
    links: list[LinkCheck] | None = None,
) -> list[Finding]:
    url = home_url(site)
    facts = SiteObservations(
        target=factories.target(id=site, url=url, name=SPEC[site].name),
        homepage=factories.homepage(target_id=site, url=url, final_url=url, fetched_at=sw.as_of(tick)),
        links=links or [],
        watch=watch,
    )
    if baseline_tick is not None:
        base = baseline_of(observe(site, baseline_tick), at=sw.as_of(baseline_tick), by="patrol")
        facts.baselines = {url: base}
    findings, _ = judge_site(facts, sw.as_of(tick), RULES)
    return [f for f in findings if f.indicator in WATCH]


@pytest.mark.parametrize("technique", [t for t, _ in sw.STATIC_HIDING])
def test_each_hiding_technique_in_the_static_html_is_a_pending_dark_link(technique: str) -> None:
    n = [t for t, _ in sw.STATIC_HIDING].index(technique)
    hits = [f for f in judge("SW04", 0, [observe("SW04", 0)]) if f.indicator == "SITE-SEC-DARK-LINK"]
    hit = next((f for f in hits if f.subject_url == sw.url(PORT, sw.BET, f"/t{n}")), None)
    assert hit is not None, f"{technique} not raised"
    assert hit.status == "pending_review"
    assert hit.fingerprint
    assert hit.evidence["technique"] == technique
    assert hit.evidence["css"]
    assert sw.SPAM[n] in hit.message  # the hidden link's text


def test_healthy_look_alikes_of_hidden_links_are_not_dark_links() -> None:
    obs = observe("SW01", 0)
    # the hover menu and white-on-dark footer links are visible to a visitor (or on pointing)
    assert all(h.revealed_by for h in obs.hidden_links), obs.hidden_links
    assert judge("SW01", 0, [obs]) == []


def test_a_day_of_ordinary_homepage_churn_raises_nothing() -> None:
    for site in ("SW01", "SW02"):
        for tick in range(sw.TICKS):
            assert judge(site, tick, [observe(site, tick)]) == [], (site, tick)


def test_an_obfuscated_loader_is_malware_and_sends_the_page_to_chromium() -> None:
    static = observe("SW05", 2)
    assert all(h.revealed_by == "hover" for h in static.hidden_links)  # what it writes is not in the HTML
    skip = load_page_words().render_skip_hosts
    assert render_reason(static, skip) == "obfuscated"  # so Chromium reads it (the integration test)
    assert render_reason(observe("SW05", 1), skip) == ""  # a healthy page with a widget script is not
    hits = judge("SW05", 2, [static])
    malware = [f for f in hits if f.indicator == "SITE-SEC-MALWARE"]
    assert [f.subject_url for f in malware] == [home_url("SW05")]
    assert "eval" in malware[0].message
    assert malware[0].status == "pending_review"


@pytest.mark.parametrize(
    ("site", "tick", "kinds"),
    [
        ("SW03", 6, {"title", "body", "hosts"}),  # defaced: new title and text, a foreign script
        ("SW06", 3, {"hosts"}),  # a script injected from a foreign host
        ("SW11", 7, {"redirect"}),  # a script redirect to a gambling host
    ],
)
def test_each_tamper_kind_is_raised_against_the_baseline(site: str, tick: int, kinds: set[str]) -> None:
    assert judge(site, tick - 1, [observe(site, tick - 1)]) == []  # the tick before: nothing
    hits = [f for f in judge(site, tick, [observe(site, tick)]) if f.indicator == "SITE-SEC-TAMPER"]
    assert len(hits) == 1
    assert hits[0].status == "pending_review"
    assert kinds <= {c["kind"] for c in hits[0].evidence["changes"]}


def test_a_page_with_no_baseline_is_never_a_tamper_hit() -> None:
    hits = judge("SW03", 6, [observe("SW03", 6)], baseline_tick=None)
    assert "SITE-SEC-TAMPER" not in {f.indicator for f in hits}
    assert "SITE-SEC-MALWARE" in {f.indicator for f in hits}  # the foreign script is raised anyway


def test_a_meta_refresh_to_another_host_is_tamper() -> None:
    html = served("SW02", 1).replace(
        "<head>", f'<head><meta http-equiv="refresh" content="0;url={sw.url(PORT, sw.BET, "/go")}">'
    )
    hits = judge("SW02", 1, [observe("SW02", 1, html)])
    assert [c["kind"] for f in hits for c in f.evidence.get("changes", [])] == ["redirect"]


def test_cloaking_a_spider_served_a_gambling_page_is_raised_and_an_identical_one_is_not() -> None:
    bet = sw.routes(4, PORT)[sw.BET]["/"]
    assert isinstance(bet, Response)
    visitor = sw.homepage(SPEC["SW08"], 4, PORT)  # what SW08 serves a visitor at tick 4
    same = observe("SW08", 4, visitor, variant="spider")
    assert judge("SW08", 4, [observe("SW08", 4, visitor), same]) == []
    spider = observe("SW08", 4, str(bet.body), variant="spider")
    hits = judge("SW08", 4, [observe("SW08", 4, visitor), spider])
    assert [f.indicator for f in hits] == ["SITE-SEC-CLOAKING"]
    assert hits[0].status == "pending_review"
    assert "spider" in str(hits[0].evidence)


def outbound(url: str, text: str, title: str, excerpt: str = "", final_url: str = "") -> LinkCheck:
    return LinkCheck(
        target_id="SW09",
        url=url,
        kind="external",
        found_on=[home_url("SW09")],
        on_homepage=True,
        checked_at=sw.as_of(5),
        method="GET",
        status=200,
        final_url=final_url or url,
        text=text,
        title=title,
        text_excerpt=excerpt,
    )


def test_an_outbound_link_now_parked_or_redirected_to_gambling_is_hijacked() -> None:
    parked = outbound(sw.url(PORT, sw.EXPIRED), "示范合作单位", "该域名正在出售 - This domain is for sale")
    bet = outbound(
        sw.url(PORT, sw.REDIRECTOR), "示范商会", "澳门葡京娱乐城_百家乐", final_url=sw.url(PORT, sw.BET2)
    )
    good = outbound(sw.url(PORT, sw.EDU), "市教育局", "示范市教育局")
    hits = judge("SW09", 5, [observe("SW09", 5)], links=[parked, bet, good])
    hijacked = sorted(f.subject_url for f in hits if f.indicator == "SITE-SEC-LINK-HIJACK")
    assert hijacked == sorted([parked.url, bet.url])
    assert all(f.status == "pending_review" for f in hits if f.indicator == "SITE-SEC-LINK-HIJACK")


def test_a_wrong_link_is_suspected_first_and_counted_when_seen_on_a_second_sweep() -> None:
    wrong = outbound(sw.url(PORT, sw.HRSS), "市教育局", "示范市人力资源和社会保障局")
    right = outbound(sw.url(PORT, sw.EDU), "市教育局", "示范市教育局")
    first = [f for f in judge("SW09", 5, [], links=[wrong, right]) if f.indicator == "SITE-DED-WRONG-LINK"]
    assert [(f.subject_url, f.level, f.points) for f in first] == [(wrong.url, "warning", 0.0)]
    url = home_url("SW09")
    earlier = outbound(wrong.url, wrong.text, wrong.title)
    earlier.checked_at = sw.as_of(5) - timedelta(hours=2)
    facts = SiteObservations(
        target=factories.target(id="SW09", url=url),
        homepage=factories.homepage(target_id="SW09", url=url, final_url=url, fetched_at=sw.as_of(5)),
        links=[wrong, right],
        earlier_links=[earlier],
    )
    findings, _ = judge_site(facts, sw.as_of(5), RULES)
    second = [f for f in findings if f.indicator == "SITE-DED-WRONG-LINK"]
    assert len(second) == 1
    assert second[0].level == "violation"
    assert second[0].points > 0
    assert second[0].evidence["sweeps_seen"] == 2


def test_a_page_of_thousands_of_hidden_links_stays_within_its_caps() -> None:
    links = "".join(f'<a href="http://spam{i}.example.com/">赌场{i}</a>' for i in range(3000))
    html = f'<html><head><title>t</title></head><body><div style="display:none">{links}</div></body></html>'
    obs = observe("SW02", 0, html)
    assert len(obs.hidden_links) == MAX_HIDDEN
    assert obs.hidden_links_cut == 3000 - MAX_HIDDEN
    hits = [f for f in judge("SW02", 0, [obs]) if f.indicator == "SITE-SEC-DARK-LINK"]
    assert 0 < len(hits) <= MAX_HIDDEN


def test_a_watched_page_that_fails_to_load_is_no_security_hit() -> None:
    failed = observe("SW03", 6)  # the defaced page, but the fetch of it failed
    failed.status, failed.error = 503, "HTTP 503"
    assert judge("SW03", 6, [failed]) == []


def test_the_demo_reports_misses_repeats_after_dismissal_and_hits_on_healthy_sites() -> None:
    truth = sw.truth(PORT)
    every = [
        {
            "target_id": w["target"],
            "indicator": w["indicator"],
            "subject_url": w["subject"],
            "status": "pending_review",
        }
        for w in truth["expect"]
    ]
    dead = {"target_id": "SW01", "indicator": "SITE-DED-DEAD-LINK-HOME", "subject_url": "x", "status": "open"}
    assert missed(truth, [*every, dead], set()) == []  # the sites' other findings are not the watch's
    first, *rest = every
    key = (first["target_id"], first["indicator"], first["subject_url"])
    assert missed(truth, rest, {key}) == []  # dismissed, and not raised again
    assert missed(truth, rest, set()) == [f"not raised: {' '.join(key)}"]
    assert missed(truth, every, {key}) == [f"raised again after dismiss: {' '.join(key)}"]
    healthy = {**first, "target_id": "SW01"}
    assert missed(truth, [*every, healthy], set()) == [f"healthy SW01: {first['indicator']}"]
