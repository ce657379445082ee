"""`audit`, `report` and `linkratio.load` read X archives and v2 files the fast way.

They keep only the frame, so the posts may be the lean reader's Structs: the same frame,
and about twice as fast on 200,000 archive posts as the general reader they used before.
Anything unusual is still read the general way, warnings and all.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest
from archives import account_js, write_folder, ytd
from helpers import SAMPLE, generated_archive, one_error, run_cli
from test_lean_archive import TRICKY

import linkratio
import linkratio.sources.x_archive.tweets as general_reader
from linkratio.frame import to_frame
from linkratio.sources import read


def _general_frame(path: Path, **reading: bool) -> pd.DataFrame:
    return to_frame(read(path, **reading).posts)


def _same(frame: pd.DataFrame, expected: pd.DataFrame) -> None:
    frame = frame.copy()
    frame.attrs = {}
    pd.testing.assert_frame_equal(frame, expected)


@pytest.mark.parametrize("make", ["sample", "generated", "tricky"])
def test_load_reads_an_archive_the_fast_way_into_the_same_frame(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: str
) -> None:
    if make == "sample":
        path = SAMPLE
    elif make == "generated":
        path = generated_archive(tmp_path, 3000, seed=24)
    else:
        tweets = {"data/tweets.js": ytd("tweets", TRICKY), "data/account.js": account_js()}
        path = write_folder(tmp_path, tweets)
    expected = _general_frame(path)
    with monkeypatch.context() as mp:
        mp.setattr(general_reader, "read_tweets", _refuse)
        frame = linkratio.load(path)
    _same(frame, expected)


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("the general archive reader was used")


def test_audit_of_an_archive_does_not_use_the_general_reader(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = len(_general_frame(SAMPLE))
    monkeypatch.setattr(general_reader, "read_tweets", _refuse)
    code, out, err = run_cli(["audit", str(SAMPLE), "--json", "--tz", "UTC"], capsys)
    assert code == 0, err
    assert json.loads(out)["posts"] == expected


def test_a_malformed_record_is_still_skipped_the_general_way_with_its_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = {"tweet": {"id_str": "77", "created_at": "not a date", "full_text": "hi"}}
    files = {"data/tweets.js": ytd("tweets", [*TRICKY, broken]), "data/account.js": account_js()}
    write_folder(tmp_path, files)
    expected = _general_frame(tmp_path, skip_invalid=True)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        frame = linkratio.load(tmp_path, skip_invalid=True)
    _same(frame, expected)
    assert any("77" in r.getMessage() or "date" in r.getMessage() for r in caplog.records)
    assert "77" not in set(frame["id"])


V2 = Path(__file__).parent / "fixtures" / "x_v2"


READABLE = sorted(p.name for p in V2.glob("*.jsonl") if "with_error" not in p.name)
"""The v2 fixtures that are read whole (streaming_output_with_error.jsonl is refused)."""


@pytest.mark.parametrize("name", READABLE)
def test_load_reads_a_v2_file_the_fast_way_into_the_same_frame(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import linkratio.sources.x_json_lean as lean_v2

    path = V2 / name  # one the fast reader hands over is still read, the general way
    expected = _general_frame(path)
    used: list[Path] = []
    fast = lean_v2.read_v2_lean
    monkeypatch.setattr(
        lean_v2, "read_v2_lean", lambda p, progress=None: used.append(p) or fast(p, progress)
    )
    _same(linkratio.load(path), expected)
    assert used == [path]


@pytest.mark.parametrize("command", ["classify", "audit"])
@pytest.mark.parametrize(("name", "forced"), [("page.json", "x-v2"), ("tweets.js", "x-archive")])
def test_the_fast_readers_refuse_a_huge_file_of_nothing_from_its_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, name: str, forced: str
) -> None:
    """The fast v2 reader read a whole file before looking at its head (3 GiB here), the
    fast archive reader its first 8 MB block."""
    from test_hostile_files import MIB, peak_memory

    path = tmp_path / name
    with path.open("wb") as fh:
        fh.truncate(3 * 1024**3)  # sparse NUL bytes
    with peak_memory() as peak:
        code, _, err = run_cli([command, str(path), "--input-format", forced], capsys)
    assert code == 2 and str(path) in one_error(err)
    assert peak[0] < 2 * MIB
