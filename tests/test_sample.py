"""The bundled sample: reproducible from its generator, big and varied enough to mean something."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import ROOT, SAMPLE

import linkratio
from linkratio.model import Kind


def test_generator_reproduces_the_committed_sample(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "data" / "make_sample.py"), str(tmp_path / "s")],
        check=True,
        capture_output=True,
    )
    for name in ("account.js", "tweets.js", "note-tweet.js"):
        made = (tmp_path / "s" / "data" / name).read_bytes()
        assert made == (SAMPLE / "data" / name).read_bytes(), name


def test_sample_size_span_cases_and_shift() -> None:
    df = linkratio.load(SAMPLE)
    assert len(df) >= 2000
    first, last = df["created_at"].min(), df["created_at"].max()
    assert (last - first).days >= 18 * 30
    assert set(df["kind"]) == {kind.value for kind in Kind}  # every taxonomy case
    early = df[df["created_at"] < first + (last - first) / 4]
    late = df[df["created_at"] > last - (last - first) / 4]
    linking = ("link", "retweet")
    assert early["category"].isin(linking).mean() > 0.5 > late["category"].isin(linking).mean()
    assert late["category"].eq("conversation").mean() > early["category"].eq("conversation").mean()
    assert df.attrs["account"] == "marenbuilds"
