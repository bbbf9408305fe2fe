"""Kibana saved objects: import ``dashboards/govpatrol.ndjson`` and check it against the index mappings.

Kibana cannot run here, so the export is kept honest by :func:`check_saved_objects`: every field a
data view, saved search or Lens column names must exist in the mapping the code creates, with a type
the use allows, and every reference must resolve inside the export. A renamed field in
``pipelines/mappings/*.json`` then fails a test instead of a dashboard panel in production.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from pipelines.store import KINDS, load_template

DEFAULT_NDJSON = Path(__file__).resolve().parent.parent / "dashboards" / "govpatrol.ndjson"

NUMERIC = frozenset(
    {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float", "unsigned_long"}
)
AGGREGATABLE = NUMERIC | {"keyword", "boolean", "date", "date_nanos", "ip", "constant_keyword"}
# Lens operation -> the field types it accepts
OPERATION_TYPES: dict[str, frozenset[str]] = {
    "terms": AGGREGATABLE,
    "unique_count": AGGREGATABLE,
    "last_value": AGGREGATABLE,
    "date_histogram": frozenset({"date", "date_nanos"}),
    "range": NUMERIC,
    **{op: NUMERIC for op in ("sum", "average", "min", "max", "median", "percentile", "standard_deviation")},
}
_NO_FIELD = "___records___"
_DATA_VIEW_KIND = re.compile(r"-(?P<kind>" + "|".join(KINDS) + r")(?:-\*)?$")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_KQL_FIELD = re.compile(r"(?<![\w.@*])([A-Za-z_@][\w.@]*)\s*(?::|<=|>=|<|>)")


class KibanaError(RuntimeError):
    """Kibana could not be reached or refused the import (message names the URL)."""


# --- import -------------------------------------------------------------------------------------


def import_saved_objects(
    kibana_url: str,
    ndjson_path: str | Path = DEFAULT_NDJSON,
    space: str | None = None,
    api_key: str | None = None,
    overwrite: bool = True,
    timeout: float = 60.0,
) -> dict[str, Any]:
    """POST the export to Kibana's saved-objects import API; the answer, plus ``errors`` per object.

    Returns ``{"success", "successCount", "successResults", "errors", "url"}``; ``errors`` lists
    ``{"type", "id", "title", "error"}`` for each object Kibana rejected.
    """
    path = Path(ndjson_path)
    data = path.read_bytes()
    base = kibana_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise KibanaError(f"Kibana URL must start with http:// or https://, not {kibana_url!r}")
    prefix = f"/s/{space}" if space and space != "default" else ""
    url = f"{base}{prefix}/api/saved_objects/_import?overwrite={'true' if overwrite else 'false'}"
    boundary = f"govpatrol-{uuid.uuid4().hex}"
    body = b"".join(
        (
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="file"; filename="{path.name}"\r\n'.encode(),
            b"Content-Type: application/ndjson\r\n\r\n",
            data,
            f"\r\n--{boundary}--\r\n".encode(),
        )
    )
    headers = {"kbn-xsrf": "true", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 (scheme checked)
            answer = json.loads(resp.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")[:500]
        raise KibanaError(f"Kibana at {base} refused the import: HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise KibanaError(f"Kibana at {base} is unreachable: {reason}") from exc
    except json.JSONDecodeError as exc:
        raise KibanaError(f"Kibana at {base} answered with something that is not JSON: {exc}") from exc
    errors = [
        {
            "type": e.get("type", ""),
            "id": e.get("id", ""),
            "title": (e.get("meta") or {}).get("title", e.get("title", "")),
            "error": (e.get("error") or {}).get("type", "") or json.dumps(e.get("error"), ensure_ascii=False),
        }
        for e in answer.get("errors") or []
    ]
    return {
        "url": url,
        "success": bool(answer.get("success")),
        "successCount": int(answer.get("successCount", 0)),
        "successResults": answer.get("successResults") or [],
        "errors": errors,
    }


# --- mappings -----------------------------------------------------------------------------------


def _properties(mapping: dict[str, Any]) -> dict[str, Any]:
    """Top-level ``properties`` from a template body, a ``mappings`` object or properties already."""
    if "template" in mapping:
        mapping = mapping["template"]
    if "mappings" in mapping:
        mapping = mapping["mappings"]
    return mapping.get("properties", mapping)


def file_mappings() -> dict[str, dict[str, Any]]:
    """index kind -> mapping properties, from the mapping files ``Store.ensure_indices`` installs."""
    return {kind: _properties(load_template(kind, "govpatrol")) for kind in KINDS}


def live_mappings(es: Any, prefix: str) -> dict[str, dict[str, Any]]:
    """index kind -> mapping properties read back from Elasticsearch (``GET <index>/_mapping``).

    Monthly observation indices are merged; a kind with no index yet is left out (and so reported
    by the check as missing).
    """
    found: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        pattern = f"{prefix}-observations-*" if kind == "observations" else f"{prefix}-{kind}"
        resp = es.indices.get_mapping(index=pattern, allow_no_indices=True, ignore_unavailable=True)
        merged: dict[str, Any] = {}
        for body in dict(resp).values():
            merged.update(_properties(body.get("mappings", {})))
        if merged:
            found[kind] = merged
    return found


def resolve_field(properties: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The mapping of a dotted field path (objects, multi-fields like ``owner.keyword``, flattened).

    A key of a ``flattened`` field resolves to a keyword; None when the path names nothing.
    """
    node: dict[str, Any] | None = None
    children: dict[str, Any] = properties
    parts = path.split(".")
    for i, part in enumerate(parts):
        if node is not None and node.get("type") == "flattened":
            return {"type": "keyword", "flattened_key": ".".join(parts[i:])}
        if part in children:
            node = children[part]
        else:
            return None
        children = {**node.get("properties", {}), **node.get("fields", {})}
    return node


def _field_type(spec: dict[str, Any]) -> str:
    if "properties" in spec or spec.get("type") in ("object", "nested"):
        return "object"
    return str(spec.get("type", "object"))


def _field_problem(properties: dict[str, Any], field: str, use: str, allowed: frozenset[str] | None) -> str:
    """'' when ``field`` exists and suits ``use``; otherwise why not. ``allowed`` None: any indexed leaf."""
    spec = resolve_field(properties, field)
    if spec is None:
        return f"field {field!r} ({use}) is not in the mapping"
    if spec.get("enabled") is False or spec.get("index") is False:
        return f"field {field!r} ({use}) is not indexed (enabled/index: false)"
    ftype = _field_type(spec)
    if allowed is None:
        if ftype == "object":
            return f"field {field!r} ({use}) is an object, not a searchable field"
        return ""
    if ftype not in allowed:
        return f"field {field!r} ({use}) has type {ftype!r}; this use needs one of {sorted(allowed)}"
    return ""


# --- the check ----------------------------------------------------------------------------------


def load_ndjson(path: str | Path) -> list[dict[str, Any]]:
    """The saved objects of an export, one per non-empty line (the export summary line is skipped)."""
    objects = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON: {exc}") from exc
        if "exportedCount" in obj:
            continue
        objects.append(obj)
    return objects


def kql_fields(query: str) -> list[str]:
    """Field names a KQL query filters on (``field : value``, ``field >= n``); quoted text ignored."""
    bare = _QUOTED.sub('""', query)
    return list(dict.fromkeys(_KQL_FIELD.findall(bare)))


def _label(obj: dict[str, Any]) -> str:
    return f"{obj.get('type')} {obj.get('id')} ({obj.get('attributes', {}).get('title', '')})"


def _json_attr(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def check_saved_objects(ndjson_path: str | Path, mappings: dict[str, dict[str, Any]]) -> list[str]:
    """Problems with the export against ``mappings`` (index kind -> mapping properties); [] when sound.

    Each problem names the object (type, id, title) and the field or reference at fault.
    """
    objects = load_ndjson(ndjson_path)
    props = {kind: _properties(m) for kind, m in mappings.items()}
    by_key = {(o.get("type"), o.get("id")): o for o in objects}
    problems: list[str] = []
    seen: set[tuple[Any, Any]] = set()
    for obj in objects:
        key = (obj.get("type"), obj.get("id"))
        if key in seen:
            problems.append(f"{_label(obj)}: duplicate id in the export")
        seen.add(key)

    def data_view_kind(view_id: str) -> str | None:
        view = by_key.get(("index-pattern", view_id))
        match = _DATA_VIEW_KIND.search(view["attributes"].get("title", "")) if view else None
        return match["kind"] if match else None

    def check_field(obj: dict[str, Any], view_id: str, field: str, use: str, allowed: Any) -> None:
        kind = data_view_kind(view_id)
        if kind is None:
            return  # a dangling or unknown data view is reported with the references
        if kind not in props:
            problems.append(f"{_label(obj)}: no {kind} mapping to check field {field!r} against")
            return
        why = _field_problem(props[kind], field, use, allowed)
        if why:
            problems.append(f"{_label(obj)}: {why.replace('the mapping', f'the {kind} mapping')}")

    def check_kql(obj: dict[str, Any], view_id: str, query: Any, where: str) -> None:
        if isinstance(query, dict) and query.get("language", "kuery") == "kuery":
            for field in kql_fields(str(query.get("query", ""))):
                check_field(obj, view_id, field, f"KQL filter in {where}", None)

    for obj in objects:
        refs = obj.get("references") or []
        ref_by_name = {r.get("name"): r for r in refs}
        for ref in refs:
            if (ref.get("type"), ref.get("id")) not in by_key:
                problems.append(
                    f"{_label(obj)}: reference {ref.get('name')!r} -> {ref.get('type')} "
                    f"{ref.get('id')!r} is not in the export"
                )
        attrs = obj.get("attributes") or {}
        kind = obj.get("type")
        if kind == "index-pattern":
            if _DATA_VIEW_KIND.search(attrs.get("title", "")) is None:
                problems.append(f"{_label(obj)}: title names no govpatrol index kind ({', '.join(KINDS)})")
            elif attrs.get("timeFieldName"):
                check_field(obj, obj["id"], attrs["timeFieldName"], "timeFieldName", frozenset({"date"}))
        elif kind == "search":
            source = _json_attr(attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON", "{}"))
            ref = ref_by_name.get(source.get("indexRefName", ""))
            if ref is None:
                problems.append(f"{_label(obj)}: searchSourceJSON names no data view reference")
                continue
            check_kql(obj, ref["id"], source.get("query"), "the saved search")
            for column in attrs.get("columns") or []:
                check_field(obj, ref["id"], column, "Discover column", None)
            for sort in attrs.get("sort") or []:
                check_field(obj, ref["id"], sort[0], "sort", AGGREGATABLE)
        elif kind == "lens":
            state = attrs.get("state") or {}
            layers = state.get("datasourceStates", {}).get("formBased", {}).get("layers", {})
            for layer_id, layer in layers.items():
                ref = ref_by_name.get(f"indexpattern-datasource-layer-{layer_id}")
                if ref is None:
                    problems.append(f"{_label(obj)}: layer {layer_id!r} has no data view reference")
                    continue
                check_kql(obj, ref["id"], state.get("query"), "the visualization query")
                for col_id, col in layer.get("columns", {}).items():
                    field = col.get("sourceField")
                    check_kql(obj, ref["id"], col.get("filter"), f"column {col_id!r}")
                    if not field or field == _NO_FIELD:
                        continue
                    allowed = OPERATION_TYPES.get(col.get("operationType", ""), AGGREGATABLE)
                    check_field(
                        obj, ref["id"], field, f"{col.get('operationType')} column {col_id!r}", allowed
                    )
        elif kind == "dashboard":
            for panel in _json_attr(attrs.get("panelsJSON", "[]")):
                name = panel.get("panelRefName")
                if (
                    name
                    and f"{panel.get('panelIndex')}:{name}" not in ref_by_name
                    and name not in ref_by_name
                ):
                    problems.append(
                        f"{_label(obj)}: panel {panel.get('panelIndex')!r} has no reference {name!r}"
                    )
    return problems
