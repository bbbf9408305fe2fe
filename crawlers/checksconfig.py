"""The ``[site_checks]`` config section: how much of each site the full sweep's site checks read.

Interaction channels (互动交流), the site search and a sample of article pages each cost requests
per site, taken from the site's page budget (``[crawl] site_page_budget``). These settings bound
what the crawler reads; what the pages mean is judged by the rules.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from crawlers.configsections import Section

Small = Annotated[int, Field(ge=0, le=1000)]


class SiteChecksConfig(Section):
    interaction: bool = True  # find the interaction channels and read their message lists
    max_channels: Small = 4  # channels opened per site
    list_pages: Annotated[int, Field(ge=1, le=1000)] = 6  # message-list pages read per channel
    lookback_days: Annotated[int, Field(ge=1, le=3660)] = 366  # read lists back this far (days)
    search: bool = True  # try the site search with a recent homepage title
    articles: Small = 3  # article pages sampled per site for their ArticleTitle/PubDate tags (0: none)
