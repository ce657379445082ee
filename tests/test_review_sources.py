"""Defects found by the review of the file readers, each pinned by a test that failed first."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT

from linkratio.sources import detect_format, read

FIXTURES = ROOT / "tests" / "fixtures"
BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("x_v2/two_tweets.jsonl", "x-v2"),
        ("x_v2/search_tweets_query.json", "x-v2"),
        ("bluesky/getAuthorFeed.json", "bluesky"),
        ("mastodon/get_account_statuses_limit.1.body.json", "mastodon"),
    ],
)
def test_a_json_file_with_a_byte_order_mark_is_detected_as_without_one(
    tmp_path: Path, fixture: str, expected: str
) -> None:
    # Every JSON reader skips a leading UTF-8 BOM; detecting the format must too, or a
    # file saved by a Windows tool is "unknown format" unless --input-format names it.
    plain = (FIXTURES / fixture).read_bytes()
    path = tmp_path / Path(fixture).name
    path.write_bytes(BOM + plain)
    assert detect_format(path) == expected
    named = read(path, input_format=expected)
    assert read(path).posts == named.posts and named.posts
