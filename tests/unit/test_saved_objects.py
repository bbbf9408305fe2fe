"""The shipped Kibana export against the mapping files: the check passes, and fails when it should."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from govpatrol.kibana import (
    DEFAULT_NDJSON,
    KibanaError,
    check_saved_objects,
    file_mappings,
    import_saved_objects,
    kql_fields,
    load_ndjson,
)

INDICATOR_SEARCHES = (
    "僵尸账号",
    "首页不更新",
    "栏目不更新",
    "空白栏目",
    "链接不可用",
    "站点无法访问",
    "页面标识缺失",
    "待核实",
)
DASHBOARDS = ("总览", "政务新媒体", "网站可用性", "复查")


def _write(tmp_path: Path, objects: list[dict]) -> Path:
    path = tmp_path / "export.ndjson"
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects), encoding="utf-8")
    return path


def test_shipped_export_checks_out_against_the_mapping_files() -> None:
    assert check_saved_objects(DEFAULT_NDJSON, file_mappings()) == []


def test_export_holds_the_data_views_searches_and_dashboards_the_issue_asks_for() -> None:
    objects = load_ndjson(DEFAULT_NDJSON)
    titles = {o["type"]: set() for o in objects}
    for o in objects:
        titles[o["type"]].add(o["attributes"]["title"])
        assert o["id"].startswith("govpatrol-"), o["id"]
        assert o["coreMigrationVersion"]
        assert o["typeMigrationVersion"]
    assert titles["index-pattern"] == {
        "govpatrol-findings",
        "govpatrol-observations-*",
        "govpatrol-sweeps",
        "govpatrol-targets",
    }
    for name in INDICATOR_SEARCHES:
        assert any(t.startswith(name) for t in titles["search"]), name
    for name in DASHBOARDS:
        assert any(name in t for t in titles["dashboard"]), name
    assert len({(o["type"], o["id"]) for o in objects}) == len(objects)


def test_readme_lists_every_object() -> None:
    readme = (DEFAULT_NDJSON.parent / "README.md").read_text(encoding="utf-8")
    for o in load_ndjson(DEFAULT_NDJSON):
        assert f"`{o['id']}`" in readme, o["id"]


@pytest.mark.parametrize(
    ("kind", "field", "renamed", "object_id"),
    [
        ("findings", "indicator", "indicator_code", "govpatrol-search-zombie-accounts"),
        ("findings", "region", "area", "govpatrol-lens-findings-by-region"),
        ("observations", "fetched_at", "probed_at", "govpatrol-lens-probe-failures-over-time"),
        ("sweeps", "started_at", "begun_at", "govpatrol-sweeps-dataview"),
        ("targets", "state", "account_state", "govpatrol-lens-accounts-by-platform-state"),
    ],
)
def test_renaming_a_mapped_field_fails_the_check_naming_object_and_field(
    kind: str, field: str, renamed: str, object_id: str
) -> None:
    mappings = copy.deepcopy(file_mappings())
    mappings[kind][renamed] = mappings[kind].pop(field)
    problems = check_saved_objects(DEFAULT_NDJSON, mappings)
    assert any(object_id in p and repr(field) in p and "not in the" in p for p in problems), problems


def test_multi_field_is_required_for_terms_on_a_text_field() -> None:
    mappings = copy.deepcopy(file_mappings())
    del mappings["findings"]["owner"]["fields"]  # owner.keyword gone: owner is text only
    problems = check_saved_objects(DEFAULT_NDJSON, mappings)
    assert any("govpatrol-lens-findings-by-owner" in p and "'owner.keyword'" in p for p in problems), problems


def test_a_field_of_the_wrong_type_fails() -> None:
    mappings = copy.deepcopy(file_mappings())
    mappings["findings"]["region"] = {"type": "text"}  # text cannot be a terms breakdown
    mappings["findings"]["first_seen"] = {"type": "keyword"}  # nor a keyword a date histogram
    problems = check_saved_objects(DEFAULT_NDJSON, mappings)
    assert any(
        "govpatrol-lens-findings-by-region" in p and "'region'" in p and "'text'" in p for p in problems
    )
    assert any("govpatrol-lens-findings-over-time" in p and "'first_seen'" in p for p in problems), problems


def test_a_disabled_object_is_not_searchable() -> None:
    mappings = copy.deepcopy(file_mappings())
    mappings["findings"]["subject"] = {"type": "object", "enabled": False}
    problems = check_saved_objects(DEFAULT_NDJSON, mappings)
    assert any("govpatrol-search-empty-columns" in p and "'subject'" in p for p in problems), problems


def test_a_dangling_reference_fails(tmp_path: Path) -> None:
    objects = load_ndjson(DEFAULT_NDJSON)
    dashboard = next(o for o in objects if o["id"] == "govpatrol-dashboard-overview")
    dashboard["references"][0]["id"] = "govpatrol-lens-no-such-panel"
    problems = check_saved_objects(_write(tmp_path, objects), file_mappings())
    assert any(
        "govpatrol-dashboard-overview" in p
        and "govpatrol-lens-no-such-panel" in p
        and "not in the export" in p
        for p in problems
    ), problems


def test_a_missing_data_view_fails_every_object_that_uses_it(tmp_path: Path) -> None:
    objects = [o for o in load_ndjson(DEFAULT_NDJSON) if o["id"] != "govpatrol-targets-dataview"]
    problems = check_saved_objects(_write(tmp_path, objects), file_mappings())
    assert any(
        "govpatrol-lens-accounts-by-verdict" in p and "govpatrol-targets-dataview" in p for p in problems
    )


def test_kql_field_names_are_read_outside_quoted_values() -> None:
    query = (
        'indicator : ("SITE-DED-DEAD-LINK" or "a : b") and recheck_count > 0 and (error : * or status >= 400)'
    )
    assert kql_fields(query) == ["indicator", "recheck_count", "error", "status"]


def test_import_refuses_a_url_that_is_not_http() -> None:
    with pytest.raises(KibanaError, match="must start with http"):
        import_saved_objects("file:///etc/passwd", DEFAULT_NDJSON)
