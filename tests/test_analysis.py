from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from rows import KIND_OF, frame, post  # noqa: F401

from linkratio.analysis import WEEKDAYS, summarize, summary_to_dict
from linkratio.errors import EmptyDataError, InputError, InputFormatError
from linkratio.render.text import render_text


def talk(day, hour=12, **kw):
    return post(f"{day} {hour:02d}:00", "conversation", **kw)


def link(day, hour=12, **kw):
    return post(f"{day} {hour:02d}:00", "link", **kw)


# --- counts and ratios -------------------------------------------------------------------


def test_counts_shares_and_ratio():
    df = frame(
        talk("2024-12-02"),
        talk("2024-12-02", kind="question"),
        talk("2024-12-03", kind="mention"),
        link("2024-12-03"),
        link("2024-12-03", kind="quote"),
        link("2024-12-04"),
        post("2024-12-04 09:00", "retweet"),
        post("2024-12-04 10:00", "other"),
    )
    s = summarize(df, tz="UTC")
    assert s.posts == 8
    assert [(c.category, c.count) for c in s.categories] == [
        ("conversation", 3),
        ("link", 3),
        ("retweet", 1),
        ("other", 1),
    ]
    assert [c.share for c in s.categories] == [0.375, 0.375, 0.125, 0.125]
    assert s.talk_share == 0.375
    assert s.talk_to_link == 0.75
    assert s.kinds["reply"] == 1 and s.kinds["question"] == 1 and s.kinds["quote"] == 1
    assert s.kinds["url"] == 2 and s.kinds["thread"] == 0
    assert list(s.kinds) == [
        "repost",
        "manual_rt",
        "reply",
        "mention",
        "question",
        "quote",
        "url",
        "thread",
        "post",
    ]
    assert (s.first_day, s.last_day) == (date(2024, 12, 2), date(2024, 12, 4))
    assert (s.period_start, s.period_end) == (date(2024, 12, 2), date(2024, 12, 4))


def test_all_categories_present_even_when_absent():
    s = summarize(frame(talk("2024-12-02")), tz="UTC")
    assert [c.category for c in s.categories] == ["conversation", "link", "retweet", "other"]
    assert [c.count for c in s.categories] == [1, 0, 0, 0]


NOW = datetime(2024, 12, 6, 8, tzinfo=UTC)
"""A Friday morning: the clock of the nudge tests."""


def test_no_links_means_none_ratio_and_praise():
    df = frame(*(talk(str(date(2024, 11, 4) + timedelta(d))) for d in range(31)))
    s = summarize(df, tz="UTC", now=NOW)
    assert s.talk_to_link is None
    assert s.top_sites == ()
    assert s.nudge.rule == "no_links"
    # Every weekday is talk-only: the soonest after today (a Friday) wins.
    assert s.nudge.day == date(2024, 12, 7)
    assert (
        "No links" in s.nudge.text and "Keep it that way on Saturday, 2024-12-07." in s.nudge.text
    )


def test_no_links_and_no_talk_on_little_data_names_no_day():
    s = summarize(frame(post("2024-12-02 08:00", "other")), tz="UTC", now=NOW)
    assert s.talk_to_link is None and s.talk_share == 0.0
    assert s.nudge.rule == "no_links" and s.nudge.day is None
    assert "no talking" in s.nudge.text and "Too little data to pick a day" in s.nudge.text


def test_no_talk_nudge_asks_for_a_first_talking_day():
    s = summarize(frame(link("2024-12-02"), post("2024-12-03 08:00", "retweet")), tz="UTC", now=NOW)
    assert s.talk_share == 0.0 and s.talk_to_link == 0.0
    assert s.talk_only.count == 0 and s.talk_only.last is None
    assert s.nudge.rule == "no_talk" and s.nudge.day is None
    assert "a first day of only talking" in s.nudge.text


# --- talk-only days and streaks ----------------------------------------------------------


def test_gap_day_does_not_break_streak_but_link_day_does():
    df = frame(
        talk("2024-12-02"),
        talk("2024-12-03"),
        # 2024-12-04: no posts, so the streak goes on
        talk("2024-12-05"),
        post("2024-12-05 18:00", "other"),  # other posts do not spoil a day
        talk("2024-12-06"),
        link("2024-12-06", 20),  # a link breaks the streak
        talk("2024-12-07"),
        talk("2024-12-09"),
    )
    t = summarize(df, tz="UTC").talk_only
    assert t.count == 5
    assert t.posting_days == 6
    assert (t.longest.length, t.longest.start, t.longest.end) == (
        3,
        date(2024, 12, 2),
        date(2024, 12, 5),
    )
    assert (t.current.length, t.current.start, t.current.end) == (
        2,
        date(2024, 12, 7),
        date(2024, 12, 9),
    )
    assert t.last == date(2024, 12, 9)
    assert t.days_since_last == 0


def test_current_streak_is_zero_when_last_posting_day_links():
    df = frame(talk("2024-12-01"), talk("2024-12-02"), talk("2024-12-03"), link("2024-12-03"))
    t = summarize(df, tz="UTC").talk_only
    assert t.current.length == 0 and t.current.start is None
    assert t.longest.length == 2
    assert t.last == date(2024, 12, 2)
    assert t.days_since_last == 1


def test_day_with_only_other_posts_is_a_posting_day_that_is_not_talk_only():
    df = frame(talk("2024-12-02"), post("2024-12-03 09:00", "other"), talk("2024-12-04"))
    t = summarize(df, tz="UTC").talk_only
    assert (t.count, t.posting_days) == (2, 3)
    assert t.longest.length == 1
    # Equally long streaks: the most recent one is reported.
    assert t.longest.start == date(2024, 12, 4)


def test_days_since_counts_to_until_not_to_last_post():
    df = frame(talk("2024-12-07"), talk("2024-12-09"))
    s = summarize(df, tz="UTC", until=date(2024, 12, 20))
    assert s.period_end == date(2024, 12, 20)
    assert s.last_day == date(2024, 12, 9)
    assert s.talk_only.current.length == 2
    assert s.talk_only.days_since_last == 11
    # The weekly table ends with the data: no post after Monday 2024-12-09.
    assert (s.weeks[-1].label, s.weeks[-1].days) == ("2024-W50", 1)


# --- days, time zones and the period -----------------------------------------------------


def test_late_utc_post_is_next_day_in_berlin():
    df = frame(post("2024-12-02 23:30", "conversation"), post("2024-12-02 23:30", "link"))
    berlin = summarize(df, tz="Europe/Berlin")
    utc = summarize(df, tz="UTC")
    assert berlin.first_day == date(2024, 12, 3)
    assert utc.first_day == date(2024, 12, 2)
    assert berlin.tz == "Europe/Berlin"


def test_day_boundary_in_summer_time_and_since_filter_uses_local_day():
    # 22:00 UTC is 00:00 the next day in Berlin in summer (UTC+2), 23:00 the same day in winter.
    df = frame(talk("2024-07-01", 22), talk("2024-01-15", 22))
    s = summarize(df, tz="Europe/Berlin", since=date(2024, 7, 2))
    assert s.posts == 1 and s.first_day == date(2024, 7, 2)
    with pytest.raises(EmptyDataError):
        summarize(df, tz="UTC", since=date(2024, 7, 2))
    winter = summarize(df, tz="Europe/Berlin", until=date(2024, 1, 15))
    assert winter.posts == 1 and winter.last_day == date(2024, 1, 15)


def test_since_until_are_inclusive():
    df = frame(*(talk(f"2024-12-0{d}") for d in range(1, 6)))
    s = summarize(df, tz="UTC", since=date(2024, 12, 2), until=date(2024, 12, 4))
    assert s.posts == 3
    assert (s.first_day, s.last_day) == (date(2024, 12, 2), date(2024, 12, 4))
    assert (s.period_start, s.period_end) == (date(2024, 12, 2), date(2024, 12, 4))


def test_default_zone_is_the_systems(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    s = summarize(frame(talk("2024-12-02", 20)))
    assert s.tz == "Asia/Tokyo"
    assert s.first_day == date(2024, 12, 3)


def test_unknown_zone_is_an_input_error():
    with pytest.raises(InputError, match="unknown time zone 'Mars/Olympus'"):
        summarize(frame(talk("2024-12-02")), tz="Mars/Olympus")


def test_since_after_until_is_an_input_error():
    with pytest.raises(InputError, match="after"):
        summarize(frame(talk("2024-12-02")), since=date(2024, 12, 5), until=date(2024, 12, 1))


def test_empty_period_raises_with_the_dates():
    df = frame(talk("2024-12-02"))
    with pytest.raises(EmptyDataError, match="no posts between 2025-01-01 and 2025-01-31"):
        summarize(df, tz="UTC", since=date(2025, 1, 1), until=date(2025, 1, 31))


def test_empty_frame_raises():
    with pytest.raises(EmptyDataError, match="no posts to summarize: the frame is empty"):
        summarize(frame(), tz="UTC")


def test_bad_frames_are_format_errors():
    with pytest.raises(InputFormatError, match="partners"):
        summarize(frame(talk("2024-12-02")).drop(columns=["partners"]), tz="UTC")
    with pytest.raises(InputFormatError, match="unknown category 'chat'"):
        summarize(frame(post("2024-12-02 10:00", "other") | {"category": "chat"}), tz="UTC")


def test_account_is_the_most_common_author_unless_given():
    df = frame(
        talk("2024-12-02", author="ana"),
        talk("2024-12-03", author="ana"),
        talk("2024-12-03", author="bo"),
    )
    assert summarize(df, tz="UTC").account == "ana"
    assert summarize(df, tz="UTC", account="someone").account == "someone"
    df.attrs["account"] = "owner"
    assert summarize(df, tz="UTC").account == "owner"
    assert summarize(frame(talk("2024-12-02", author=None)), tz="UTC").account is None


def test_frame_load_dtypes_work():
    # frame.to_frame stores microsecond stamps and object-dtype strings.
    df = frame(post("2024-12-02 23:30", "conversation"), link("2024-12-03"))
    df["created_at"] = df["created_at"].astype("datetime64[us, UTC]")
    for col in ("category", "kind", "author"):
        df[col] = df[col].astype(object)
    s = summarize(df, tz="Europe/Berlin")
    assert s.first_day == date(2024, 12, 3)
    assert [c.count for c in s.categories] == [1, 1, 0, 0]
    assert s.talk_only.count == 0


# --- weekly table ------------------------------------------------------------------------


def test_weekly_table_has_twelve_iso_weeks_with_empty_ones_none():
    df = frame(
        talk("2024-12-30"),
        link("2025-01-01"),  # 2025-W01 (ISO year differs from the date's)
        talk("2024-12-23"),  # 2024-W52
        link("2024-10-15"),  # 2024-W42, the first row
        link("2024-10-01"),  # 2024-W40, before the table
    )
    weeks = summarize(df, tz="UTC").weeks
    assert len(weeks) == 12
    assert weeks[-1].label == "2025-W01" and weeks[-1].start == date(2024, 12, 30)
    assert (weeks[-1].posts, weeks[-1].conversation, weeks[-1].talk_share) == (2, 1, 0.5)
    assert weeks[-2].label == "2024-W52" and weeks[-2].talk_share == 1.0
    assert weeks[0].label == "2024-W42" and weeks[0].start == date(2024, 10, 14)
    assert weeks[0].talk_share == 0.0 and weeks[0].posts == 1
    assert weeks[1].posts == 0 and weeks[1].talk_share is None
    assert all(b.start - a.start == timedelta(weeks=1) for a, b in itertools.pairwise(weeks))
    assert all(w.start.weekday() == 0 for w in weeks)


# --- sites and partners ------------------------------------------------------------------


def test_top_sites_count_posts_per_domain_in_every_category():
    df = frame(
        link("2024-12-02", domains=("example.com", "example.com")),  # once per post
        link("2024-12-02", domains=("Example.com",)),
        talk("2024-12-03", domains=("example.com", "docs.org"), partners=("ana",)),
        post("2024-12-03 10:00", "retweet", domains=("news.net",)),
        *(link("2024-12-04", domains=(f"site{i:02d}.io",)) for i in range(12)),
    )
    sites = summarize(df, tz="UTC").top_sites
    assert len(sites) == 10
    assert (sites[0].name, sites[0].count) == ("example.com", 3)
    assert [s.name for s in sites[1:4]] == ["docs.org", "news.net", "site00.io"]
    assert all(s.count == 1 for s in sites[1:])


def test_partners_merge_case_and_keep_common_spelling():
    df = frame(
        talk("2024-12-02", partners=("Ana",)),
        talk("2024-12-02", partners=("Ana",)),
        talk("2024-12-03", partners=("ana",)),
        talk("2024-12-03", kind="mention", partners=("bo", "BO", "cy")),  # bo once for this post
        talk("2024-12-04", partners=("bo",)),
        link("2024-12-04", partners=("zed",)),  # not a conversation post
    )
    partners = summarize(df, tz="UTC").partners
    assert [(p.name, p.count) for p in partners] == [("Ana", 3), ("bo", 2), ("cy", 1)]


def test_partners_top_ten_only():
    df = frame(*(talk("2024-12-02", partners=(f"user{i:02d}",)) for i in range(15)))
    partners = summarize(df, tz="UTC").partners
    assert len(partners) == 10
    assert partners[0].name == "user00" and partners[-1].name == "user09"


# --- nudge -------------------------------------------------------------------------------


def thursday_talker(weeks=5):
    """`weeks` weeks in which Thursdays are talk-only and the other posting days link."""
    rows = []
    for k in range(weeks):
        start = date(2024, 12, 2) - timedelta(weeks=weeks - 1 - k)
        for offset in (0, 1, 4):
            rows += [talk(str(start + timedelta(offset))), link(str(start + timedelta(offset)))]
        rows += [talk(str(start + timedelta(3))), talk(str(start + timedelta(3)), 15)]
    return frame(*rows)


def test_nudge_names_the_most_talkative_weekday_and_a_day_after_today():
    s = summarize(thursday_talker(), tz="UTC", now=NOW)
    n = s.nudge
    assert s.period_end == date(2024, 12, 6)
    assert n.rule == "weekday"
    assert n.weekday == "Thursday"
    assert n.day == date(2024, 12, 12) and n.day > NOW.date()
    assert n.day.weekday() == WEEKDAYS.index("Thursday")
    assert (n.weekday_talk_only_days, n.weekday_posting_days) == (5, 5)
    assert n.weekday_talk_share == 1.0
    assert "Thursdays" in n.text and "Thursday, 2024-12-12," in n.text and "100.0% talk" in n.text
    assert n.last_talk_only == date(2024, 12, 5) and n.days_since_talk_only == 1
    assert "2024-12-05, 1 day before 2024-12-06" in n.text
    assert "last post was" not in n.text  # yesterday's post is not stale


def test_nudge_day_comes_from_today_not_from_the_period_end():
    s = summarize(thursday_talker(), tz="UTC", until=date(2024, 12, 5), now=NOW)
    assert s.nudge.weekday == "Thursday"
    assert s.nudge.day == date(2024, 12, 12)
    later = summarize(thursday_talker(), tz="UTC", now=datetime(2026, 12, 6, 12, tzinfo=UTC))
    assert later.nudge.day == date(2026, 12, 10)  # the next Thursday after 2026-12-06
    assert "your last post was 730 days ago (2024-12-06)" in later.nudge.text
    assert later.nudge.days_since_post == 730


def test_nudge_without_any_talk_only_day_uses_the_link_share():
    rows = []
    for k in range(5):
        monday = date(2024, 11, 4) + timedelta(weeks=k)
        tuesday, wednesday = monday + timedelta(1), monday + timedelta(2)
        rows += [talk(str(monday)), link(str(monday)), link(str(monday))]  # 2/3 linking
        rows += [talk(str(tuesday)), talk(str(tuesday)), link(str(tuesday))]  # 1/3 linking
        rows += [link(str(wednesday))]
    n = summarize(frame(*rows), tz="UTC", now=NOW).nudge
    assert n.weekday == "Tuesday"
    assert n.day == date(2024, 12, 10)
    assert "no talk-only day" in n.text


# --- plain data --------------------------------------------------------------------------


def test_summary_to_dict_is_json_ready_with_iso_dates_and_rounded_floats():
    df = frame(talk("2024-12-02"), link("2024-12-02"), link("2024-12-03"))
    d = summary_to_dict(summarize(df, tz="UTC", now=NOW))
    assert json.loads(json.dumps(d)) == d
    assert d["first_day"] == "2024-12-02"
    assert d["talk_share"] == 0.3333
    assert d["talk_to_link"] == 0.5
    assert d["categories"][0] == {"category": "conversation", "count": 1, "share": 0.3333}
    assert d["weeks"][-1]["start"] == "2024-12-02"
    assert d["nudge"]["day"] is None  # too little data to pick a day


# --- partial weeks -------------------------------------------------------------------------


def test_weeks_outside_the_period_are_left_out_and_partial_ones_marked():
    df = frame(*(talk(str(date(2024, 9, 2) + timedelta(d))) for d in range(0, 121, 3)))
    assert df["created_at"].max().date() == date(2024, 12, 31)  # a Tuesday
    s = summarize(df, tz="UTC", since=date(2024, 12, 1))  # a Sunday
    assert [(w.label, w.days) for w in s.weeks] == [
        ("2024-W48", 1),
        ("2024-W49", 7),
        ("2024-W50", 7),
        ("2024-W51", 7),
        ("2024-W52", 7),
        ("2025-W01", 2),
    ]
    assert (s.weeks[0].name, s.weeks[1].name) == ("2024-W48 (1 of 7 days)", "2024-W49")
    text = render_text(s)
    assert "\n  2024-W48 (1 of 7 days)  2024-11-25" in text
    assert "\n  2025-W01 (2 of 7 days)  2024-12-30" in text
    assert summary_to_dict(s)["weeks"][-1]["days"] == 2
    # An --until far beyond the data lists no empty weeks after it; one before it cuts.
    far = summarize(df, tz="UTC", until=date(9999, 12, 31)).weeks
    assert (far[-1].label, far[-1].days, len(far)) == ("2025-W01", 2, 12)
    cut = summarize(df, tz="UTC", until=date(2024, 12, 18)).weeks
    assert (cut[-1].label, cut[-1].days) == ("2024-W51", 3)


def test_the_report_tables_mark_partial_weeks_too():
    from linkratio.render.report_html import _html_weeks
    from linkratio.render.report_md import _md_numbers

    s = summarize(frame(talk("2024-12-03"), talk("2024-12-10")), tz="UTC")
    assert "2024-W49 (6 of 7 days)" in "\n".join(_md_numbers(s))
    assert '<td class="nowrap">2024-W50 (2 of 7 days)</td>' in _html_weeks(s)


# --- the system zone ---------------------------------------------------------------------


def test_a_bogus_tz_warns_once_naming_it_and_the_zone_used(monkeypatch, capsys):
    import io
    from pathlib import Path

    from linkratio.analysis import period
    from linkratio.cli import main

    monkeypatch.setenv("TZ", "Nowhere/Bogus")
    period._warn_bad_tz.cache_clear()
    feed = Path(__file__).parent / "fixtures" / "bluesky" / "getAuthorFeed.json"
    for _ in range(2):  # twice in one process: still one warning
        assert main(["audit", str(feed), "--now", "2026-12-06T12:00:00Z"], io.StringIO()) == 0
    err = capsys.readouterr().err
    used = period.resolve_zone(None)[1]
    assert err.count("linkratio: warning: TZ=") == 1
    assert f"TZ='Nowhere/Bogus' is not a known time zone: using {used} for days" in err
    # A good TZ, or --tz, says nothing.
    monkeypatch.setenv("TZ", "Europe/Berlin")
    assert main(["audit", str(feed), "--now", "2026-12-06T12:00:00Z"], io.StringIO()) == 0
    assert "warning" not in capsys.readouterr().err
    # A bad --tz is bad input, not a fallback.
    assert main(["audit", str(feed), "--tz", "Nowhere/Bogus"], io.StringIO()) == 2
    assert "unknown time zone 'Nowhere/Bogus'" in capsys.readouterr().err
    period._warn_bad_tz.cache_clear()
