"""Whether a checked link is dead, and whether that is confirmed or only suspected.

Not a rule itself: the two dead-link rules, the recorder's look-up of earlier tries and the
lifecycle ask here. All of it is judged from the link checks' facts under the indicator file in
force (``[dead_links]``, ``[markers]`` soft-404 words):

- dead: HTTP >= 400, a failure below HTTP (timeout, DNS, refused, TLS, redirect loop, ...), or a
  soft-404 (HTTP 2xx whose page says 页面不存在 and has little other text);
- confirmed by its class: a soft-404, an address the SSRF guard blocked (unusable for every visitor,
  and no retry changes that), an in-site ``confirmed_statuses`` answer (404/410) or an in-site
  ``confirmed_errors`` failure (DNS, a redirect loop);
- any other failure is suspected until the same URL has failed on ``retries_to_confirm`` tries
  within ``retry_window_hours`` (this one included, none of them followed by a success), counted
  from the earlier sweeps' checks the recorder reads from the store (copies answered from the
  link cache of an incremental sweep are not tries).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from crawlers.models import LinkCheck, PageObservation
from crawlers.pagefacts import is_tagged
from pipelines.rules.base import Rules


def says_not_found(title: str, text: str, text_chars: int | None, tagged: bool, rules: Rules) -> bool:
    """The soft-404 judgment over a page's signals: a not-found phrase in its title or main text,
    at most ``soft404_max_text_chars`` of main text, and no article or column meta."""
    if text_chars is None or tagged:
        return False
    words = rules.markers
    if text_chars > int(words["soft404_max_text_chars"]):
        return False
    return any(_contains(text, p) for p in words["soft404_phrases"]) or any(
        _contains(title, p) for p in words["soft404_title_phrases"]
    )


def _contains(text: str, phrase: str) -> bool:
    """Substring test, case-insensitive for Latin phrases ('404 not found')."""
    return phrase.lower() in text.lower() if phrase.isascii() else phrase in text


def _success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def is_soft404(check: LinkCheck, rules: Rules) -> bool:
    return _success(check.status) and says_not_found(
        check.title, check.text_excerpt, check.text_chars, check.tagged, rules
    )


def page_is_soft404(page: PageObservation, rules: Rules) -> bool:
    """A fetched page (homepage, column) that is a soft-404 (its links are judged like any link)."""
    return _success(page.status) and says_not_found(
        page.title, page.text_excerpt, page.text_chars, is_tagged(page.meta), rules
    )


def failed(check: LinkCheck, rules: Rules) -> bool:
    """The link did not open: HTTP >= 400, a failure below HTTP, or a soft-404."""
    http_error = check.status is not None and check.status >= 400
    return http_error or check.error is not None or is_soft404(check, rules)


def confirmed_by_class(check: LinkCheck, rules: Rules) -> bool:
    """A failure that no later try can change (see the module docstring)."""
    statuses = {int(s) for s in rules.dead_links["confirmed_statuses"]}
    errors = set(rules.dead_links["confirmed_errors"])
    in_site = check.internal and (check.status in statuses or check.error in errors)
    return in_site or check.error == "blocked" or is_soft404(check, rules)


@dataclass(frozen=True)
class LinkState:
    """The judgment of one link check: dead or not, confirmed or suspected, on how many tries."""

    dead: bool
    confirmed: bool = False
    soft404: bool = False
    failed_tries: int = 0  # consecutive failed tries in the window, this one included
    tries_needed: int = 0  # tries that confirm a failure of this class ('0': its class confirms it)
    window_hours: float = 0.0


def failed_tries(check: LinkCheck, earlier: list[LinkCheck], rules: Rules) -> int:
    """Consecutive failed tries of this URL within the retry window, ending with ``check``.

    ``earlier`` holds one check per earlier sweep (as the store's reader gives them); a success
    ends the run. A check answered from the link cache is a copy of an earlier try, not a try:
    the copies among ``earlier`` are left out, and ``check`` itself, when a copy, keeps the time of
    the try it copies (which is therefore not counted twice).
    """
    window = timedelta(hours=float(rules.dead_links["retry_window_hours"]))
    since = check.checked_at - window
    tries = sorted(
        (
            c
            for c in earlier
            if c.url == check.url and not c.cached and since <= c.checked_at < check.checked_at
        ),
        key=lambda c: c.checked_at,
        reverse=True,
    )
    count = 1
    for previous in tries:
        if not failed(previous, rules):
            break
        count += 1
    return count


def judge_link(check: LinkCheck, earlier: list[LinkCheck], rules: Rules) -> LinkState:
    """The state of ``check`` given the same URL's ``earlier`` checks (other sweeps)."""
    if not failed(check, rules):
        return LinkState(dead=False)
    soft = is_soft404(check, rules)
    if confirmed_by_class(check, rules):
        return LinkState(dead=True, confirmed=True, soft404=soft, failed_tries=1)
    needed = int(rules.dead_links["retries_to_confirm"])
    tries = failed_tries(check, earlier, rules)
    return LinkState(
        dead=True,
        confirmed=tries >= needed,
        soft404=soft,
        failed_tries=tries,
        tries_needed=needed,
        window_hours=float(rules.dead_links["retry_window_hours"]),
    )


def suspected_urls(links: list[LinkCheck], rules: Rules) -> list[str]:
    """The URLs whose failure only earlier tries can confirm: what the store is asked about."""
    return sorted({c.url for c in links if failed(c, rules) and not confirmed_by_class(c, rules)})
