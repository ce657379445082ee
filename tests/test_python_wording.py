"""A Python caller is told the keyword to pass, not a command-line option it has no use for."""

from __future__ import annotations

from pathlib import Path

import pytest

import linkratio
from linkratio.errors import InputError

FEED = Path(__file__).parent / "fixtures" / "bluesky" / "getAuthorFeed.json"


def test_load_of_a_feed_read_as_x_names_the_keyword() -> None:
    """The reader's hint said `--input-format bluesky` to a notebook; the CLI keeps it."""
    with pytest.raises(InputError) as caught:
        linkratio.load(FEED, input_format="x-v2")
    said = str(caught.value)
    assert "Bluesky feed" in said and "input_format='bluesky'" in said
    assert "--input-format" not in said and str(FEED) in said
    # The keyword it names works.
    assert len(linkratio.load(FEED, input_format="bluesky")) > 0


def test_an_unnamed_system_zone_names_both_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A POSIX TZ is refused for a written-down zone with the option and the keyword."""
    from linkratio.analysis.period import named_zone

    monkeypatch.setenv("TZ", "CET-1CEST")
    with pytest.raises(InputError) as caught:
        named_zone(None)
    said = str(caught.value)
    assert "CET-1CEST" in said and "--tz" in said and "tz= in Python" in said
