"""The content watch's limits in the crawl: files no reader may be stalled by.

A 公示 page of the limits site (CW02) links a 2,000-page PDF, a PNG that claims 10,000 x 10,000
pixels, a password-protected PDF, a zip-bomb DOCX and a file over the download cap. A sweep (JSON
Lines only) ends each as an ``unverified`` note for that file with its reason, and goes on: the
site's ordinary page is still read and its planted expression raised. With ``enabled = false`` the
same sweep reads no text at all.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from crawlers.dates import BEIJING
from simweb import contentlimits
from simweb.server import SimulatedWeb
from simweb.verify import SEC_INDICATORS, compare_content_watch, records_from_jsonl
from simweb.world import build_world
from tests.jsonl_runs import Run, run_to_jsonl

AS_OF = datetime(2024, 10, 1, 10, 0, tzinfo=BEIJING)


def limits_site(web: SimulatedWeb, tmp: Path, watch: str) -> tuple[Path, Path]:
    """The registry of CW02 alone, and a config with the download cap the site's truth assumes."""
    site = contentlimits.SITE
    targets = tmp / "targets.csv"
    with targets.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["id", "kind", "name", "owner", "region", "url", "platform", "account_id", "site_code"]
        )
        writer.writerow(
            [site.target_id, "site", site.name, site.owner, site.region, web.url(site.host, "/"), "", "", ""]
        )
    config = web.write_config(tmp / "config.toml")
    text = config.read_text(encoding="utf-8")
    section = f"[content_watch]\nmax_attachment_bytes = {contentlimits.MAX_ATTACHMENT_BYTES}\n{watch}\n"
    config.write_text(text.replace("[network]", section + "\n[network]", 1), encoding="utf-8")
    return targets, config


def sweep(web: SimulatedWeb, tmp: Path, watch: str = "") -> Run:
    targets, config = limits_site(web, tmp, watch)
    out = tmp / "out.jsonl"
    args = ["-m", "govpatrol", "sweep", "--targets", str(targets), "--as-of", AS_OF.isoformat()]
    return run_to_jsonl([*args, "--output", str(out), "--config", str(config), "--quiet"], out, 600)


@pytest.fixture(scope="module")
def web() -> Iterator[SimulatedWeb]:
    with SimulatedWeb(build_world(AS_OF)) as running:
        yield running


def test_each_unreadable_file_is_an_unverified_note_and_the_sweep_goes_on(
    web: SimulatedWeb, tmp_path: Path
) -> None:
    run = sweep(web, tmp_path)
    findings, summaries, _ = records_from_jsonl(run.records)
    truth = {"content_watch": contentlimits.truth(web.url)}
    assert compare_content_watch(truth, findings) == []
    notes = {
        f.subject_url.rsplit("/", 1)[1]: f.evidence["reason"]
        for f in findings
        if f.indicator in SEC_INDICATORS and f.status == "unverified"
    }
    assert notes == {
        "quanwen.pdf": "too_many_pages",
        "saomiao-da.png": "image_too_large",
        "jiami.pdf": "encrypted",
        "yasuo.docx": "zip_bomb",
        "dawenjian.pdf": "too_large",
    }
    raised = [f for f in findings if f.indicator == "SITE-SEC-WORDING" and f.status == "pending_review"]
    assert [f.subject_url.rsplit("/", 1)[1] for f in raised] == ["ok.html"]
    assert [s.target_id for s in summaries] == [contentlimits.TARGET_ID]


def test_the_content_watch_switched_off_reads_no_text(web: SimulatedWeb, tmp_path: Path) -> None:
    run = sweep(web, tmp_path, "enabled = false")
    findings, summaries, sweeps = records_from_jsonl(run.records)
    assert not [f for f in findings if f.indicator in SEC_INDICATORS]
    assert [s.target_id for s in summaries] == [contentlimits.TARGET_ID]
    assert sweeps[0]["targets_done"] == 1
