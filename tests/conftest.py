"""Shared fixtures: the real local Elasticsearch (started by the project's own services module)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from crawlers import redact
from crawlers.config import ElasticsearchConfig
from govpatrol.services import ensure_elasticsearch, status
from pipelines.store import Store


@pytest.fixture(scope="session")
def es_url() -> str:
    """URL of the local node; a missing or broken Elasticsearch fails the test, never skips it.

    The node is left running for the next session (``govpatrol services stop`` ends it).
    """
    already = bool(status().get("elasticsearch", {}).get("running"))
    start = time.monotonic()
    url = ensure_elasticsearch()
    how = "already running" if already else "started"
    MEASUREMENTS["elasticsearch"] = f"{how}, ready in {time.monotonic() - start:.1f} s at {url}"
    return url


# Figures the closing notes quote (Elasticsearch start-up, sweep time and requests), printed at the
# end of every run so CI's log carries them. Tests add lines with the `measurements` fixture.
MEASUREMENTS: dict[str, str] = {}


@pytest.fixture(scope="session")
def measurements() -> dict[str, str]:
    return MEASUREMENTS


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if MEASUREMENTS:
        terminalreporter.section("govpatrol measurements")
        for key, value in MEASUREMENTS.items():
            terminalreporter.write_line(f"{key}: {value}")


@pytest.fixture
def store(es_url: str) -> Iterator[Store]:
    """A Store with its own index prefix, created from the mapping files and deleted afterwards."""
    s = Store(ElasticsearchConfig(url=es_url, index_prefix=f"govpatrol-test-{uuid.uuid4().hex[:8]}"))
    s.ensure_indices()
    yield s
    s.delete_indices()


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """Secrets are masked process-wide once a config is read (a CLI process reads one); each test
    starts as a fresh command would, not with the secrets of every config read before it."""
    yield
    redact.forget()


@pytest.fixture(autouse=True, scope="module")
def _close_shared_browser() -> Iterator[None]:
    """Playwright's sync API keeps an event loop running while its browser is open; close it after
    each module so later tests (which run their own asyncio loops) start from a clean thread."""
    yield
    import sys

    browser = sys.modules.get("tests.platform_browser")
    if browser is not None:
        browser.close_browser()
