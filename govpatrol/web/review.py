"""待审核: the security hits waiting for a person, each with its evidence at a glance, and 确认 / 忽略
with a note -- the same :func:`govpatrol.review.confirm` / :func:`~govpatrol.review.dismiss` as
``govpatrol review``, recorded with the signed-in officer's name in the audit trail."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from crawlers.alerts_config import load_alerts_config
from govpatrol import review
from govpatrol.web.desk import desk_of
from govpatrol.web.security import checked_form, current_user, require
from govpatrol.web.snapshot import baseline_shots

NOTE_MAX = 500
DECIDERS = ("admin", "duty")
KIND_ZH = {"script": "脚本", "frame": "框架", "style": "样式", "stylesheet": "样式"}
WHAT_ZH = {
    "foreign_script": "外部脚本",
    "obfuscated_script": "混淆脚本",
    "foreign_frame": "外部框架",
    "download": "可执行文件下载",
}


def glance(doc: dict[str, Any]) -> dict[str, Any]:
    """The evidence a person needs first, by the shape of the hit's evidence."""
    ev = doc.get("evidence") or {}
    if "technique_name" in ev:  # a hidden link and the CSS that hides it
        return {
            "kind": "dark_link",
            "text": ev.get("text", ""),
            "url": ev.get("url", ""),
            "host": ev.get("host", ""),
            "technique": ev.get("technique_name", ""),
            "css": ev.get("css", ""),
        }
    if "masked" in ev:  # a personal number, masked, and the file it is in
        return {
            "kind": "privacy",
            "masked": ev.get("masked", ""),
            "file": ev.get("url", ""),
            "title": ev.get("title", ""),
            "where": f"第{ev['page']}页"
            if ev.get("page")
            else (f"第{ev['line']}行" if ev.get("line") else ""),
            "context": ev.get("context", ""),
        }
    if "term" in ev:  # a wording hit in its context
        context = str(ev.get("context", ""))
        term = str(ev.get("term", ""))
        before, _, after = context.partition(term) if term in context else (context, "", "")
        return {
            "kind": "term",
            "term": term,
            "before": before,
            "after": after,
            "url": ev.get("url", ""),
            "suggested": ev.get("suggested", ""),
            "dictionary": ev.get("dictionary_name", ""),
        }
    if "changes" in ev:  # a page's look changed: new script hosts among the changes
        hosts = [
            f"{host}（{KIND_ZH.get(what, what)}）"
            for c in ev["changes"]
            if c.get("kind") == "hosts"
            for what, found in (c.get("new") or {}).items()
            for host in found
        ]
        return {
            "kind": "changes",
            "hosts": hosts,
            "changes": [c for c in ev["changes"] if c.get("kind") != "hosts"],
        }
    if "what" in ev:  # a malicious script, frame or redirect
        return {
            "kind": "malware",
            "what": WHAT_ZH.get(ev["what"], ev["what"]),
            "host": ev.get("host", ""),
            "url": ev.get("src") or ev.get("url", ""),
            "signals": ev.get("signals") or [],
        }
    if "differences" in ev:
        return {"kind": "cloaking", "differences": ev["differences"]}
    if "matched" in ev:
        return {
            "kind": "hijack",
            "url": ev.get("url", ""),
            "title": ev.get("target_title", ""),
            "matched": [m.get("kind", "") for m in ev["matched"]],
        }
    return {"kind": "other", "url": doc.get("subject_url", "")}


@require()
def review_page(request: Request) -> Response:
    desk = desk_of(request)
    docs = review.pending(desk.store)
    names = desk.names
    with_baseline = baseline_shots(desk.store, docs)
    hits = [
        {
            "doc": doc,
            "glance": glance(doc),
            "name": names.get(doc.get("indicator", ""), doc.get("indicator", "")),
            "shot": bool(((doc.get("evidence") or {}).get("snapshot") or {}).get("screenshot")),
            "html": bool(((doc.get("evidence") or {}).get("snapshot") or {}).get("html")),
            "baseline": with_baseline[str(doc["id"])],
        }
        for doc in docs
    ]
    can_decide = (current_user(request) or {}).get("role") in DECIDERS
    return desk.render(request, "review.html", hits=hits, can_decide=can_decide)


@require(*DECIDERS)
async def decide(request: Request) -> Response:
    desk = desk_of(request)
    form = await checked_form(request)
    finding_id = request.path_params["finding_id"]
    action = str(form.get("action") or "")
    note = str(form.get("note") or "").strip()[:NOTE_MAX]
    user = current_user(request) or {}
    by = str(user.get("label") or user.get("username"))
    try:
        if action == "confirm":
            alerts = load_alerts_config(desk.config.alerts)
            await run_in_threadpool(
                lambda: review.confirm(desk.store, finding_id, by=by, note=note, alerts=alerts)
            )
        elif action == "dismiss":
            await run_in_threadpool(lambda: review.dismiss(desk.store, finding_id, by=by, note=note))
        else:
            raise HTTPException(400, "未知操作。")
    except review.ReviewError as exc:
        raise HTTPException(409, f"无法处理：{exc}") from None
    return RedirectResponse(f"/finding/{finding_id}", status_code=303)


ROUTES = [
    Route("/review", review_page, methods=["GET"]),
    Route("/review/{finding_id}", decide, methods=["POST"]),
]
