"""Local services for development, tests and the demo: a real Elasticsearch node, Redis, Chromium.

The project starts its own genuine services instead of mocking them: Elastic's runnable
integ-test distribution from Maven Central (:mod:`.elasticsearch`), Debian's ``redis-server``
(:mod:`.redis_server`) and Debian's Chromium (:mod:`.chromium`). Processes outlive the command that
started them; a state file in the run dir (:mod:`.state`) makes ``start`` idempotent, lets
``stop``/``status`` find them again and lets every command find the node (:mod:`.discovery`).
"""

from __future__ import annotations

from pathlib import Path

from govpatrol.services.chromium import check_chromium, chromium_path
from govpatrol.services.elasticsearch import (
    ensure_elasticsearch,
    ensure_elasticsearch_entry,
    es_health,
    es_version,
    remove_node,
    restart_elasticsearch_node,
    stop_elasticsearch_node,
    throwaway,
)
from govpatrol.services.redis_server import ensure_redis, ensure_redis_entry, redis_running, stop_redis
from govpatrol.services.state import (
    ServiceError,
    alive,
    cache_dir,
    default_data_dir,
    free_port,
    locked,
    read_state,
    run_dir,
    say,
    write_state,
)

SERVICES = ("elasticsearch", "redis", "chromium")
_free_port = free_port  # older name, still imported by tests

__all__ = [
    "SERVICES",
    "ServiceError",
    "cache_dir",
    "check_chromium",
    "chromium_path",
    "default_data_dir",
    "ensure_elasticsearch",
    "ensure_elasticsearch_entry",
    "ensure_redis",
    "ensure_redis_entry",
    "es_health",
    "es_version",
    "restart_elasticsearch_node",
    "run_dir",
    "start",
    "status",
    "stop",
    "stop_elasticsearch_node",
]


def start(services: list[str], data_dir: Path | None = None) -> dict[str, str]:
    """Provide each named service; returns name -> URL (Chromium: its executable path)."""
    result: dict[str, str] = {}
    for name in services:
        if name == "elasticsearch":
            result[name] = ensure_elasticsearch(data_dir=data_dir)
        elif name == "redis":
            result[name] = ensure_redis()
        elif name == "chromium":
            result[name] = check_chromium()["path"]
        else:
            raise ServiceError(f"unknown service {name!r} (known: {', '.join(SERVICES)})")
    return result


def stop(services: list[str] | None = None, purge: bool = False) -> None:
    """Stop recorded processes. A throw-away node's temp dir goes with it; a persistent node's data
    is kept unless ``purge``."""
    with locked():
        state = read_state()
        for name in services or list(state):
            node = state.pop(name, None)
            if not node:
                continue
            say(f"stopping {name} (pid {node['pid']})")
            if name == "elasticsearch":
                remove_node(node, purge=purge)
            else:
                stop_redis(node)
        write_state(state)


def status() -> dict[str, dict]:
    """What is recorded and whether it answers now."""
    state = read_state()
    report: dict[str, dict] = {}
    es = state.get("elasticsearch")
    health = es_health(es["url"]) if es and alive(int(es["pid"])) else None
    report["elasticsearch"] = {
        **(es or {}),
        "running": bool(health),
        "health": (health or {}).get("status"),
    }
    if es:
        report["elasticsearch"]["throwaway"] = throwaway(es)
    rd = state.get("redis")
    report["redis"] = {**(rd or {}), "running": redis_running(rd)}
    try:
        report["chromium"] = {"path": chromium_path(), "found": True}
    except ServiceError as exc:
        report["chromium"] = {"error": str(exc), "found": False}
    return report
