"""One probe on the wire and in the rule: what it sends to a mapped address, and the 15-second
rule judged from the time it recorded (the roll-up in the real Elasticsearch)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from crawlers.config import Config
from crawlers.models import PageObservation, Target
from govpatrol.probe import record_probes, rollup_unreachable
from pipelines.rules.base import Rules
from spiders.probe import probe_sites_async

START = datetime.fromisoformat("2024-09-30T06:00:00+08:00")


def test_probe_connects_to_the_mapped_address_with_the_real_host_and_user_agent():
    """A stand-in server on loopback sees the government hostname in Host and the configured UA."""
    seen: list[bytes] = []

    async def scenario() -> list:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        config = Config()
        config.network.resolve = {"*.example.gov.cn": "127.0.0.1"}
        config.network.offline = True
        config.network.allow_hosts = [f"www.example.gov.cn:{port}"]  # the guard: the stand-in is on loopback
        config.network.user_agent = "govpatrol-test/1"
        target = Target(
            "T1", "site", "某站", "某单位", "某地", f"http://www.example.gov.cn:{port}/index.html"
        )
        async with server:
            return await probe_sites_async([target], START, config)

    (obs,) = asyncio.run(scenario())
    assert (obs.status, obs.error) == (200, None)
    request = seen[0].decode("latin-1")
    assert request.startswith("GET /index.html HTTP/1.1\r\n")
    assert "\r\nHost: www.example.gov.cn:" in request
    assert "\r\nUser-Agent: govpatrol-test/1\r\n" in request


def test_the_15_second_rule_is_judged_from_the_recorded_time(store, tmp_path):
    """A probe that loaded, but after 16 s, failed the national rule: the roll-up counts it, as an
    office's own ``probe_timeout_s`` would not. A full window (7 days x 20 probes), one in 20 slow:
    5%, the veto line."""
    site = Target(id="S900", kind="site", name="某某市人民政府", owner="", region="", url="http://a.gov.cn/")
    rounds = [START + timedelta(minutes=72 * k) for k in range(7 * 20)]
    probes = [
        PageObservation(
            target_id=site.id,
            url=site.url,
            role="probe",
            fetched_at=at,
            status=200,
            elapsed_ms=16_000.0 if n % 20 == 7 else 300.0,
            final_url=site.url,
        )
        for n, at in enumerate(rounds)
    ]
    record_probes(probes, store)
    store.refresh()
    (hit,) = rollup_unreachable(store, [site], START + timedelta(days=7), Rules.load())
    assert (hit.level, hit.status, hit.evidence["probes_failed"], hit.evidence["failures_by_class"]) == (
        "violation",
        "open",
        7,
        {"slow": 7},
    )
    patient = tmp_path / "patient.toml"
    patient.write_text('["SITE-VETO-UNREACHABLE"]\nprobe_timeout_s = 20\n', encoding="utf-8")
    assert rollup_unreachable(store, [site], START + timedelta(days=7), Rules.load(patient)) == []
