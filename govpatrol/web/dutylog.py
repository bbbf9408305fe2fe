"""值守日志 / 巡网台账 and the duty roster (值班表).

The log is the ledger (:func:`govpatrol.ledger.ledger_rows`, one row per sweep of the Beijing month)
with the officer on duty that day from the roster; its XLSX is the ledger's own file
(:func:`govpatrol.ledger.write_ledger`). An admin edits the roster day by day.
"""

from __future__ import annotations

import tempfile
from bisect import bisect_right
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from crawlers.dates import BEIJING
from govpatrol.ledger import COLUMNS, LedgerError, ledger_rows, month_bounds, write_ledger
from govpatrol.roster import RosterError, month_days, month_roster, on_duty, parse_day, set_duty
from govpatrol.web.desk import desk_of
from govpatrol.web.security import checked_form, current_user, require
from pipelines.store import Store

PATROL_KINDS = ("patrol", "full")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN_COLUMNS = (
    "kind_label",
    "started_at",
    "ended_at",
    "planned",
    "done",
    "failed",
    "unverified",
    "findings_opened",
    "findings_closed",
)


def _month(request: Request) -> str:
    month = request.query_params.get("month", "").strip() or datetime.now(BEIJING).strftime("%Y-%m")
    try:
        month_bounds(month)
    except LedgerError as exc:
        raise HTTPException(400, f"月份格式应为 YYYY-MM：{exc}") from None
    return month


def attach_reviews(store: Store, rows: list[dict[str, Any]], month: str) -> None:
    """Each review decision of the month under the patrol (or full sweep) it followed: "who reviewed what"."""
    start, end = month_bounds(month)
    query = {"range": {"at": {"gte": start.isoformat(), "lt": end.isoformat()}}}
    decided = store.search_all("reviews", query, [{"at": "asc"}, {"id": "asc"}])
    patrols = [row for row in rows if row["kind"] in PATROL_KINDS and row["started_at"]]
    starts = [row["started_at"] for row in patrols]
    for doc in decided:
        i = bisect_right(starts, datetime.fromisoformat(str(doc["at"]))) - 1
        if i >= 0:
            patrols[i].setdefault("reviews", []).append(doc)


@require()
def log_page(request: Request) -> Response:
    desk = desk_of(request)
    month = _month(request)
    rows = ledger_rows(desk.store, month)
    roster = month_roster(desk.store, month)
    for row in rows:
        duty = on_duty(roster, row["started_at"])
        row["officer"] = duty.officer if duty else ""
        row["leader"] = duty.leader if duty else ""
    attach_reviews(desk.store, rows, month)
    headers = {key: header for header, key, _ in COLUMNS}
    return desk.render(
        request, "log.html", month=month, rows=rows, columns=[(key, headers[key]) for key in SHOWN_COLUMNS]
    )


@require()
def log_export(request: Request) -> Response:
    desk = desk_of(request)
    month = _month(request)
    rows = ledger_rows(desk.store, month)
    with tempfile.TemporaryDirectory(prefix="govpatrol-desk-") as tmp:
        out = write_ledger(rows, month, "xlsx", Path(tmp) / f"ledger-{month}.xlsx")
        body = out.read_bytes()
    name = quote(f"巡网台账-{month}.xlsx")
    headers = {
        "content-disposition": f"attachment; filename=\"ledger-{month}.xlsx\"; filename*=UTF-8''{name}"
    }
    return Response(body, media_type=XLSX, headers=headers)


@require()
def roster_page(request: Request) -> Response:
    desk = desk_of(request)
    month = _month(request)
    roster = month_roster(desk.store, month)
    is_admin = (current_user(request) or {}).get("role") == "admin"
    officers = [u for u in desk.users.list() if u.role in ("duty", "admin")] if is_admin else []
    days = [(day, roster.get(day)) for day in month_days(month)]
    return desk.render(request, "roster.html", month=month, days=days, officers=officers, is_admin=is_admin)


@require("admin")
async def roster_save(request: Request) -> Response:
    desk = desk_of(request)
    form = await checked_form(request)
    try:
        day = parse_day(str(form.get("day") or ""))
    except RosterError as exc:
        raise HTTPException(400, str(exc)) from None
    officer, leader = str(form.get("officer") or ""), str(form.get("leader") or "")
    users = await run_in_threadpool(desk.users.list)
    if officer.strip() not in {u.username for u in users} | {""}:
        raise HTTPException(400, f"没有这个用户：{officer}")
    by = str((current_user(request) or {}).get("username"))
    await run_in_threadpool(set_duty, desk.store, day, officer, leader, by=by)
    return RedirectResponse(f"/roster?month={day:%Y-%m}", status_code=303)


ROUTES = [
    Route("/log", log_page, methods=["GET"]),
    Route("/log.xlsx", log_export, methods=["GET"]),
    Route("/roster", roster_page, methods=["GET"]),
    Route("/roster", roster_save, methods=["POST"]),
]
