"""Review of the Python API as a notebook user drives it: each test failed before its fix."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import rows
from helpers import SAMPLE

import linkratio
from linkratio.charts import activity_chart, calendar_chart
from linkratio.errors import InputError

TOKYO = "Asia/Tokyo"  # UTC+9 all year: 21:00 UTC is the next day there


def _late_posts() -> pd.DataFrame:
    """Two posts at 21:30 UTC: in Tokyo they are on the next day (May 2 and May 6)."""
    return rows.frame(
        rows.post("2024-05-01 21:30", "conversation", partners=("ana",)),
        rows.post("2024-05-05 21:30", "link", domains=("example.org",)),
    )


# -- an aware datetime names an instant: its day is the day in `tz` -----------------------


def test_summarize_until_the_last_posts_own_timestamp_keeps_that_post() -> None:
    # `summarize(df, tz=..., until=df.created_at.max())` took the UTC date of the (aware)
    # timestamp as the day: in Tokyo the last post is on May 6, so it fell out of its own
    # period (12 of the sample's posts, for Asia/Tokyo).
    df = _late_posts()
    last = df["created_at"].max()
    s = linkratio.summarize(df, tz=TOKYO, until=last)
    assert (s.posts, s.last_day, s.period_end) == (2, date(2024, 5, 6), date(2024, 5, 6))
    first = df["created_at"].min().to_pydatetime()
    s = linkratio.summarize(df, tz=TOKYO, since=first, until=first)
    assert (s.posts, s.period_start) == (1, date(2024, 5, 2))


def test_an_aware_datetime_in_another_zone_is_its_day_in_tz() -> None:
    df = _late_posts()
    # 2024-05-06 06:30 in Tokyo, written in UTC (May 5) and in Tokyo's own zone alike
    in_utc = datetime(2024, 5, 5, 21, 30, tzinfo=UTC)
    in_tokyo = pd.Timestamp(in_utc).tz_convert(TOKYO)
    for moment in (in_utc, in_tokyo):
        s = linkratio.summarize(df, tz=TOKYO, since=moment)
        assert (s.posts, s.period_start) == (1, date(2024, 5, 6))
    # a naive datetime is a wall-clock time already: its date, as before
    assert linkratio.summarize(df, tz=TOKYO, since=datetime(2024, 5, 6, 1)).posts == 1


def test_load_takes_an_aware_until_as_its_day_in_tz() -> None:
    whole = linkratio.load(SAMPLE)
    cut = linkratio.load(SAMPLE, tz=TOKYO, until=whole["created_at"].max())
    assert len(cut) == len(whole)
    s = linkratio.summarize(whole, tz=TOKYO, until=whole["created_at"].max())
    assert s.posts == len(whole)


def test_the_charts_mark_the_period_of_an_aware_datetime_in_tz() -> None:
    df = _late_posts()
    since = datetime(2024, 5, 1, 21, 30, tzinfo=UTC)  # May 2 in Tokyo: the first post's day
    by_day = calendar_chart(df, TOKYO, since=date(2024, 5, 2), until=date(2024, 5, 6))
    by_moment = calendar_chart(df, TOKYO, since=since, until=df["created_at"].max())
    faces = [fig.axes[0].collections[0].get_facecolors().tolist() for fig in (by_day, by_moment)]
    assert faces[0] == faces[1]
    # the activity chart: no bin is partial when the period is the data's own first..last day
    bars = activity_chart(df, TOKYO, since=since, until=df["created_at"].max())
    assert not [p for p in bars.axes[0].patches if p.get_linestyle() == "--"]


# -- results objects read well in a notebook ---------------------------------------------


def test_a_weekly_runs_repr_does_not_spill_the_charts_png_bytes(tmp_path: Path) -> None:
    # `run` as a cell's last line printed the weekly chart's PNG as a bytes literal
    # (about 60,000 characters of b'\x89PNG...').
    timeline = linkratio.read(SAMPLE)
    with linkratio.Library(tmp_path / "library.sqlite") as lib:
        lib.save_posts(timeline.account, timeline.posts, origin="archive")
        run = linkratio.run_week(
            lib, "@marenbuilds", tz="Europe/Lisbon", week="2024-W50", out_dir=tmp_path / "w"
        )
    text = repr(run)
    assert "PNG" not in text and len(text) < 2_000
    assert "linkratio-2024-W50.html" in text  # the paths are still shown
    assert run.files.png.startswith(b"\x89PNG")  # and the bytes are still there


# -- a zone object instead of its name ---------------------------------------------------


def test_a_zone_object_as_tz_is_an_input_error_that_names_its_iana_name() -> None:
    # tz=ZoneInfo("Europe/Berlin") ended in "TypeError: expected str, bytes or os.PathLike
    # object, not ZoneInfo" from inside zoneinfo, naming neither tz nor what to pass.
    df = _late_posts()
    with pytest.raises(InputError, match=r"IANA name as text such as 'Europe/Berlin'"):
        linkratio.summarize(df, tz=ZoneInfo("Europe/Berlin"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"IANA name as text, such as 'Europe/Berlin'"):
        activity_chart(df, tz=UTC)  # type: ignore[arg-type]


# -- the activity chart's partial bins are the weekly table's ------------------------------


def _dashed(fig) -> int:
    """How many bins the activity chart outlines as partial (dashed boxes)."""
    return sum(1 for p in fig.axes[0].patches if p.get_linestyle() == "--")


def test_a_period_that_ends_after_the_last_post_marks_its_last_week_partial() -> None:
    # `report --until 2025-06-30` of an account whose last post is on a Tuesday: the weekly
    # table said "2025-W01 (2 of 7 days)", the chart drew that week as a whole one (its two
    # days of posts read as a dip). The README: the period *and* the data's first and last post.
    # a post a day from Monday 2024-09-02 to Tuesday 2024-12-31: 18 weeks, weekly bins
    days = pd.date_range("2024-09-02 10:00", "2024-12-31 10:00", freq="D")
    df = rows.frame(*[rows.post(str(day), "conversation") for day in days])
    s = linkratio.summarize(df, tz="UTC", until="2025-06-30")
    assert s.weeks[-1].name == "2025-W01 (2 of 7 days)"
    assert _dashed(activity_chart(df, "UTC")) == 1  # the data alone: the last week
    assert _dashed(activity_chart(df, "UTC", until="2025-06-30")) == 1
    assert _dashed(activity_chart(df, "UTC", since="2024-01-01", until="2025-06-30")) == 1
    assert _dashed(activity_chart(df, "UTC", since="2024-09-04")) == 2  # a period inside


def test_a_timelines_repr_counts_its_posts_instead_of_listing_them() -> None:
    # `linkratio.read(path)` as a cell's last line printed every post: 1.4 MB of text for
    # the sample's 2,390 posts, about 100 MB for an archive of 200,000 (a browser tab's end).
    timeline = linkratio.read(SAMPLE)
    text = repr(timeline)
    assert len(text) < 500, text[:600]
    assert "2,390 posts" in text and "marenbuilds" in text and str(SAMPLE) in text
    assert len(timeline.posts) == 2_390  # the posts themselves are all there


# -- the charts that take a period draw only that period ----------------------------------


def _two_months() -> pd.DataFrame:
    """Talk-only days in April, link days in May 2024 (a post a day at noon UTC)."""
    made = [
        rows.post(f"2024-04-{d:02d} 12:00", "conversation", partners=("ana",)) for d in range(1, 31)
    ]
    made += [rows.post(f"2024-05-{d:02d} 12:00", "link", domains=("a.org",)) for d in range(1, 32)]
    return rows.frame(*made)


def _outlines(fig) -> int:
    """How many talk-only outlines the calendar draws."""
    return len(fig.axes[0].collections[1].get_paths())


def test_charts_given_a_period_of_a_whole_frame_draw_that_period_as_summarize_counts_it() -> None:
    # As summarize(df, since=...) does, a notebook passes the whole frame and the period:
    # the calendar blanked the days before `since` yet outlined April's 30 talk-only days
    # on them and counted them in its subtitle; the activity chart drew every bin before
    # `since` as a "partial" one (76 dashed weeks for the sample and since=2024-10-01).
    df = _two_months()
    cut = df[df["created_at"] >= "2024-05-01"]
    s = linkratio.summarize(df, tz="UTC", since="2024-05-01")
    assert s.talk_only.count == 0
    whole = calendar_chart(df, "UTC", since="2024-05-01")
    assert _outlines(whole) == _outlines(calendar_chart(cut, "UTC", since="2024-05-01")) == 0
    assert whole.axes[0].get_title().startswith("0 talk-only of 31 posting days")
    # the activity chart: May alone, in daily bins, none of them partial
    bars = activity_chart(df, "UTC", since="2024-05-01")
    assert _dashed(bars) == 0
    assert bars.axes[0].get_xlabel().startswith("day")
    figures = linkratio.all_charts(df, "UTC", since="2024-05-01")
    partners = figures["partners"].axes[0]
    assert [t.get_text() for t in partners.texts] == ["no conversation partners in this period"]
