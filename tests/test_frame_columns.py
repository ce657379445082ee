"""A frame of only some columns (`Library.frame(columns=...)`) and summaries of shared lists."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from helpers import SAMPLE

from linkratio.analysis import SUMMARY_COLUMNS, summarize
from linkratio.frame import COLUMNS, Library, to_frame
from linkratio.sources import read

NOW = datetime(2025, 1, 6, 12, tzinfo=UTC)


def test_a_frame_of_some_columns_is_those_columns_of_the_whole_frame(tmp_path: Path) -> None:
    timeline = read(SAMPLE)
    account_id = timeline.account.id or ""
    with Library(tmp_path / "lib.sqlite") as library:
        for start in range(0, len(timeline.posts), 900):  # several segments
            library.save_posts(
                timeline.account, timeline.posts[start : start + 900], origin="archive"
            )
        some = library.frame("x", account_id, columns=SUMMARY_COLUMNS)
        whole = library.frame("x", account_id)
        assert list(whole.columns) == list(COLUMNS)
        assert list(some.columns) == [c for c in COLUMNS if c in SUMMARY_COLUMNS]
        pd.testing.assert_frame_equal(some, whole[list(some.columns)])
        assert some.attrs == whole.attrs
        with pytest.raises(ValueError, match="no frame column"):
            library.frame("x", account_id, columns=["nope"])


def test_a_summary_of_shared_lists_equals_one_of_separate_lists() -> None:
    # A library frame gives equal list cells one shared object; to_frame gives each row its own.
    separate = to_frame(read(SAMPLE).posts)
    shared = separate.copy()
    for name in ("urls", "domains", "partners"):
        seen: dict[tuple[str, ...], list[str]] = {}
        shared[name] = [seen.setdefault(tuple(cell), cell) for cell in separate[name]]
    assert shared["domains"].map(id).nunique() < separate["domains"].map(id).nunique()
    expected = summarize(separate, tz="UTC", now=NOW)
    assert summarize(shared, tz="UTC", now=NOW) == expected
    assert expected.top_sites and expected.partners and expected.links
