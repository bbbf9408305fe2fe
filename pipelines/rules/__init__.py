"""The indicator rules, one module per indicator id, registered in :data:`RULES`.

A rule module declares ``INDICATOR`` (its id, which is also its table in the indicator data file),
``NEEDS_HOMEPAGE`` (skip it when the homepage could not be fetched) and ``check(ctx)``, which
returns findings. Adding an indicator = adding a module and one line here; every key of its table
must be read by it (``tests/unit/test_indicator_data.py``).

The judgments several rules share are modules without an ``INDICATOR``: ``base`` (the rule
context and the one finding builder), ``column_kind`` (a column's category and emptiness),
``link_state`` (dead, confirmed or suspected, soft-404), ``cuts`` (budget cuts -> unverified),
``dead_links`` and ``account_base``. This package is the only place indicator data is judged: the
spiders record facts and never read it.
"""

from __future__ import annotations

from types import ModuleType

from pipelines.rules import (
    column_stale,
    dead_link_home,
    dead_link_other,
    domain,
    footer_marks,
    home_stale,
    https,
    meta,
    policy_stale,
    sec_cloaking,
    sec_dark_link,
    sec_link_hijack,
    sec_malware,
    sec_privacy,
    sec_tamper,
    sec_wording,
    wrong_link,
)

RULES: tuple[ModuleType, ...] = (
    home_stale,
    column_stale,
    dead_link_home,
    dead_link_other,
    policy_stale,
    footer_marks,
    meta,
    domain,
    https,
    sec_wording,
    sec_privacy,
    wrong_link,
    sec_tamper,
    sec_dark_link,
    sec_malware,
    sec_cloaking,
    sec_link_hijack,
)
