"""Shared test helpers: where the shared corpus and the bundled sample live."""

from __future__ import annotations

from pathlib import Path

import pytest

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
