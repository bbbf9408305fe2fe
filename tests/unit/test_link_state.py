"""Dead, confirmed or suspected: the dead-link judgment over link-check facts.

In-site 404/410, in-site DNS failures, soft-404s and blocked addresses are confirmed by their class;
any other failure is suspected until it has failed on ``retries_to_confirm`` tries within
``retry_window_hours`` -- this try and the earlier sweeps' tries, with no success in between.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from crawlers.thresholds import load_thresholds
from pipelines.rules.base import Rules
from pipelines.rules.link_state import judge_link, suspected_urls
from tests.unit import factories as f

RULES = Rules.load()
URL = f.HOME + "partner/index.html"


def check(hours_ago: float = 0.0, url: str = URL, **changes: object):
    fields: dict[str, object] = {"status": None, "error": "timeout", "internal": False, "kind": "external"}
    fields |= changes
    return f.dead_link(url, checked_at=f.AS_OF - timedelta(hours=hours_ago), **fields)


@pytest.mark.parametrize(
    ("changes", "confirmed"),
    [
        ({"status": 404, "error": None, "internal": True}, True),  # in-site 404
        ({"status": 410, "error": None, "internal": True}, True),
        ({"status": 404, "error": None, "internal": False}, False),  # another site's 404: suspected
        ({"status": None, "error": "dns", "internal": True}, True),  # the site's own name is gone
        ({"status": None, "error": "dns", "internal": False}, False),
        ({"status": None, "error": "redirect_loop", "internal": True}, True),  # no visitor gets through
        ({"status": None, "error": "redirect_loop", "internal": False}, False),
        ({"status": None, "error": "blocked", "internal": False}, True),  # unusable for every visitor
        ({"status": 503, "error": None, "internal": True}, False),
        ({"status": None, "error": "timeout", "internal": True}, False),
    ],
)
def test_which_failures_their_class_confirms(changes, confirmed):
    state = judge_link(check(**changes), [], RULES)
    assert state.dead
    assert state.confirmed is confirmed


def test_a_soft_404_is_dead_and_confirmed_and_a_long_page_saying_404_is_not():
    soft = check(status=200, error=None, internal=True, title="404", text_chars=30, text_excerpt="返回首页")
    assert judge_link(soft, [], RULES).soft404
    assert judge_link(soft, [], RULES).confirmed
    article = check(status=200, error=None, internal=True, title="404", text_chars=3000, text_excerpt="")
    assert judge_link(article, [], RULES).dead is False
    tagged = check(status=200, error=None, internal=True, title="404", text_chars=30, tagged=True)
    assert judge_link(tagged, [], RULES).dead is False  # a real article page of the site


def test_a_suspected_link_is_confirmed_on_its_third_failed_try_within_24_hours():
    now = check()
    assert judge_link(now, [], RULES).confirmed is False
    assert judge_link(now, [check(20)], RULES).failed_tries == 2
    state = judge_link(now, [check(20), check(8)], RULES)
    assert (state.failed_tries, state.confirmed) == (3, True)


def test_tries_outside_the_window_do_not_count():
    state = judge_link(check(), [check(30), check(25)], RULES)
    assert (state.failed_tries, state.confirmed) == (1, False)


def test_a_success_between_failures_starts_the_count_again():
    ok = check(10, status=200, error=None)
    state = judge_link(check(), [check(20), ok, check(5)], RULES)
    assert (state.failed_tries, state.confirmed) == (2, False)


def test_a_failure_answered_from_the_link_cache_is_not_one_more_try():
    # sweep A really failed 8 hours ago; sweeps B and C answered from the cache (A's time, cached)
    tried = check(8)
    copies = [check(8, cached=True), check(8, cached=True)]
    state = judge_link(check(8, cached=True), [tried, *copies], RULES)
    assert (state.failed_tries, state.confirmed) == (1, False)
    # a real try now, after the copies: two tries, still suspected
    state = judge_link(check(), [tried, *copies], RULES)
    assert (state.failed_tries, state.confirmed) == (2, False)


def test_the_office_sets_the_tries_and_the_window():
    data = load_thresholds()
    data["dead_links"] |= {"retries_to_confirm": 2, "retry_window_hours": 48}
    state = judge_link(check(), [check(40)], Rules(data))
    assert (state.failed_tries, state.tries_needed, state.confirmed) == (2, 2, True)


def test_only_links_their_class_does_not_confirm_are_looked_up():
    links = [check(), check(status=404, error=None, internal=True, url=f.HOME + "gone.html")]
    links.append(f.dead_link(f.HOME + "ok.html", status=200, error=None))
    assert suspected_urls(links, RULES) == [URL]
