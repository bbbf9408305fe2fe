"""网页基线: a site's accepted look of its watched pages, and 认可改版 -- after a legitimate redesign,
the page as the latest patrol saw it becomes the baseline the tamper check compares with. The same
:func:`govpatrol.baseline.accept` as ``govpatrol baseline accept``, recorded with the signed-in
officer's name and the note in the audit trail."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from govpatrol import baseline
from govpatrol.review import ReviewError
from govpatrol.web.desk import desk_of
from govpatrol.web.review import DECIDERS, NOTE_MAX
from govpatrol.web.security import checked_form, current_user, require

ROLE_ZH = {"homepage": "首页", "keypage": "重点页面"}
HOST_KIND_ZH = {"script": "脚本", "frame": "框架", "style": "样式", "stylesheet": "样式"}


@require()
def baseline_page(request: Request) -> Response:
    desk = desk_of(request)
    target_id = request.path_params["target_id"]
    try:
        found = baseline.show(desk.store, target_id)
    except ReviewError:
        raise HTTPException(404, f"没有网站 {target_id} 的基线记录：首次巡查后才有基线。") from None
    pages = [
        {
            "b": b,
            "role": ROLE_ZH.get(b.page_role, b.page_role),
            "hosts": [
                f"{HOST_KIND_ZH.get(kind, kind)}：{'、'.join(hosts)}"
                for kind, hosts in sorted(b.hosts.items())
                if hosts and kind != "link"
            ],
            "links": len(b.hosts.get("link", [])),
        }
        for b in found
    ]
    can_accept = (current_user(request) or {}).get("role") in DECIDERS
    return desk.render(request, "baseline.html", target_id=target_id, pages=pages, can_accept=can_accept)


@require(*DECIDERS)
async def accept(request: Request) -> Response:
    desk = desk_of(request)
    form = await checked_form(request)
    target_id = request.path_params["target_id"]
    page = str(form.get("page") or "").strip() or None  # none: every watched page of the site
    note = str(form.get("note") or "").strip()[:NOTE_MAX]
    if not note:
        raise HTTPException(400, "请填写认可理由（如“网站改版”）。")
    user = current_user(request) or {}
    by = str(user.get("label") or user.get("username"))
    try:
        await run_in_threadpool(lambda: baseline.accept(desk.store, target_id, page, by=by, note=note))
    except ReviewError as exc:
        raise HTTPException(409, f"无法认可：{exc}") from None
    return RedirectResponse(f"/baseline/{target_id}", status_code=303)


ROUTES = [
    Route("/baseline/{target_id}", baseline_page, methods=["GET"]),
    Route("/baseline/{target_id}", accept, methods=["POST"]),
]
