"""Shared fixtures: the real local Elasticsearch (started by the project's own services module)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from crawlers.config import ElasticsearchConfig
from crawlers.services import ensure_elasticsearch
from crawlers.store import Store


@pytest.fixture(scope="session")
def es_url() -> str:
    """URL of the local node; a missing or broken Elasticsearch fails the test, never skips it.

    The node is left running for the next session (``govpatrol services stop`` ends it).
    """
    return ensure_elasticsearch()


@pytest.fixture
def store(es_url: str) -> Iterator[Store]:
    """A Store with its own index prefix, created from the mapping files and deleted afterwards."""
    s = Store(ElasticsearchConfig(url=es_url, index_prefix=f"govpatrol-test-{uuid.uuid4().hex[:8]}"))
    s.ensure_indices()
    yield s
    s.delete_indices()
