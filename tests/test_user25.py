"""A careful new user's session (user25): what a first hour with linkratio met, each fixed."""

from __future__ import annotations

from pathlib import Path

import pytest
from archives import account_js, write_zip, ytd
from helpers import one_error, run_cli

_TWEET = {
    "tweet": {
        "id_str": "1",
        "id": "1",
        "created_at": "Mon May 13 09:12:44 +0000 2024",
        "full_text": "hello there",
        "entities": {"urls": [], "user_mentions": [], "hashtags": []},
    }
}


def _cut_zip(tmp_path: Path, name: str) -> Path:
    """A whole archive zip, then the same bytes cut short, as a stopped download leaves it."""
    whole = write_zip(
        tmp_path / "whole.zip",
        {"data/tweets.js": ytd("tweets", [_TWEET] * 200), "data/account.js": account_js()},
    )
    cut = tmp_path / name
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    return cut


@pytest.mark.parametrize("name", ["twitter-2024.zip", "twitter-2024"])
@pytest.mark.parametrize("command", ["audit", "import", "classify"])
def test_a_zip_cut_short_is_a_damaged_zip_not_an_unknown_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, command: str
) -> None:
    """An archive download that stopped half-way lost the zip's directory (at its end): it
    was refused as 'unknown format: expected an X archive (.zip, ...)', which names the
    very thing the user gave; with --input-format x-archive it said 'not a readable zip
    file (File is not a zip file)'."""
    cut = _cut_zip(tmp_path, name)
    db = ["--db", str(tmp_path / "lib.sqlite")] if command == "import" else []
    argv = [command, str(cut), *db]
    code, _, err = run_cli(argv, capsys)
    line = one_error(err)
    assert code == 2
    assert f"{cut}: not a readable zip file: damaged or cut short" in line, line
    assert "unknown format" not in line and "File is not a zip file" not in line, line


def test_a_cut_zip_named_by_input_format_says_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = _cut_zip(tmp_path, "archive.zip")
    code, _, err = run_cli(["audit", str(cut), "--input-format", "x-archive"], capsys)
    assert code == 2 and "damaged or cut short" in one_error(err)
