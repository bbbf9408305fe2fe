"""The indicator rules, one module per indicator id, registered in :data:`RULES`.

A rule module declares ``INDICATOR`` (its id, which is also its table in the indicator data file),
``NEEDS_HOMEPAGE`` (skip it when the homepage could not be fetched) and ``check(ctx)``, which
returns findings. Adding an indicator = adding a module and one line here.
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
    sec_privacy,
    sec_wording,
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
)
