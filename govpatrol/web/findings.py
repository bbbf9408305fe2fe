"""问题查询: the CLI's findings search as a form, each finding with its history and audit trail,
and the result exported to XLSX by the same code as ``govpatrol findings --format xlsx``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crawlers.models import PLATFORMS
from govpatrol.cli.findings import HEADERS, TABLE_COLUMNS, finding_row, write_findings
from govpatrol.findings_search import KINDS, SORT, STATUSES, SearchError, build_query, search
from govpatrol.labels import PLATFORM_LABELS, STATUS_ZH
from govpatrol.web.desk import desk_of
from govpatrol.web.security import require
from pipelines.watchstore import reviews

FILTERS = ("region", "owner", "indicator", "status", "since", "kind", "platform")
SHOWN = 200  # rows on the page; the export has them all
EXPORT_LIMIT = 100_000
KIND_ZH = {"site": "网站", "account": "新媒体账号"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request: Request) -> dict[str, str]:
    return {key: request.query_params.get(key, "").strip() for key in FILTERS}


def _search(request: Request, limit: int) -> tuple[dict[str, str], list[dict[str, Any]], int, str]:
    """The filters as typed, the first ``limit`` findings in the CLI's order, the total, an error."""
    desk = desk_of(request)
    filters = _filters(request)
    used = {key: value for key, value in filters.items() if value}
    indicators_file = desk.config.indicators_file or None
    try:
        query = build_query(**used, indicators_file=indicators_file)  # type: ignore[arg-type]
    except SearchError as exc:
        return filters, [], 0, str(exc)
    if limit > SHOWN:  # the export: every match, paged like `govpatrol findings`
        docs = search(desk.store, **used, limit=limit, indicators_file=indicators_file)
        return filters, docs, len(docs), ""
    # the page: one request gives the first rows and the total
    resp = desk.store.es.search(
        index=desk.store.index_name("findings"),
        query=query,
        sort=SORT,
        size=limit,
        track_total_hits=True,
        ignore_unavailable=True,
    )
    docs = [hit["_source"] for hit in resp["hits"]["hits"]]
    return filters, docs, int(resp["hits"]["total"]["value"]), ""


@require()
def findings_page(request: Request) -> Response:
    desk = desk_of(request)
    filters, docs, total, error = _search(request, SHOWN)
    names = desk.names
    rows = [(doc, [finding_row(doc, names)[i] for i in TABLE_COLUMNS]) for doc in docs]
    return desk.render(
        request,
        "findings.html",
        400 if error else 200,
        filters=filters,
        rows=rows,
        total=total,
        shown=len(docs),
        error=error,
        headers=[HEADERS[i] for i in TABLE_COLUMNS],
        statuses=[(s, STATUS_ZH[s]) for s in STATUSES],
        kinds=[(kind, KIND_ZH.get(kind, kind)) for kind in KINDS],
        platforms=[(p, PLATFORM_LABELS.get(p, p)) for p in PLATFORMS],
        query=request.url.query,
    )


@require()
def findings_export(request: Request) -> Response:
    desk = desk_of(request)
    _, docs, _, error = _search(request, EXPORT_LIMIT)
    if error:
        raise HTTPException(400, error)
    with tempfile.TemporaryDirectory(prefix="govpatrol-desk-") as tmp:
        out = Path(tmp) / "findings.xlsx"
        write_findings(docs, "xlsx", out, indicators_file=desk.config.indicators_file or None)
        body = out.read_bytes()
    headers = {
        "content-disposition": "attachment; filename=\"findings.xlsx\"; filename*=UTF-8''%E9%97%AE%E9%A2%98%E6%B8%85%E5%8D%95.xlsx"
    }
    return Response(body, media_type=XLSX, headers=headers)


@require()
def finding_page(request: Request) -> Response:
    desk = desk_of(request)
    finding_id = request.path_params["finding_id"]
    doc = desk.store.get_findings([finding_id]).get(finding_id)
    if doc is None:
        raise HTTPException(404, "没有这条问题记录。")
    names = desk.names
    return desk.render(
        request,
        "finding.html",
        doc=doc,
        row=dict(zip(HEADERS, finding_row(doc, names), strict=True)),
        history=list(doc.get("history") or []),
        audit=reviews(desk.store, finding_id=finding_id),
    )


ROUTES = [
    Route("/findings", findings_page, methods=["GET"]),
    Route("/findings.xlsx", findings_export, methods=["GET"]),
    Route("/finding/{finding_id}", finding_page, methods=["GET"]),
]
