"""`classify` of an X archive folder pays for no code it does not run (issue 13): zipfile is
loaded for the first zip only, and the Bluesky and fediverse post patterns are compiled on
their first use; zips, damaged zips and those patterns answer as before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from archives import account_js, write_folder, write_zip, ytd
from test_x_archive import tweet

from linkratio import links
from linkratio.errors import InputFormatError
from linkratio.links import post_ref
from linkratio.sources import detect_format
from linkratio.sources.x_archive.files import looks_like_archive, open_layout, zip_entries

_PROBE = (
    "import atexit, sys\n"
    "def said():\n"
    "    from linkratio.links import _case_blind\n"
    "    compiled = _case_blind.cache_info().currsize\n"
    "    sys.stderr.write(f'\\nCOMPILED {compiled} LOADED ' + ' '.join(sys.modules))\n"
    "atexit.register(said)\n"
    "from linkratio.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)
"""Runs `linkratio ARGV`; at exit says how many fediverse patterns were compiled and which
modules were loaded."""


def _run(*argv: str) -> tuple[bytes, int, set[str]]:
    """stdout of `linkratio ARGV` in a new process, the patterns it compiled, its modules."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, timeout=120, check=True
    )
    said = done.stderr.decode().rpartition("\nCOMPILED ")[2].split()
    assert said[1] == "LOADED"
    return done.stdout, int(said[0]), set(said[2:])


def _files() -> dict[str, bytes]:
    link = (("https://t.co/x", "https://example.org/a"),)
    quote = (("https://t.co/q", "https://x.com/other/status/5"),)
    posts = [tweet(str(n), f"post {n} https://t.co/x", urls=link) for n in range(1, 30)]
    posts.append(tweet("40", "look https://t.co/q", urls=quote))
    posts.append(tweet("41", "a question?"))
    return {"data/tweets.js": ytd("tweets", posts), "data/account.js": account_js()}


def test_classify_of_a_folder_loads_no_zipfile_and_compiles_no_fediverse_pattern(
    tmp_path: Path,
) -> None:
    folder = write_folder(tmp_path / "archive", _files())
    out, compiled, loaded = _run("classify", str(folder), "--output", "jsonl", "--quiet")
    assert out.count(b"\n") == 31
    assert "linkratio.verdicts" in loaded  # the fast way, and the probe sees what loads
    assert "zipfile" not in loaded
    assert compiled == 0


def test_the_same_archive_zipped_loads_zipfile_and_lists_the_same_lines(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "archive", _files())
    zipped = write_zip(tmp_path / "archive.zip", _files())
    for output in ("jsonl", "csv", "table"):
        from_folder = _run("classify", str(folder), "--output", output, "--quiet")[0]
        from_zip, _, loaded = _run("classify", str(zipped), "--output", output, "--quiet")
        assert from_zip == from_folder
        assert "zipfile" in loaded


def test_damaged_zips_are_refused_as_before(tmp_path: Path) -> None:
    """The zip errors are named when a zip is first met: a damaged one is still refused in
    one message, and no X archive."""
    good = write_zip(tmp_path / "good.zip", _files())
    damaged = tmp_path / "damaged.zip"
    data = good.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])
    assert looks_like_archive(good) and not looks_like_archive(damaged)
    assert zip_entries(damaged) is None
    named = tmp_path / "named.zip"
    named.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputFormatError, match="not a readable zip file"), open_layout(named):
        pass
    assert detect_format(good) == "x-archive"


@pytest.mark.parametrize(
    ("url", "platform", "post_id"),
    [
        ("HTTPS://BSKY.APP/profile/a.bsky.social/post/3k2", "bluesky", "3k2"),
        ("https://Mastodon.Social/@ann/109", "mastodon", "109"),
        ("https://GTS.example/@ann/statuses/01ARZ3NDEKTSV4RRFFQ69G5FAV", "mastodon", None),
        ("https://www.Threads.net/@ann/post/C1x", "mastodon", None),
    ],
)
def test_the_patterns_compiled_on_first_use_are_case_blind(
    url: str, platform: str, post_id: str | None
) -> None:
    ref = post_ref(url, platform)
    assert ref is not None
    if post_id is not None:
        assert ref.post_id.endswith(post_id)
    assert links._case_blind.cache_info().currsize >= 1
