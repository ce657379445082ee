"""The talk-only-day challenge: outcomes, the suggested day, and the `challenge` command."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from rows import frame, post

from linkratio.analysis.challenge import outcome, suggest_day
from linkratio.cli import main
from linkratio.frame import Library
from linkratio.model import Account, Post

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")


def test_outcomes_of_a_day() -> None:
    df = frame(
        post("2026-11-17 09:00", "conversation", partners=["ana"]),
        post("2026-11-17 12:00", "other"),
        post("2026-11-18 09:00", "conversation", partners=["ana"]),
        post("2026-11-18 15:30", "link", domains=["a.org"], text="read https://a.org"),
        post("2026-11-18 08:00", "retweet", text="RT @bo: hi"),
        post("2026-11-19 09:00", "other"),
    )
    today = date(2026, 11, 25)
    talk = outcome(df, date(2026, 11, 17), UTC, today)
    assert (talk.status, talk.posts, talk.conversation, talk.breakers) == ("talk-only", 2, 1, ())
    broken = outcome(df, date(2026, 11, 18), UTC, today)
    assert broken.status == "broken"
    assert [(b.kind, b.text) for b in broken.breakers] == [
        ("repost", "RT @bo: hi"),
        ("url", "read https://a.org"),
    ]
    assert outcome(df, date(2026, 11, 19), UTC, today).status == "no talk"
    assert outcome(df, date(2026, 11, 20), UTC, today).status == "no posts"
    assert outcome(df, date(2026, 11, 26), UTC, today).status == "not yet"


def test_a_challenge_day_is_a_local_day() -> None:
    # 23:30 UTC on the 17th is already the 18th in Berlin.
    df = frame(
        post("2026-11-17 10:00", "conversation", partners=["ana"]),
        post("2026-11-17 23:30", "link", domains=["a.org"]),
    )
    today = date(2026, 11, 30)
    assert outcome(df, date(2026, 11, 17), BERLIN, today).status == "talk-only"
    assert outcome(df, date(2026, 11, 17), UTC, today).status == "broken"


def _weeks_of(weekday_rows):
    """Posts on the same weekdays of 8 weeks: {offset from Monday 2026-10-05: [categories]}."""
    rows = []
    for week in range(8):
        for offset, categories in weekday_rows.items():
            day = date(2026, 10, 5 + offset).toordinal() + 7 * week
            when = date.fromordinal(day)
            rows += [post(f"{when} 1{i}:00", c, partners=["x"]) for i, c in enumerate(categories)]
    return frame(*rows)


def test_suggest_picks_the_weekday_closest_to_talk_only() -> None:
    df = _weeks_of(
        {
            0: ["conversation", "link"],  # Mondays: never talk-only
            2: ["conversation", "conversation"],  # Wednesdays: always talk-only
            4: ["conversation"],  # Fridays: always talk-only too...
        }
    )
    # ...a tie on the talk-only rate; both have no links; Wednesday comes first after today.
    today = date(2026, 11, 29)  # a Sunday
    pick = suggest_day(df, UTC, today)
    assert (pick.day, pick.weekday) == (date(2026, 12, 2), "Wednesday")
    assert "Wednesdays were talk-only on 8 of 8 posting days" in pick.reason


def test_suggest_breaks_a_rate_tie_by_the_lower_link_share() -> None:
    df = _weeks_of(
        {
            1: ["conversation", "link"],  # Tuesdays: 50% links
            3: ["conversation", "link", "other", "other"],  # Thursdays: 25% links
        }
    )
    pick = suggest_day(df, UTC, date(2026, 11, 29))
    assert (pick.day, pick.weekday) == (date(2026, 12, 3), "Thursday")
    assert "25% of posts linking" in pick.reason


def test_suggest_looks_at_the_8_weeks_up_to_the_last_post_before_today() -> None:
    recent = _weeks_of({1: ["conversation"], 3: ["conversation", "link"]})  # to 2026-11-26
    # Eight talk-only Fridays that end the week before the window: they count for nothing.
    fridays = [
        post(f"{date(2026, 8, 7) + timedelta(weeks=k)} 10:00", "conversation") for k in range(8)
    ]
    today = [post("2026-11-29 08:00", "conversation", partners=["x"])]  # today: not over yet
    df = pd.concat([recent, frame(*fridays, *today)], ignore_index=True)
    pick = suggest_day(df, UTC, date(2026, 11, 29))
    assert (pick.day, pick.weekday) == (date(2026, 12, 1), "Tuesday")
    assert "in the 8 weeks to 2026-11-26" in pick.reason and "last post was" not in pick.reason
    # Months later, the 8 weeks up to the last post speak (that Sunday's post counts now);
    # the day comes after today, and the gap is said.
    later = suggest_day(df, UTC, date(2027, 3, 1))
    assert (later.day, later.weekday) == (date(2027, 3, 2), "Tuesday")
    assert "in the 8 weeks to 2026-11-29" in later.reason
    assert later.reason.endswith("; your last post was 92 days ago (2026-11-29)")


def test_suggest_on_too_little_data_names_no_day() -> None:
    pick = suggest_day(frame(post("2020-01-01 10:00", "conversation", partners=["x"])), UTC,
                       date(2026, 11, 29))  # fmt: skip
    assert pick.day is None and pick.weekday is None
    assert pick.reason.startswith("too little data to pick a day: 1 posting day in the 8 weeks")
    assert "a pick needs 14, with 4 on one weekday" in pick.reason


# -- the command -------------------------------------------------------------------------


@pytest.fixture
def library(tmp_path: Path, monkeypatch) -> Path:
    from datetime import UTC as utc
    from datetime import datetime

    db = tmp_path / "lib.sqlite"
    monkeypatch.setenv("LINKRATIO_DB", str(db))
    posts = [
        Post("x", "1", datetime(2026, 11, 17, 9, tzinfo=utc), "@ana how are you?",
             author_id="1", author_handle="me",
             reply_to_user_id="2", reply_to_handle="ana", reply_to_post_id="100"),
        Post("x", "2", datetime(2026, 11, 18, 9, tzinfo=utc),
             "look \x1b[31mred\x1b[0m https://example.org/a", author_id="1", author_handle="me"),
    ]  # fmt: skip
    with Library(db) as lib:
        lib.save_posts(Account("x", "1", "me"), posts, origin="file")
    return db


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    # Days are set in UTC; status shows each in the zone it was set in (no --tz).
    zone = ["--tz", "UTC"] if args[0] == "set" else []
    code = main(["challenge", *args, *zone, "--now", "2026-11-18T20:00:00+00:00"], out)
    return code, out.getvalue()


def test_challenge_set_and_status(library: Path, capsys) -> None:
    assert run("set", "2026-11-17") == (
        0,
        "challenge set: 2026-11-17 (Tuesday), a day of only talking for @me (days in UTC)\n",
    )
    assert run("set", "2026-11-18")[0] == 0
    assert run("set", "2026-11-20")[0] == 0
    assert "was already set" in run("set", "2026-11-20")[1]
    code, out = run("status")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("2026-11-17 Tue  talk-only (1 post, 1 talking)")
    assert lines[1].startswith("2026-11-18 Wed  broken")
    assert "link/url" in lines[2] and "\x1b" not in out and "https://example.org/a" in lines[2]
    assert lines[3] == "2026-11-20 Fri  not yet"


def test_challenge_set_suggest_on_too_little_data_says_what_it_needs(library: Path, capsys) -> None:
    assert run("set", "--suggest") == (2, "")
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "cannot suggest a day: too little data to pick a day: 1 posting day" in err
    assert "a pick needs 14, with 4 on one weekday; set a DATE instead" in err


def test_challenge_bad_input(library: Path, capsys) -> None:
    assert run("set")[0] == 2
    assert "needs a DATE" in capsys.readouterr().err
    assert run("set", "2026-11-17", "--suggest")[0] == 2
    assert run("status", "--account", "@nobody")[0] == 2
    assert "no account @nobody" in capsys.readouterr().err


def test_a_day_far_away_and_a_zone_for_status_are_refused(library: Path, capsys) -> None:
    assert run("set", "1900-01-01")[0] == 2
    assert "challenge day 1900-01-01 is more than a year from today (2026-11-18)" in (
        capsys.readouterr().err
    )
    assert run("set", "2027-11-18")[0] == 0  # within a year
    out = io.StringIO()
    assert main(["challenge", "status", "--tz", "Asia/Tokyo"], out) == 2
    assert "each day is shown in the zone it was set in" in capsys.readouterr().err


def test_several_accounts_need_account(library: Path, capsys) -> None:
    from datetime import UTC as utc
    from datetime import datetime

    with Library(library) as lib:
        lib.save_posts(
            Account("x", "9", "other"),
            [Post("x", "90", datetime(2026, 11, 1, tzinfo=utc), "hi", author_id="9")],
            origin="file",
        )
    assert run("status")[0] == 2
    err = capsys.readouterr().err
    assert "holds 2 accounts (@me, @other): name one with --account" in err
    assert run("status", "--account", "@other")[1] == (
        "no challenge set yet: try 'linkratio challenge set --suggest'\n"
    )
