"""The new indicators are named in Chinese where inspectors read them: the 通报 (names from the
indicator data) and the Kibana export (a saved search per indicator)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govpatrol.report import indicator_names

NDJSON = Path(__file__).resolve().parents[2] / "dashboards" / "govpatrol.ndjson"
NAMES = {
    "SITE-VETO-INTERACTION": "互动回应差",
    "SITE-REQ-SEARCH": "站内搜索",
    "SITE-REQ-ZHAOCUO": "我为政府网站找错",
    "SITE-DED-WRONG-LINK": "错链",
    "ACCOUNT-REQ-NAME": "账号名称不规范",
    "ACCOUNT-VETO-NO-INTERACTION": "未提供有效互动功能",
}


def saved_searches() -> dict[str, str]:
    """title -> KQL of every saved search in the export."""
    out = {}
    for line in NDJSON.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        if obj["type"] == "search":
            source = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
            out[obj["attributes"]["title"]] = source["query"]["query"]
    return out


@pytest.mark.parametrize(("indicator", "name"), sorted(NAMES.items()))
def test_report_names_the_indicator_in_chinese(indicator, name):
    assert indicator_names()[indicator] == name


@pytest.mark.parametrize(("indicator", "name"), sorted(NAMES.items()))
def test_dashboards_have_a_saved_search_named_for_the_indicator(indicator, name):
    assert saved_searches()[name] == f'indicator : "{indicator}"'
