"""ACCOUNT-REQ-NAME (账号名称不规范): the account's name or verification text names its owner unit.

Exact: the registered owner (名称 of the 主办单位) appears in the display name or the verification
text. Fuzzy, as government accounts are named (苏州发布, 健康苏州, 苏州警方): the name holds the owner's
most specific place (the registry's region and the owner's own leading place names, without
省/市/区/县) and the rest of the name is the owner's unit -- an alias offices use (发布 for a
government or its press office) or at least ``min_unit_overlap`` of its characters in the owner's
name. An account whose platform shows no name is not judged.
"""

from __future__ import annotations

import re
from typing import Any

from crawlers.models import Finding
from crawlers.names import normalize_name
from pipelines.rules.account_base import AccountContext

INDICATOR = "ACCOUNT-REQ-NAME"


def _place_pattern(suffixes: list[str]) -> re.Pattern[str]:
    ordered = sorted((re.escape(s) for s in suffixes if s), key=len, reverse=True)
    return re.compile(rf"(.+?)({'|'.join(ordered)})")


def places(text: str, suffixes: list[str]) -> list[tuple[str, str]]:
    """A region's place names as (short form, full form): 江苏省苏州市吴中区 -> 江苏, 苏州, 吴中."""
    return [(m.group(1), m.group(0)) for m in _place_pattern(suffixes).finditer(text)]


def owner_parts(owner: str, region: str, suffixes: list[str]) -> tuple[str, str, str]:
    """(most specific place, its full form, the unit without its places) of a registered owner: the
    region's places the owner's name starts with are its places (苏州市吴中区人民政府 -> 吴中)."""
    known = places(region, suffixes)
    chosen, rest = ("", ""), owner
    progress = True
    while progress:
        progress = False
        for short, full in known:
            for form in (full, short):
                if form and rest.startswith(form):
                    chosen, rest, progress = (short, form), rest[len(form) :], True
                    break
            if progress:
                break
    if not chosen[0]:  # the owner does not start with its region: the region's last place it names
        inside = [p for p in known if p[0] in owner]
        chosen = inside[-1] if inside else ("", "")
    return chosen[0], chosen[1], rest


def names_owner(
    name: str, verification: str, owner: str, region: str, params: dict[str, Any]
) -> tuple[bool, str]:
    """(does the account name its owner, how it was decided)."""
    name_n, owner_n = normalize_name(name), normalize_name(owner)
    if owner_n and (owner_n in name_n or owner_n in normalize_name(verification)):
        return True, "owner named"
    suffixes = list(params["place_suffixes"])
    place, full, unit = owner_parts(owner_n, normalize_name(region), suffixes)
    if place and place not in name_n:
        return False, f"name lacks the place {place}"
    rest = name_n.replace(full, "").replace(place, "") if place else name_n
    if not rest:
        return True, "place only"
    aliases: dict[str, list[str]] = params["unit_aliases"]
    for alias, units in aliases.items():
        if alias in rest and any(u in unit for u in units):
            return True, f"alias {alias}"
    overlap = sum(1 for ch in rest if ch in unit) / len(rest)
    if overlap >= float(params["min_unit_overlap"]):
        return True, f"unit overlap {overlap:.2f}"
    return False, f"unit overlap {overlap:.2f}"


def check(ctx: AccountContext) -> list[Finding]:
    obs = ctx.obs
    if obs is None or ctx.state not in ("latest", "no_posts") or not obs.name:
        return []
    target = ctx.target
    ok, how = names_owner(obs.name, obs.verification, target.owner, target.region, ctx.params)
    if ok:
        return []
    evidence = ctx.base_evidence() | {"verification": obs.verification, "owner": target.owner, "why": how}
    shown = f"，认证信息“{obs.verification}”" if obs.verification else ""
    message = f"账号名称“{obs.name}”{shown}未体现主办单位“{target.owner}”"
    return [ctx.finding(subject="name", evidence=evidence, message=message)]
