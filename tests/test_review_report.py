"""Review of reports and the notebook/library API: each test failed on the code before its fix."""

from __future__ import annotations

import json
from datetime import date

import pytest
import rows

from linkratio import summarize
from linkratio.errors import InputError
from linkratio.render.report import write_report


def _frame(days: int = 20, start: str = "2024-05"):
    """A small account: one conversation and one link post a day for `days` days."""
    made = []
    for d in range(1, days + 1):
        made.append(rows.post(f"{start}-{d:02d} 09:00", "conversation", partners=("ana",)))
        made.append(rows.post(f"{start}-{d:02d} 18:00", "link", domains=("example.org",)))
    return rows.frame(*made)


# -- since/until as text, as `load` takes them ------------------------------------------


def test_summarize_and_write_report_take_since_and_until_as_iso_days(tmp_path):
    # README: load(..., since="2024-10-01") and summarize(df, since=...) alike; summarize
    # ended in a TypeError deep in the streak code for a string.
    df = _frame()
    s = summarize(df, tz="UTC", since="2024-05-03", until="2024-05-05")
    assert (s.period_start, s.period_end, s.posts) == (date(2024, 5, 3), date(2024, 5, 5), 6)
    assert summarize(df, tz="UTC", since="2024-05-18").posts == 6
    files = write_report(df, tmp_path / "r", tz="UTC", since="2024-05-03", until="2024-05-05")
    assert json.loads(files.summary_json.read_text(encoding="utf-8"))["posts"] == 6


@pytest.mark.parametrize("bad", ["garbage", "2024-13-01", 2024])
def test_summarize_names_a_since_that_is_not_a_day(bad):
    with pytest.raises(InputError, match="is not a day: expected YYYY-MM-DD"):
        summarize(_frame(), tz="UTC", since=bad)
