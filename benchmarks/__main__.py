"""``python -m benchmarks linkcheck|scale|province|fairscale|accounts|contentwatch|contentsweep|watch|desk|all``:
the benchmarks (not tests)."""

from __future__ import annotations

import argparse
import sys

from benchmarks.harness import CRAWL_EXTRA, SECTIONS_EXTRA
from govpatrol.services import ensure_redis


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    sub = p.add_subparsers(dest="bench", required=True)
    lc = sub.add_parser("linkcheck", help="govpatrol vs LinkChecker vs lychee on the same pages")
    lc.add_argument("--sites", type=int, default=10)
    lc.add_argument("--pages", type=int, default=8, help="list pages (columns) per site")
    lc.add_argument("--links", type=int, default=40, help="links per list page")
    lc.add_argument("--latency", type=_ints, default=[0, 50, 200], help="ms, comma-separated")
    lc.add_argument("--cap", type=int, default=64, help="requests in flight, all hosts")
    lc.add_argument("--per-host", type=int, default=8, help="requests in flight per host")
    lc.add_argument("--tools", default="govpatrol,linkchecker,lychee")
    lc.add_argument("--link-workers", type=int, help="govpatrol's [crawl] link_workers (default: its own)")
    lc.add_argument(
        "--no-attachments", action="store_true", help="govpatrol: [content_watch] attachments = false"
    )
    sc = sub.add_parser("scale", help="govpatrol's peak RSS and checks/s by number of links")
    sc.add_argument("--links-total", type=_ints, default=[1_000, 10_000, 100_000, 200_000])
    sc.add_argument("--latency", type=int, default=0)
    sc.add_argument("--cap", type=int, default=64)
    sc.add_argument("--per-host", type=int, default=8)
    pr = sub.add_parser("province", help="a patrol of 1,000 sites + 6,000 accounts at 50 ms")
    pr.add_argument("--sites", type=int, default=1000)
    pr.add_argument("--accounts", type=int, default=6000)
    pr.add_argument("--latency", type=int, default=50)
    pr.add_argument("--cap", type=int, default=64)
    pr.add_argument("--per-host", type=int, default=4)
    pr.add_argument("--workers", type=int, default=0, help="N > 0: also run N workers on Redis (pending)")
    pr.add_argument(
        "--redis", default="", help="Redis URL for --workers (default: start/reuse the local one)"
    )
    pr.add_argument(
        "--kind", choices=("patrol", "full", "both"), default="patrol", help="both: patrol, then full"
    )
    pr.add_argument(
        "--limit-per-minute", type=int, default=0, help="N > 0: every platform throttles above N a minute"
    )
    pr.add_argument("--budget-share", type=float, default=0.9, help="the sweep's budget: this share of N")
    pr.add_argument(
        "--backoff", type=float, default=20.0, help="pause after a throttle answer (limited runs)"
    )
    fs = sub.add_parser("fairscale", help="one pinned worker vs two pinned workers, same world and Redis")
    fs.add_argument("--sites", type=int, default=200)
    fs.add_argument("--accounts", type=int, default=600)
    fs.add_argument("--latency", type=int, default=50)
    fs.add_argument("--redis", default="", help="Redis URL (default: start/reuse the local one)")
    fs.add_argument(
        "--pin-others",
        type=_ints,
        default=None,
        help="CPUs for the coordinator and bench server (default: unpinned)",
    )
    ac = sub.add_parser("accounts", help="account sweep on the browser platforms: accounts/min, RSS")
    ac.add_argument("--accounts", type=int, default=300)
    ac.add_argument("--platforms", default="", help="comma-separated (default: every browser platform)")
    ac.add_argument(
        "--warm-pages", default="", help="comma-separated [browser] warm_pages values, one sweep each"
    )
    cw = sub.add_parser("contentwatch", help="content watch: text MB/s vs a re loop, attachment s/MB")
    cw.add_argument("--mb", type=float, default=8.0, help="MB of text to scan")
    cw.add_argument("--rows", type=int, default=20000, help="lines in each attachment")
    cw.add_argument("--entries", type=int, default=5000, help="made-up office entries for the large run")
    cs = sub.add_parser("contentsweep", help="content watch on vs off: a full sweep of the simulated web")
    cs.add_argument("--rounds", type=int, default=1, help="on/off pairs (medians are reported)")
    cs.add_argument("--es", action="store_true", help="also write to Elasticsearch and measure the index")
    wa = sub.add_parser(
        "watch", help="the patrol with the security watch vs without, 1,000 homepages at 50 ms"
    )
    wa.add_argument("--sites", type=int, default=1000)
    wa.add_argument("--latency", type=int, default=50)
    wa.add_argument("--render", choices=("auto", "always", "never"), default="auto")
    wa.add_argument("--cap", type=int, default=64)
    wa.add_argument("--per-host", type=int, default=4)
    dk = sub.add_parser("desk", help="the duty desk's page times with 10,000 findings and 1,000 targets")
    dk.add_argument("--targets", type=int, default=1000)
    dk.add_argument("--findings", type=int, default=10000)
    dk.add_argument("--runs", type=int, default=5, help="timed requests per page (after one warm-up)")
    sub.add_parser("all", help="linkcheck, scale and province at their default sizes")
    args = p.parse_args(argv)

    if args.bench == "fairscale":
        from benchmarks import fairscale

        fairscale.main(args.sites, args.accounts, args.latency, args.redis or ensure_redis(), args.pin_others)
        return 0
    if args.bench == "contentsweep":
        from benchmarks import contentsweep

        contentsweep.main(args.rounds, args.es)
        return 0
    if args.bench == "desk":
        from benchmarks import desk

        desk.main(args.targets, args.findings, args.runs)
        return 0
    if args.bench == "accounts":
        from benchmarks import accounts

        keys = tuple(k for k in args.platforms.split(",") if k) or accounts.BROWSER
        warm: list[int | None] = [int(w) for w in args.warm_pages.split(",") if w.strip()] or [None]
        accounts.main(args.accounts, keys, warm)
        return 0
    if args.bench == "contentwatch":
        from benchmarks import contentwatch

        contentwatch.main(args.mb, args.rows, args.entries)
        return 0
    if args.bench == "watch":
        from benchmarks import watch

        watch.main(args.sites, args.latency, args.render, args.cap, args.per_host)
        return 0
    if args.bench in ("linkcheck", "all"):
        from benchmarks import linkcheck

        if args.bench == "all":
            linkcheck.main(10, 8, 40, [0, 50, 200], 64, 8, ["govpatrol", "linkchecker", "lychee"])
        else:
            tools = [t for t in args.tools.split(",") if t]
            if args.link_workers:
                CRAWL_EXTRA.append(f"link_workers = {args.link_workers}")
            if args.no_attachments:
                SECTIONS_EXTRA.extend(["[content_watch]", "attachments = false", ""])
            linkcheck.main(args.sites, args.pages, args.links, args.latency, args.cap, args.per_host, tools)
    if args.bench in ("scale", "all"):
        from benchmarks import scale

        if args.bench == "all":
            scale.main([1_000, 10_000, 100_000, 200_000], 0, 64, 8)
        else:
            scale.main(args.links_total, args.latency, args.cap, args.per_host)
    if args.bench in ("province", "all"):
        from benchmarks import province

        if args.bench == "all":
            province.main(1000, 6000, 50, 64, 4, 2, ensure_redis())
        else:
            province.main(
                args.sites,
                args.accounts,
                args.latency,
                args.cap,
                args.per_host,
                args.workers,
                args.redis or (ensure_redis() if args.workers else ""),
                kinds=("patrol", "full") if args.kind == "both" else (args.kind,),
                limit_per_minute=args.limit_per_minute,
                budget_share=args.budget_share,
                backoff=args.backoff,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
