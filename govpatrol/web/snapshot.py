"""Snapshots of hacked pages, served so that nothing in them can run in the desk's origin.

The page is never served as the page: :func:`govpatrol.snapshots.inert_html` shows its source as
escaped text (with the screenshot as an image), and the response carries ``SNAPSHOT_CSP`` --
``sandbox`` (an opaque origin, no script, no forms, no popups) plus ``default-src 'none'`` -- so it
stays inert even if escaping ever failed. The desk shows it only in ``<iframe sandbox>``.
Screenshots are PNGs with ``nosniff``. Files are looked up under the configured snapshot folder only
(a reference's own ``root`` is ignored: a finding's evidence never picks the folder read from).
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from crawlers.watchmodels import Baseline
from govpatrol.snapshots import inert_html
from govpatrol.web.desk import desk_of
from govpatrol.web.security import SNAPSHOT_CSP, require
from pipelines.snapshots import SnapshotStore, snapshot_root
from pipelines.store import Store
from pipelines.watchstore import load_baselines

HEADERS = {
    "content-security-policy": SNAPSHOT_CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "SAMEORIGIN",
}


def _ref(ref: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ref.items() if k != "root"}


def baseline_ref(doc: dict[str, Any], baselines: dict[str, dict[str, Baseline]]) -> dict[str, Any]:
    """The snapshot reference of the page's accepted baseline, if any (``baselines`` from
    :func:`load_baselines` of the hit's target)."""
    page = str((doc.get("evidence") or {}).get("page") or doc.get("subject_url") or "")
    base = baselines.get(str(doc.get("target_id", "")), {}).get(page)
    return dict(base.snapshot) if base is not None and base.snapshot else {}


def baseline_shots(store: Store, docs: list[dict[str, Any]]) -> dict[str, bool]:
    """Finding id -> whether its page's baseline has a screenshot (one query for the whole queue)."""
    baselines = load_baselines(store, {str(d.get("target_id", "")) for d in docs})
    return {str(d["id"]): bool(baseline_ref(d, baselines).get("screenshot")) for d in docs}


def _finding(request: Request) -> dict[str, Any]:
    desk = desk_of(request)
    finding_id = request.path_params["finding_id"]
    doc = desk.store.get_findings([finding_id]).get(finding_id)
    if doc is None:
        raise HTTPException(404, "没有这条问题记录。")
    return doc


@require()
def snapshot_page(request: Request) -> Response:
    desk = desk_of(request)
    doc = _finding(request)
    ref = (doc.get("evidence") or {}).get("snapshot") or {}
    if not ref.get("html"):
        raise HTTPException(404, "这条问题没有页面快照。")
    snaps = SnapshotStore(snapshot_root(desk.config))
    try:
        source = snaps.read_html(_ref(ref))
    except (OSError, ValueError) as exc:
        raise HTTPException(404, f"快照文件无法读取：{exc}") from None
    page = inert_html(source, url=str(ref.get("url", "")), taken_at=str(ref.get("taken_at", "")))
    return HTMLResponse(page, headers=HEADERS)


@require()
def snapshot_image(request: Request) -> Response:
    desk = desk_of(request)
    doc = _finding(request)
    which = request.path_params["which"]
    if which == "screenshot":
        ref = (doc.get("evidence") or {}).get("snapshot") or {}
    elif which == "baseline":
        ref = baseline_ref(doc, load_baselines(desk.store, [str(doc.get("target_id", ""))]))
    else:
        raise HTTPException(404, "没有这种图片。")
    if not ref.get("screenshot"):
        raise HTTPException(404, "没有截图。")
    try:
        png = SnapshotStore(snapshot_root(desk.config)).path(_ref(ref), "screenshot").read_bytes()
    except (OSError, ValueError) as exc:
        raise HTTPException(404, f"截图无法读取：{exc}") from None
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        raise HTTPException(404, "截图文件不是 PNG。")
    return Response(png, media_type="image/png", headers=HEADERS)


ROUTES = [
    Route("/snapshot/{finding_id}", snapshot_page, methods=["GET"]),
    Route("/snapshot/{finding_id}/{which}.png", snapshot_image, methods=["GET"]),
]
