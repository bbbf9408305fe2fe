"""Observations read back from Elasticsearch, to be judged again without a crawl.

Two readers over the observation documents :func:`pipelines.sinks.observation_doc` wrote:

- :func:`sweep_observations` -- one sweep's facts rebuilt as the judge's input, so an office can
  judge a stored sweep under another indicator file (the replay);
- :func:`earlier_link_checks` -- the earlier tries of the links failing now, so the dead-link rules
  can confirm a suspected link that kept failing across sweeps (``[dead_links] retries_to_confirm``
  tries within ``retry_window_hours``).

Documents are rebuilt into records by :func:`crawlers.records.record_from_dict`; fields only the
store has (``sweep_id``, ``doc_type``, ``@timestamp``) and fields of older documents that are no
longer facts (``dead``, ``empty``, ...) are dropped. The store's queries page through the results
(:meth:`~pipelines.store.Store.observations_of_sweep`, :meth:`~pipelines.store.Store.link_checks`),
so no paging loop is written here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from crawlers.models import DatedItem, LinkCheck, PageObservation, SiteObservations, Target
from crawlers.records import record_from_dict
from crawlers.watchmodels import WatchObservation
from pipelines.essink import ElasticsearchSink
from pipelines.rules.base import Rules
from pipelines.rules.link_state import suspected_urls
from pipelines.sinks import NEWEST_FIELDS
from pipelines.store import Store, StoreUnavailable

log = logging.getLogger(__name__)


def page_from_doc(doc: dict[str, Any]) -> PageObservation:
    """A page observation from its document (the flattened ``newest_*`` fields put back)."""
    data = dict(doc)
    newest = {name: data.pop(f"newest_{name}", None) for name in NEWEST_FIELDS}
    page: PageObservation = record_from_dict(PageObservation, data, extra="drop")
    if newest["date"]:
        page.newest = record_from_dict(DatedItem, {k: v for k, v in newest.items() if v is not None})
    return page


def watch_from_doc(doc: dict[str, Any]) -> WatchObservation:
    """A watch observation from its document (stored under ``url#variant``, the page in ``page_url``)."""
    return record_from_dict(WatchObservation, {**doc, "url": doc.get("page_url") or doc["url"]}, extra="drop")


def link_from_doc(doc: dict[str, Any]) -> LinkCheck:
    return record_from_dict(LinkCheck, doc, extra="drop")


def site_observations(target: Target, docs: Iterable[dict[str, Any]]) -> SiteObservations:
    """One site's observations of one sweep, as the recorder assembled them for the judge."""
    site = SiteObservations(target=target)
    for doc in docs:
        if doc.get("target_id") != target.id:
            continue
        if doc.get("doc_type") == "link":
            site.links.append(link_from_doc(doc))
        elif doc.get("doc_type") == "page":
            site.add_page(page_from_doc(doc))
        elif doc.get("doc_type") == "watch":
            site.watch.append(watch_from_doc(doc))
    site.columns.sort(key=lambda c: c.url)
    site.links.sort(key=lambda c: c.url)
    return site


def sweep_observations(store: Store, sweep_id: str, targets: list[Target]) -> dict[str, SiteObservations]:
    """Every site target's observations of the stored sweep ``sweep_id``, by target id."""
    store.refresh("observations")
    docs = store.observations_of_sweep(sweep_id)
    return {t.id: site_observations(t, docs) for t in targets if t.kind == "site"}


def earlier_link_checks(store: Store, site: SiteObservations, sweep_id: str, rules: Rules) -> list[LinkCheck]:
    """The stored checks (other sweeps, within the retry window) of this site's suspected links.

    One check per (sweep, URL): the store's document id already makes a sweep's check unique.
    """
    urls = suspected_urls(site.links, rules)
    if not urls:
        return []
    window = timedelta(hours=float(rules.dead_links["retry_window_hours"]))
    since: datetime = min(c.checked_at for c in site.links if c.url in set(urls)) - window
    return [link_from_doc(doc) for doc in store.link_checks(site.target.id, urls, since, sweep_id)]


class LinkHistory:
    """Before a site is judged, its suspected links' earlier tries are read from the store.

    Without Elasticsearch (a ``--no-es`` sweep) there are no earlier tries: suspected links stay
    suspected. A store that fails mid-sweep costs the confirmation, never the sweep.
    """

    def __init__(self, store: Store | None, sweep_id: str, rules: Rules) -> None:
        self.store, self.sweep_id, self.rules = store, sweep_id, rules
        self._refreshed = False  # the earlier sweeps' last writes made searchable, once per sweep

    @classmethod
    def for_sinks(cls, sinks: Iterable[object], sweep_id: str, rules: Rules) -> LinkHistory:
        stores = [s.store for s in sinks if isinstance(s, ElasticsearchSink)]
        return cls(stores[0] if stores else None, sweep_id, rules)

    def fill(self, site: SiteObservations) -> SiteObservations:
        if self.store is not None:
            try:
                if not self._refreshed and suspected_urls(site.links, self.rules):
                    self.store.refresh("observations")
                    self._refreshed = True
                site.earlier_links = earlier_link_checks(self.store, site, self.sweep_id, self.rules)
            except StoreUnavailable as exc:
                log.warning(
                    "earlier link checks of %s not read (%s): suspected links stay suspected",
                    site.target.id,
                    exc,
                )
        return site
