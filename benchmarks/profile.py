"""Where govpatrol's link checking spends its CPU: py-spy over a full sweep of the bench web.

``python -m benchmarks.profile [--sites N --pages M --links K --latency MS]`` samples the sweep
(the ``govpatrol`` process, idle frames excluded) and prints the hottest functions by own time and
by inclusive time, grouped by layer (Scrapy/Twisted engine, parsing, judge, JSON Lines, ...).
The raw collapsed stacks are kept in ``benchmarks/results/profile-*.txt`` for a flame graph.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.benchaccounts import AS_OF
from benchmarks.benchweb import BenchSpec
from benchmarks.harness import CRAWL_EXTRA, RESULTS, SECTIONS_EXTRA, VENV_BIN, BenchWeb

#: (substring of a frame's file, layer name), first match wins, checked from the leaf upward
LAYERS = (
    ("pipelines/judge", "judge"),
    ("pipelines/rules", "judge"),
    ("pipelines/sinks", "sinks (JSON Lines)"),
    ("crawlers/listpage", "list extraction (dates)"),
    ("crawlers/listscan", "list extraction (dates)"),
    ("crawlers/datastore", "list extraction (dates)"),
    ("crawlers/dates", "list extraction (dates)"),
    ("dateparser", "list extraction (dates)"),
    ("crawlers/columns", "page facts (columns, links)"),
    ("crawlers/pagefacts", "page facts (columns, links)"),
    ("spiders/", "spider callbacks"),
    ("lxml", "HTML parsing (lxml)"),
    ("charset_normalizer", "decoding"),
    ("scrapy/core/downloader", "Scrapy downloader"),
    ("scrapy/core/http11", "Scrapy HTTP/1.1 client"),
    ("scrapy/core/engine", "Scrapy engine/scheduler"),
    ("scrapy/core/scheduler", "Scrapy engine/scheduler"),
    ("scrapy/core/scraper", "Scrapy scraper (callbacks, items)"),
    ("scrapy/", "Scrapy other (middlewares, signals)"),
    ("twisted/web", "Twisted HTTP"),
    ("twisted/", "Twisted reactor/protocols"),
    ("asyncio", "asyncio loop"),
    ("pipelines/recorder", "sweep recorder"),
)


def layer_of(stack: list[str]) -> str:
    for frame in reversed(stack):
        for needle, name in LAYERS:
            if needle in frame:
                return name
    return "other"


def summarise(raw: Path, top: int = 25) -> str:
    own: Counter[str] = Counter()
    incl: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text or not count_text.isdigit():
            continue
        count = int(count_text)
        stack = stack_text.split(";")
        total += count
        own[stack[-1]] += count
        for frame in set(stack):
            incl[frame] += count
        layers[layer_of(stack)] += count
    out = [f"samples: {total}", "", "by layer (leaf-most project/library frame):"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in layers.most_common()]
    out += ["", "own time:"]
    out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    out += ["", "inclusive time:"]
    out += [f"  {100 * n / total:5.1f}%  {f}" for f, n in incl.most_common(top)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    p.add_argument("--sites", type=int, default=10)
    p.add_argument("--pages", type=int, default=8)
    p.add_argument("--links", type=int, default=40)
    p.add_argument("--latency", type=int, default=0)
    p.add_argument("--cap", type=int, default=64)
    p.add_argument("--per-host", type=int, default=8)
    p.add_argument("--link-workers", type=int, help="[crawl] link_workers (default: govpatrol's own)")
    p.add_argument("--no-attachments", action="store_true", help="[content_watch] attachments = false")
    a = p.parse_args(argv)
    if a.link_workers:
        CRAWL_EXTRA.append(f"link_workers = {a.link_workers}")
    if a.no_attachments:
        SECTIONS_EXTRA.extend(["[content_watch]", "attachments = false", ""])
    spec = BenchSpec(sites=a.sites, pages=a.pages, links=a.links, latency_ms=a.latency)
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / f"profile-{time.strftime('%Y%m%dT%H%M%S')}.txt"
    with BenchWeb(spec) as web, tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp:
        targets, config = web.write_govpatrol_inputs(Path(tmp), concurrency=a.cap, per_host=a.per_host)
        sweep = [str(VENV_BIN / "govpatrol"), "sweep", "--targets", str(targets), "--config", str(config)]
        sweep += ["--kind", "full", "--no-es", "--output", str(Path(tmp) / "o.jsonl"), "--quiet"]
        sweep += ["--as-of", AS_OF.isoformat()]
        cmd = [str(VENV_BIN / "py-spy"), "record", "--rate", "250", "--format", "raw", "-o", str(raw)]
        subprocess.run([*cmd, "--", *sweep], check=True)
    summary = summarise(raw)
    raw.with_suffix(".summary.txt").write_text(summary, encoding="utf-8")
    print(summary)
    print("raw stacks:", raw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
