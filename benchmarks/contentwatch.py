"""``python -m benchmarks contentwatch``: the content watch's cost, not a test.

1. Text scanning throughput, MB/s on one core (every step runs in this one process): the
   Aho-Corasick matcher (normalisation included) next to a plain ``re`` loop (one compiled pattern
   per dictionary entry, over the same normalised text), and the personal-number detector.
2. Attachment cost per MB: PDF, DOCX, XLSX, XLS read in the isolating process (start-up included),
   and a scanned page through OCR (per page).
3. The extra cost per page of the simulated web: page text with lines, masking and scanning, next
   to the visible-text pass every crawled page already gets.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlers.contentwatch import observe_page
from crawlers.dates import BEIJING
from crawlers.documents import Caps, extract
from crawlers.html import visible_text
from crawlers.privacy import mask_personal_numbers
from crawlers.wording_data import Dictionary, Entry
from pipelines.judge import load_rules
from pipelines.wording import WordingMatcher, judged_hits, matcher_for, normalise
from simweb import attachments as files
from simweb.world import build_world

RESULTS = Path(__file__).with_name("results")
AS_OF = datetime(2024, 10, 1, 10, 0, tzinfo=BEIJING)
PHRASES = (
    "为深入贯彻落实党中央、国务院决策部署，进一步优化营商环境，",
    "市政府召开常务会议，研究部署近期重点工作。",
    "各级农业部门要加强协作，做好秋粮收购工作。",
    "公示期间如有异议，请与市人力资源和社会保障局联系，联系电话0512-68001234。",
    "本次共受理政务服务事项12345件，办结率99.8%。",
    "台湾等国家和地区的客商踊跃参会，签约项目36个。",
)
PLANTED = ("国家工商行政管理总局", "台湾等国家的", "环境保护部", "13962001234")


def corpus(mb: float, seed: int = 15) -> str:
    """About ``mb`` MB (UTF-8) of government-page prose with a planted hit every ~2 KB."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < mb * 1024 * 1024:
        line = "".join(rng.choice(PHRASES) for _ in range(8))
        if rng.random() < 0.5:
            line += rng.choice(PLANTED)
        parts.append(line)
        size += len(line.encode("utf-8")) + 1
    return "\n".join(parts)


def best_of(runs: int, fn: Any) -> float:
    """The fastest of ``runs`` wall times (the least disturbed by a shared machine)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def synthetic_entries(n: int, seed: int = 7) -> Dictionary:
    """An office list of ``n`` made-up 4-6 character terms (rare CJK characters: no hits)."""
    rng = random.Random(seed)
    words = {"".join(chr(rng.randint(0x9000, 0x9FA0)) for _ in range(rng.randint(4, 6))) for _ in range(n)}
    entries = tuple(Entry("office", f"w{i}", w) for i, w in enumerate(sorted(words)))
    return Dictionary("office", "synthetic", entries)


def text_throughput(mb: float, extra_entries: int = 0) -> dict[str, Any]:
    rules = load_rules()
    table = rules.table("SITE-SEC-WORDING")
    matcher = matcher_for(rules, "SITE-SEC-WORDING")
    if extra_entries:
        matcher = WordingMatcher([*matcher.dictionaries, synthetic_entries(extra_entries)])
    text = corpus(mb)
    size_mb = len(text.encode("utf-8")) / 2**20
    forms = sorted({e.wrong for d in matcher.dictionaries for e in d.entries})
    loop = [re.compile(re.escape(f)) for f in forms]
    norm_text = normalise(text).text
    aho_hits = len(judged_hits(matcher.scan(text), table))
    re_hits = sum(1 for p in loop for _ in p.finditer(norm_text))
    t_aho = best_of(3, lambda: judged_hits(matcher.scan(text), table))
    t_norm = best_of(3, lambda: normalise(text))

    def re_loop() -> None:
        norm = normalise(text).text  # the same normalisation, once
        for pattern in loop:
            list(pattern.finditer(norm))

    t_re = best_of(3, re_loop)
    t_privacy = best_of(3, lambda: mask_personal_numbers(text))
    return {
        "text_mb": round(size_mb, 2),
        "entries": len(forms),
        "aho_corasick_mb_s": round(size_mb / t_aho, 2),
        "normalise_only_mb_s": round(size_mb / t_norm, 2),
        "re_loop_mb_s": round(size_mb / t_re, 2),
        "privacy_mb_s": round(size_mb / t_privacy, 2),
        "aho_hits_raised": aho_hits,
        "re_loop_raw_hits": re_hits,
    }


def attachment_costs(rows: int) -> list[dict[str, Any]]:
    """Seconds per MB for each format read in the isolating process, start-up included."""
    lines = [
        f"{i} 张某 公益性岗位 联系电话0512-6800{i % 10000:04d} 各级农业部门审核通过" for i in range(rows)
    ]
    cases = {
        "pdf": files.pdf_bytes([lines[i : i + 30] for i in range(0, len(lines), 30)]),
        "docx": files.docx_bytes(lines),
        "xlsx": files.xlsx_bytes({"名单": [line.split() for line in lines]}),
        "xls": files.xls_bytes([line.split() for line in lines[:60000]]),
    }
    out = []
    caps = Caps(max_pages=100_000, max_cells=10_000_000)  # read the whole file: cost per MB, not a cap
    for fmt, data in cases.items():
        elapsed = best_of(2, lambda data=data, fmt=fmt: extract(data, f"x.{fmt}", caps=caps))
        result = extract(data, f"x.{fmt}", caps=caps)
        mb = len(data) / 2**20
        out.append(
            {
                "format": fmt,
                "file_mb": round(mb, 2),
                "text_chars": len(result.text),
                "status": result.status,
                "seconds": round(elapsed, 2),
                "s_per_mb": round(elapsed / mb, 2),
            }
        )
    scan = files.scanned_pdf_bytes(
        ["公示名单扫描件", "陈某 身份证号 320506199202280460", "联系电话 13962001234"]
    )
    elapsed = best_of(2, lambda: extract(scan, "scan.pdf"))
    out.append(
        {
            "format": "scanned pdf (OCR, 1 page)",
            "file_mb": round(len(scan) / 2**20, 3),
            "seconds": round(elapsed, 2),
        }
    )
    return out


def page_overhead() -> dict[str, Any]:
    """Per page of the simulated web: the content watch's extra work vs the visible-text pass."""
    world = build_world(AS_OF)
    rules = load_rules()
    table = rules.table("SITE-SEC-WORDING")
    matcher = matcher_for(rules, "SITE-SEC-WORDING")
    bodies: list[bytes] = []
    for site in world.sites.values():
        for path in list(world.routes.get(site.host, {})):
            response = world.lookup(site.host, path)
            if (
                response is not None
                and response.content_type == "text/html"
                and isinstance(response.body, str)
            ):
                bodies.append(world.fill(response.body).encode("utf-8"))
    base = best_of(2, lambda: [visible_text(b) for b in bodies])

    def watch() -> None:
        for b in bodies:
            obs = observe_page("S", "http://x/", b, fetched_at=AS_OF)
            judged_hits(matcher.scan(obs.text), table)

    extra = best_of(2, watch)
    return {
        "pages": len(bodies),
        "visible_text_ms_per_page": round(base / len(bodies) * 1000, 3),
        "content_watch_ms_per_page": round(extra / len(bodies) * 1000, 3),
    }


def main(mb: float = 8.0, rows: int = 20000, entries: int = 5000) -> dict[str, Any]:
    data = {
        "bench": "contentwatch",
        "machine": {"nproc": os.cpu_count(), "load_avg_at_start": [round(x, 2) for x in os.getloadavg()]},
        "text": text_throughput(mb),
        "text_large_dictionary": text_throughput(mb / 4, entries),
        "attachments": attachment_costs(rows),
        "pages": page_overhead(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    text = json.dumps(data, ensure_ascii=False, indent=2)
    (RESULTS / f"contentwatch-{stamp}.json").write_text(text, encoding="utf-8")
    (RESULTS / "contentwatch-latest.json").write_text(text, encoding="utf-8")
    print(text)
    return data
