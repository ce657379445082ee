from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from rows import frame, post

from linkratio.analysis import summarize
from linkratio.analysis.series import (
    activity_bins,
    bin_freq,
    calendar_days,
    calendar_window,
    fading_ties,
    hour_grid,
    hour_posts,
    top_partners,
    top_sites,
)
from linkratio.errors import InputError


def talk(when, **kw):
    return post(when if " " in when else f"{when} 12:00", "conversation", **kw)


def link(when, **kw):
    return post(when if " " in when else f"{when} 12:00", "link", **kw)


def rt(when):
    return post(when if " " in when else f"{when} 12:00", "retweet")


def other(when):
    return post(when if " " in when else f"{when} 12:00", "other")


def same(a, b):
    """Equal floats, NaN equal to NaN."""
    if len(a) != len(b):
        return False
    pairs = zip(a, b, strict=True)
    return all((math.isnan(x) and math.isnan(y)) or x == pytest.approx(y) for x, y in pairs)


# --- activity bins -----------------------------------------------------------------------


def test_daily_bins_count_each_category_and_fill_empty_days():
    df = frame(
        talk("2024-03-04"),
        talk("2024-03-04"),
        link("2024-03-04"),
        rt("2024-03-06"),
        other("2024-03-07"),
    )
    bins = activity_bins(df, tz="UTC")
    assert bins.attrs["freq"] == "D"
    assert list(bins.index) == list(pd.date_range("2024-03-04", "2024-03-07"))
    assert list(bins.columns) == [
        "conversation",
        "link",
        "retweet",
        "other",
        "talk_share",
        "talk_share_rolling",
    ]
    assert bins["conversation"].tolist() == [2, 0, 0, 0]
    assert bins["link"].tolist() == [1, 0, 0, 0]
    assert bins["retweet"].tolist() == [0, 0, 1, 0]
    assert bins["other"].tolist() == [0, 0, 0, 1]
    assert same(bins["talk_share"].tolist(), [2 / 3, math.nan, 0, 0])
    # The 4-day share pools posts: 2 of 3, a gap on the empty day, 2 of 4, 2 of 5.
    assert same(bins["talk_share_rolling"].tolist(), [2 / 3, math.nan, 2 / 4, 2 / 5])


def test_weekly_bins_start_on_monday_in_the_local_zone():
    # 80 days: weekly. Sunday 23:00 UTC is already Monday 00:00 in Berlin (UTC+1 in winter).
    df = frame(talk("2024-01-01 09:00"), link("2024-01-07 23:00"), talk("2024-03-20 12:00"))
    utc = activity_bins(df, tz="UTC")
    assert utc.attrs["freq"] == "W-MON"
    assert utc.index[0] == pd.Timestamp("2024-01-01") and utc.index[-1] == pd.Timestamp(
        "2024-03-18"
    )
    assert len(utc) == 12 and all(d.weekday() == 0 for d in utc.index)
    assert utc.loc["2024-01-01", ["conversation", "link"]].tolist() == [1, 1]
    berlin = activity_bins(df, tz="Europe/Berlin")
    assert berlin.loc["2024-01-01", ["conversation", "link"]].tolist() == [1, 0]
    assert berlin.loc["2024-01-08", ["conversation", "link"]].tolist() == [0, 1]
    assert berlin.loc["2024-03-18", "conversation"] == 1
    assert int(berlin[["conversation", "link", "retweet", "other"]].to_numpy().sum()) == 3


def test_monthly_bins_beyond_three_years():
    df = frame(talk("2020-01-15"), link("2020-01-31 10:00"), rt("2024-06-02"))
    bins = activity_bins(df, tz="UTC")
    assert bins.attrs["freq"] == "MS"
    assert bins.index[0] == pd.Timestamp("2020-01-01")
    assert bins.index[-1] == pd.Timestamp("2024-06-01")
    assert len(bins) == 4 * 12 + 6
    assert bins.loc["2020-01-01", ["conversation", "link", "retweet"]].tolist() == [1, 1, 0]
    assert bins.loc["2024-06-01", "retweet"] == 1
    assert bins.loc["2022-01-01", ["conversation", "link", "retweet", "other"]].sum() == 0


def test_bin_size_thresholds_and_explicit_freq():
    d = date(2024, 1, 1)
    assert bin_freq(d, d) == "D"
    assert bin_freq(d, d + timedelta(days=59)) == "D"  # 60 days
    assert bin_freq(d, d + timedelta(days=60)) == "W-MON"
    assert bin_freq(d, d + timedelta(days=1095)) == "W-MON"  # 1096 days, about 3 years
    assert bin_freq(d, d + timedelta(days=1096)) == "MS"
    df = frame(talk("2024-03-04"), link("2024-03-12"))
    weekly = activity_bins(df, tz="UTC", freq="W-MON")
    assert list(weekly.index) == [pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-11")]
    assert weekly["talk_share"].tolist() == [1.0, 0.0]
    monthly = activity_bins(df, tz="UTC", freq="MS")
    assert monthly["conversation"].tolist() == [1] and monthly["talk_share"].tolist() == [0.5]
    with pytest.raises(ValueError, match="unknown bin size"):
        activity_bins(df, tz="UTC", freq="Q")


def test_rolling_talk_share_pools_the_posts_of_four_bins_and_leaves_gaps():
    df = frame(
        talk("2024-01-01"),  # week 1: 1 of 1
        link("2024-01-08"),  # week 2: 0 of 1
        # week 3: no posts
        talk("2024-01-22"),
        link("2024-01-23"),  # week 4: 1 of 2
        rt("2024-01-29"),
        other("2024-01-30"),
        link("2024-01-31"),  # week 5: 0 of 3
    )
    bins = activity_bins(df, tz="UTC", freq="W-MON")
    assert same(bins["talk_share"].tolist(), [1, 0, math.nan, 0.5, 0])
    # Weeks 1-4 hold 2 talk posts of 4; weeks 2-5 hold 1 of 6. Week 3 is a gap.
    assert same(bins["talk_share_rolling"].tolist(), [1, 0.5, math.nan, 2 / 4, 1 / 6])


def test_rolling_talk_share_weighs_each_month_by_its_posts():
    # A busy month (6 of 10 talking), a month of one link, a silent month, a month of
    # one talk post: an unweighted mean of shares would read 30%, NaN->carried, 53%.
    busy = [talk(f"2020-01-{d:02}") for d in range(1, 7)]
    busy += [link(f"2020-01-{d:02}") for d in range(7, 11)]
    df = frame(*busy, link("2020-02-03"), talk("2020-04-06"), rt("2024-06-01"))
    bins = activity_bins(df, tz="UTC")
    assert bins.attrs["freq"] == "MS"
    first = bins["talk_share_rolling"].iloc[:4].tolist()
    assert same(first, [6 / 10, 6 / 11, math.nan, 7 / 12])
    # Months without posts are gaps, never 0%, and no share leaves 0..1.
    empty = bins[["conversation", "link", "retweet", "other"]].sum(axis=1) == 0
    assert bins.loc[empty, "talk_share_rolling"].isna().all()
    assert bins["talk_share_rolling"].dropna().between(0, 1).all()


def test_activity_bins_of_one_post_and_of_none():
    one = activity_bins(frame(other("2024-05-05 05:00")), tz="UTC")
    assert len(one) == 1 and one["other"].tolist() == [1]
    assert one["talk_share"].tolist() == [0.0]
    none = activity_bins(frame(), tz="UTC")
    assert none.empty and "talk_share_rolling" in none.columns


# --- calendar ----------------------------------------------------------------------------


def test_calendar_has_every_day_of_the_year_with_dominant_category():
    df = frame(
        talk("2024-03-01"),
        talk("2024-03-01"),
        link("2024-03-01"),  # talk wins, not talk-only
        talk("2024-03-02"),
        other("2024-03-02"),
        other("2024-03-02"),  # other wins, talk-only
        link("2024-03-03"),
        rt("2024-03-03"),  # a tie goes to the first in report order
        rt("2024-03-05"),
    )
    days = calendar_days(df, tz="UTC", year=2024)
    assert list(days.columns) == ["date", "posts", "dominant", "talk_only", "in_longest_streak"]
    assert len(days) == 366
    assert days["date"].iloc[0] == date(2024, 1, 1) and days["date"].iloc[-1] == date(2024, 12, 31)
    by_day = days.set_index("date")
    assert by_day.loc[date(2024, 3, 1)].tolist() == [3, "conversation", False, False]
    assert by_day.loc[date(2024, 3, 2)].tolist() == [3, "other", True, True]
    assert by_day.loc[date(2024, 3, 3)].tolist() == [2, "link", False, False]
    assert by_day.loc[date(2024, 3, 4)].tolist() == [0, None, False, False]
    assert by_day.loc[date(2024, 3, 5), "dominant"] == "retweet"
    assert int(days["posts"].sum()) == 9 and int(days["talk_only"].sum()) == 1


def test_longest_streak_spans_quiet_days_and_the_latest_of_equals_wins():
    df = frame(
        talk("2024-04-01"),
        talk("2024-04-02"),
        talk("2024-04-04"),  # 3 posting days (3rd free)
        link("2024-04-05"),
        talk("2024-04-10"),
        talk("2024-04-11"),  # 2
        rt("2024-04-12"),
        talk("2024-05-01"),
        other("2024-05-01"),
        talk("2024-05-02"),
        talk("2024-05-03"),  # 3
        link("2024-05-04"),
    )
    days = calendar_days(df, tz="UTC", year=2024)
    marked = days.loc[days["in_longest_streak"], "date"].tolist()
    assert marked == [date(2024, 5, 1), date(2024, 5, 2), date(2024, 5, 3)]
    assert int(days["talk_only"].sum()) == 8
    longest = summarize(df, tz="UTC").talk_only.longest
    assert (longest.length, longest.start, longest.end) == (3, marked[0], marked[-1])
    # Without the May run, the April streak wins and skips the quiet 3 April.
    april = calendar_days(df.iloc[:7], tz="UTC", year=2024)
    assert april.loc[april["in_longest_streak"], "date"].tolist() == [
        date(2024, 4, 1),
        date(2024, 4, 2),
        date(2024, 4, 4),
    ]


def test_calendar_defaults_to_the_twelve_months_ending_with_the_last_post():
    df = frame(talk("2023-06-01"), talk("2024-12-31 23:30"))
    utc = calendar_days(df, tz="UTC")
    assert (utc["date"].iloc[0], utc["date"].iloc[-1]) == (date(2024, 1, 1), date(2024, 12, 31))
    # In Berlin the last post falls on 1 January 2025: February 2024 to January 2025.
    berlin = calendar_days(df, tz="Europe/Berlin")
    assert (berlin["date"].iloc[0], berlin["date"].iloc[-1]) == (
        date(2024, 2, 1),
        date(2025, 1, 31),
    )
    assert len(berlin) == 366 and berlin["posts"].sum() == 1
    assert berlin.set_index("date").loc[date(2025, 1, 1), "talk_only"]
    assert calendar_days(frame(), tz="UTC").empty


def test_calendar_of_an_archive_that_ends_in_october():
    # Posts over 12 years that end in October 2022: the last 12 months, not 2022 alone.
    df = frame(talk("2010-03-01"), link("2021-11-01"), talk("2022-01-15"), talk("2022-10-20"))
    days = calendar_days(df, tz="UTC")
    assert (days["date"].iloc[0], days["date"].iloc[-1]) == (date(2021, 11, 1), date(2022, 10, 31))
    assert days["posts"].sum() == 3 and len(days) == 365
    assert calendar_window(df, tz="UTC") == (date(2021, 11, 1), date(2022, 10, 31))
    assert calendar_window(frame(), tz="UTC") is None


def test_calendar_of_a_chosen_year():
    df = frame(talk("2023-06-01"), talk("2024-12-31 23:30"))
    year = calendar_days(df, tz="UTC", year=2023)
    assert (year["date"].iloc[0], year["date"].iloc[-1]) == (date(2023, 1, 1), date(2023, 12, 31))
    assert year["posts"].sum() == 1
    quiet = calendar_days(df, tz="UTC", year=2010)
    assert len(quiet) == 365 and quiet["posts"].sum() == 0 and not quiet["talk_only"].any()
    assert quiet["dominant"].isna().all() and not quiet["in_longest_streak"].any()
    assert len(calendar_days(frame(), tz="UTC", year=2020)) == 366
    with pytest.raises(InputError, match="year 1500"):
        calendar_days(df, tz="UTC", year=1500)


# --- sites and partners ------------------------------------------------------------------


def test_top_sites_count_each_domain_once_per_post_in_any_category():
    df = frame(
        link("2024-01-01", domains=["example.com", "example.com", "b.org"]),
        talk("2024-01-02", domains=["Example.com"], partners=["ana"]),
        rt("2024-01-03"),
        link("2024-01-04", domains=["a.org"]),
        link("2024-01-05", domains=["b.org"]),
    )
    sites = top_sites(df)
    assert sites.to_dict() == {"example.com": 2, "b.org": 2, "a.org": 1}
    assert list(sites.index) == ["b.org", "example.com", "a.org"]  # ties by name
    assert sites.name == "posts" and sites.index.name == "site"
    assert list(top_sites(df, top=1).index) == ["b.org"]
    assert top_sites(frame(talk("2024-01-01"))).empty


def test_top_partners_merge_spellings_and_count_only_talking():
    df = frame(
        talk("2024-01-01", partners=["Ana"]),
        talk("2024-01-02", partners=["ana"]),
        talk("2024-01-03", partners=["Ana", "bo"]),
        talk("2024-01-04", partners=["@bo"]),
        talk("2024-01-05", kind="mention", partners=["cy"]),
        link("2024-01-06", kind="quote", partners=["cy"]),  # not talking: does not count
    )
    partners = top_partners(df)
    assert partners.to_dict() == {"Ana": 3, "bo": 2, "cy": 1}
    assert list(partners.index) == ["Ana", "bo", "cy"] and partners.index.name == "account"
    assert list(top_partners(df, top=2).index) == ["Ana", "bo"]
    assert top_partners(frame(link("2024-01-01"))).empty


def test_top_lists_agree_with_summarize(synthetic):
    s = summarize(synthetic, tz="UTC")
    assert [(r.name, r.count) for r in s.top_sites] == list(top_sites(synthetic, 10).items())
    assert [(r.name, r.count) for r in s.partners] == list(top_partners(synthetic, 10).items())


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(7)
    n = 3000
    when = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 400 * 86400, n), unit="s"
    )
    cats = rng.choice(["conversation", "link", "retweet", "other"], n, p=[0.4, 0.3, 0.1, 0.2])
    names = ["Ana", "ana", "bo", "cy", "dee", "eve", "fay", "gus", "hal", "ivy", "jo", "kai"]
    sites = [f"site{i}.com" for i in range(14)]
    rows = [
        post(
            str(t),
            c,
            domains=[sites[rng.integers(14)]] if c == "link" else [],
            partners=[names[rng.integers(12)]] if c == "conversation" else [],
        )
        for t, c in zip(when, cats, strict=True)
    ]
    return frame(*rows)


# --- fading ties -------------------------------------------------------------------------

NOW = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)


def _ago(days, hours=0):
    return str(NOW - timedelta(days=days, hours=hours))


def test_fading_ties_need_three_replies_and_sixty_quiet_days():
    df = frame(
        *[talk(_ago(d), partners=["ana"]) for d in (200, 100, 61)],  # 61 days quiet: fades
        *[talk(_ago(d), partners=["bo"]) for d in (200, 100, 60)],  # exactly 60: still warm
        *[talk(_ago(d), partners=["cy"]) for d in (300, 200)],  # only 2 replies
        *[talk(_ago(d), partners=["dee"]) for d in (300, 200, 150, 100, 10)],  # recent reply
        talk(_ago(400), partners=["Eve"]),
        talk(_ago(300), partners=["Eve"]),
        talk(_ago(90, 5), kind="mention", partners=["eve"]),  # mentions count too
        *[link(_ago(d), kind="quote", partners=["fay"]) for d in (300, 200, 100)],  # not talk
        talk(_ago(0), partners=["gus"]),
    )
    ties = fading_ties(df, now=NOW)
    assert list(ties.columns) == ["account", "replies_before", "last_reply", "days_since"]
    assert ties["account"].tolist() == ["Eve", "ana"]  # equal counts: longest silent first
    assert ties["replies_before"].tolist() == [3, 3]
    assert ties["days_since"].tolist() == [90, 61]
    assert ties["last_reply"].iloc[1] == pd.Timestamp(_ago(61))
    assert ties.attrs["now"] == pd.Timestamp(NOW)
    # The defaults: `now` is the last post's time (the reply to gus, at NOW).
    assert fading_ties(df)["account"].tolist() == ["Eve", "ana"]
    assert fading_ties(df, now=NOW, min_replies=2)["account"].tolist() == ["Eve", "ana", "cy"]
    assert fading_ties(df, now=NOW, quiet_days=30)["account"].tolist() == [
        "Eve",
        "ana",
        "bo",
    ]


def test_fading_ties_ignore_posts_after_now_and_sort_by_replies():
    df = frame(
        *[talk(_ago(d), partners=["ana"]) for d in (400, 300, 200, 100)],
        *[talk(_ago(d), partners=["bo"]) for d in (300, 200, 150, 120, 110)],
        talk(_ago(-5), partners=["ana"]),  # after `now`: does not count
    )
    naive_now = NOW.replace(tzinfo=None)  # a naive `now` is UTC
    ties = fading_ties(df, now=naive_now)
    assert ties["account"].tolist() == ["bo", "ana"]
    assert ties["replies_before"].tolist() == [5, 4]
    assert ties["days_since"].tolist() == [110, 100]
    # By default `now` is the late reply, 5 days after NOW: ana is then no fading tie.
    assert fading_ties(df)["account"].tolist() == ["bo"]


def test_fading_ties_without_partners_or_posts():
    empty = fading_ties(frame(link("2024-01-01"), other("2024-01-02")))
    assert empty.empty and list(empty.columns) == [
        "account",
        "replies_before",
        "last_reply",
        "days_since",
    ]
    assert fading_ties(frame()).empty


# --- hour grid ---------------------------------------------------------------------------


def test_hour_grid_uses_the_local_weekday_and_hour():
    # Sunday 3 March 2024, 23:30 UTC is Monday 00:30 in Berlin (UTC+1).
    df = frame(
        talk("2024-03-03 23:30"),
        link("2024-03-03 23:10"),
        talk("2024-03-05 14:00"),
        talk("2024-03-12 14:59"),
        other("2024-03-19 14:05"),
    )
    grid = hour_grid(df, tz="Europe/Berlin")
    assert grid.shape == (7, 24)
    assert list(grid.index) == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert list(grid.columns) == list(range(24))
    assert grid.loc["Monday", 0] == 0.5
    assert grid.loc["Tuesday", 15] == pytest.approx(2 / 3)
    assert int(grid.notna().to_numpy().sum()) == 2
    assert math.isnan(grid.loc["Sunday", 23])
    utc = hour_grid(df, tz="UTC")
    assert utc.loc["Sunday", 23] == 0.5 and math.isnan(utc.loc["Monday", 0])
    counts = hour_posts(df, tz="Europe/Berlin")
    assert counts.loc["Monday", 0] == 2 and counts.loc["Tuesday", 15] == 3
    assert int(counts.to_numpy().sum()) == 5


def test_hour_grid_of_no_posts_is_all_missing():
    grid = hour_grid(frame(), tz="UTC")
    assert grid.shape == (7, 24) and grid.isna().all().all()
