"""Shared test helpers: the corpus, the sample, a library and the fake social servers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_social import FakeSocial

from linkratio.frame import Library

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
SAMPLE = ROOT / "data" / "sample"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def corpus() -> Path:
    """The shared corpus of real API data; skips the test when it is not beside the checkout."""
    if not CORPUS.is_dir():
        pytest.skip(f"../shared/corpus not present at {CORPUS}: real-data tests need it")
    return CORPUS


@pytest.fixture
def sample() -> Path:
    """The bundled sample archive."""
    return SAMPLE


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    """A new library file in the test's own folder."""
    with Library(tmp_path / "lib.sqlite") as library:
        yield library


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSocial]:
    """A fake Bluesky AppView and Mastodon instance on 127.0.0.1, with linkratio pointed at it."""
    with FakeSocial() as server:
        monkeypatch.setenv("LINKRATIO_BSKY_API_URL", server.url)
        monkeypatch.setenv("LINKRATIO_MASTODON_SCHEME", "http")
        monkeypatch.delenv("LINKRATIO_MASTODON_TOKEN", raising=False)
        monkeypatch.delenv("LINKRATIO_MASTODON_INSTANCE", raising=False)
        monkeypatch.setenv("LINKRATIO_CONFIG", "/nonexistent/linkratio-test-config.toml")
        yield server


@pytest.fixture
def memory_library() -> Iterator[Library]:
    """A new private in-memory library (`:memory:`): for store tests that need no file."""
    with Library(":memory:") as library:
        yield library
