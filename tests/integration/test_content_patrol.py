"""The patrol's content watch reads only what is new, remembering in Elasticsearch what it read.

A small planted site: a homepage linking two pages, one with a planted outdated name and a DOCX
attachment with an unmasked ID number. A site's first patrol reads every page linked from the
homepage and their attachments; the next patrol, nothing changed, reads nothing again; after the
site publishes a new page (its route swapped in, the homepage re-served with a link to it), the
patrol reads that page and the homepage whose text changed, and nothing it read before.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from crawlers.config import load_config
from crawlers.dates import BEIJING
from pipelines.store import Store
from simweb import attachments as files
from simweb import contentwatch as cw
from simweb.server import SimulatedWeb
from simweb.verify import SEC_INDICATORS, records_from_jsonl
from simweb.world import build_world
from tests.jsonl_runs import run_to_jsonl

AS_OF = datetime(2024, 10, 1, 10, 0, tzinfo=BEIJING)
HOST = "www.cwxc.gov.cn"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ID_NUMBER = cw.ID_A  # a valid ID number of the planted site (check digit, region, birth date)


def documents(published: bool) -> list[cw.Doc]:
    docs = [
        cw.Doc(
            "/xwdt/a.html",
            "关于假日旅游安全的提示",
            "<p>根据国家旅游局有关通知，做好假日旅游安全工作。</p>",
            plants=[cw.wording("outdated_names/cnta", "国家旅游局")],
        ),
        cw.Doc("/xwdt/b.html", "拟录用人员公示", "<p>名单见附件。</p>"),
        cw.Doc(
            "/xwdt/files/b.docx",
            "名单",
            lambda: files.docx_bytes(["拟录用人员名单", f"张某 {ID_NUMBER}"]),
            DOCX,
            plants=[cw.personal("id_card", ID_NUMBER)],
            linked_from="/xwdt/b.html",
        ),
    ]
    if published:
        docs.append(
            cw.Doc(
                "/xwdt/c.html",
                "新发布的通知",
                "<p>经国家工商行政管理总局批准，开展专项检查。</p>",
                plants=[cw.wording("outdated_names/saic", "国家工商行政管理总局")],
            )
        )
    return docs


def site(published: bool) -> cw.PlantedSite:
    return cw.PlantedSite(
        HOST, "CW03", "示范镇政务公开网", "示范镇人民政府", "江苏省示范镇", lambda: documents(published)
    )


@pytest.fixture(scope="module")
def patrols(tmp_path_factory: pytest.TempPathFactory, es_url: str) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("content-patrol")
    world = build_world(AS_OF)
    world.routes[HOST] = cw.site_routes(AS_OF.date().isoformat(), site(published=False))
    web = SimulatedWeb(world).start()
    prefix = f"govpatrol-it-cwp-{uuid.uuid4().hex[:8]}"
    try:
        targets = tmp / "targets.csv"
        with targets.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(
                ["id", "kind", "name", "owner", "region", "url", "platform", "account_id", "site_code"]
            )
            writer.writerow(
                [
                    "CW03",
                    "site",
                    "示范镇政务公开网",
                    "示范镇人民政府",
                    "江苏省示范镇",
                    web.url(HOST, "/"),
                    "",
                    "",
                    "",
                ]
            )
        config = web.write_config(tmp / "config.toml", es_url=es_url, index_prefix=prefix)
        store = Store(load_config(config).elasticsearch)
        runs = {}
        for name in ("first", "again", "published"):
            if name == "published":
                for path, route in cw.site_routes(AS_OF.date().isoformat(), site(published=True)).items():
                    web.world.set_route(HOST, path, route)
            out = tmp / f"{name}.jsonl"
            args = ["-m", "govpatrol", "sweep", "--kind", "patrol", "--targets", str(targets)]
            args += ["--as-of", AS_OF.isoformat(), "--output", str(out), "--config", str(config), "--quiet"]
            run = run_to_jsonl(args, out, 300)
            findings, _, sweeps = records_from_jsonl(run.records)
            store.refresh()
            texts = store.observations_of_sweep(sweeps[0]["id"], ("text",))
            runs[name] = {
                "read": sorted(t["url"].split(HOST, 1)[1].split("/", 1)[1] for t in texts),
                "findings": findings,
            }
        yield runs
        store.delete_indices()
    finally:
        web.stop()


def raised(findings: list[Any]) -> list[tuple[str, str]]:
    return sorted(
        (f.indicator, f.subject_url.rsplit("/", 1)[1])
        for f in findings
        if f.indicator in SEC_INDICATORS and f.status == "pending_review"
    )


def test_a_first_patrol_reads_every_page_linked_from_the_homepage_and_their_files(
    patrols: dict[str, Any],
) -> None:
    first = patrols["first"]
    assert first["read"] == ["", "xwdt/a.html", "xwdt/b.html", "xwdt/files/b.docx"]
    assert raised(first["findings"]) == [("SITE-SEC-PRIVACY", "b.docx"), ("SITE-SEC-WORDING", "a.html")]


def test_the_next_patrol_reads_nothing_it_read_before(patrols: dict[str, Any]) -> None:
    assert patrols["again"]["read"] == []
    assert raised(patrols["again"]["findings"]) == []


def test_a_newly_published_page_is_read_with_the_changed_homepage_and_nothing_else(
    patrols: dict[str, Any],
) -> None:
    published = patrols["published"]
    assert published["read"] == ["", "xwdt/c.html"]
    assert raised(published["findings"]) == [("SITE-SEC-WORDING", "c.html")]
