"""The day of only talking: one pick for the audit's nudge, `challenge set --suggest` and the
weekly summary, named after today; a stale library said as such; too little data said too."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from rows import frame, post

from linkratio.analysis import summarize
from linkratio.analysis.pick import MIN_POSTING_DAYS, MIN_WEEKDAY_DAYS
from linkratio.analysis.weekly import build_week, week_to_dict
from linkratio.cli import main
from linkratio.frame import Library
from linkratio.model import Account, Link, Post
from linkratio.render import weekly as weekly_render

ME = Account("x", "1", "me")
LAST_MONDAY = date(2024, 12, 23)
"""The Monday of the last week of posts (2024-W52); the last post is on 2024-12-31."""


def _talk(pid: str, when: datetime) -> Post:
    return Post(
        "x", pid, when, "@ana how are you?", author_id="1", author_handle="me",
        reply_to_user_id="2", reply_to_handle="ana", reply_to_post_id="100",
    )  # fmt: skip


def _link(pid: str, when: datetime) -> Post:
    return Post(
        "x", pid, when, "read https://example.org/a", author_id="1", author_handle="me",
        links=(Link("https://example.org/a"),),
    )  # fmt: skip


def _history() -> list[Post]:
    """Ten weeks to Tuesday 2024-12-31: Wednesdays talk-only, Mondays and Tuesdays linking too."""
    posts: list[Post] = []
    for k in range(10):
        monday = datetime(2024, 10, 28, 9, tzinfo=UTC) + timedelta(weeks=k)
        for offset in (0, 1, 2):
            day = monday + timedelta(days=offset)
            posts.append(_talk(f"{k}{offset}t", day))
            if offset != 2:
                posts.append(_link(f"{k}{offset}l", day + timedelta(hours=2)))
    return [p for p in posts if p.created_at < datetime(2025, 1, 1, tzinfo=UTC)]


@pytest.fixture
def library(tmp_path: Path, monkeypatch) -> Path:
    db = tmp_path / "lib.sqlite"
    monkeypatch.setenv("LINKRATIO_DB", str(db))
    monkeypatch.chdir(tmp_path)
    with Library(db) as lib:
        lib.save_posts(ME, _history(), origin="file")
    return db


def _run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main([*args], out)
    return code, out.getvalue()


@pytest.mark.parametrize("now", ["2025-01-02T10:00:00+00:00", "2026-12-06T22:00:00+00:00"])
def test_audit_challenge_and_weekly_name_the_same_day_after_today(library: Path, now: str) -> None:
    today = datetime.fromisoformat(now).date()
    code, out = _run("audit", "@me", "--tz", "UTC", "--json", "--now", now)
    assert code == 0
    nudge = json.loads(out)["nudge"]
    audit_day = date.fromisoformat(nudge["day"])
    code, out = _run("challenge", "set", "--suggest", "--tz", "UTC", "--now", now)
    assert code == 0
    challenge_day = date.fromisoformat(out.split()[2])
    code, _ = _run("weekly", "@me", "--tz", "UTC", "--now", now, "--out", "w")
    week = next(Path("w").glob("*.md")).read_text()
    assert audit_day == challenge_day
    assert f"Make Wednesday, {audit_day}, a day of only talking." in week
    assert f"{audit_day} (Wednesday)" in week
    assert audit_day.weekday() == 2 and today < audit_day <= today + timedelta(days=7)
    assert nudge["weekday"] == "Wednesday"


def test_a_stale_audit_says_how_long_ago_the_last_post_was(library: Path) -> None:
    code, out = _run("audit", "@me", "--tz", "UTC", "--now", "2026-12-06T22:00:00+00:00")
    assert code == 0
    text = " ".join(out.split())
    assert "make Wednesday, 2026-12-09, a day of only talking" in text
    assert "your last post was 705 days ago (2024-12-31)" in text
    # The next day: not stale.
    code, out = _run("audit", "@me", "--tz", "UTC", "--now", "2025-01-01T12:00:00+00:00")
    assert "make Wednesday, 2025-01-08, a day" in " ".join(out.split())
    assert "last post was" not in out


def test_an_until_at_the_end_of_time_does_not_overflow() -> None:
    df = frame(
        *(post(f"{date(2024, 11, 1) + timedelta(d)} 10:00", "conversation") for d in range(30))
    )
    s = summarize(df, tz="UTC", until=date(9999, 12, 31))
    assert s.period_end == date(9999, 12, 31) and s.nudge.day is not None
    # A clock at the end of time is clamped too.
    late = summarize(df, tz="UTC", now=datetime(9999, 12, 31, 12, tzinfo=UTC))
    assert late.nudge.day is not None and late.nudge.day.year == 9999


# -- too little data -------------------------------------------------------------------


def test_too_little_data_names_no_weekday_and_says_what_a_pick_needs() -> None:
    # "Thursdays are already your most talkative day (100.0% talk, 3 of 3)": no more.
    thursdays = [post(f"2024-12-{d:02d} 10:00", "conversation") for d in (5, 12, 19)]
    links = [post(f"2024-12-{d:02d} 10:00", "link", domains=["a.org"]) for d in (2, 3, 9)]
    s = summarize(frame(*thursdays, *links), tz="UTC", now=datetime(2024, 12, 20, tzinfo=UTC))
    n = s.nudge
    assert n.rule == "too_little_data" and n.day is None and n.weekday is None
    assert "most talkative" not in n.text
    assert n.text.startswith("Too little data to pick a day: 6 posting days in the 8 weeks to ")
    assert f"a pick needs {MIN_POSTING_DAYS}, with {MIN_WEEKDAY_DAYS} on one weekday" in n.text


def test_a_weekday_needs_enough_posting_days_of_its_own() -> None:
    # 15 posting days, but the only talk-only weekday has 3: the best of the rest is named.
    rows = [post(f"2024-12-{d:02d} 10:00", "conversation") for d in (5, 12, 19)]  # Thursdays
    for k in range(4):
        for offset in (0, 1, 2):  # Mon, Tue, Wed of 4 weeks: talk and a link
            day = date(2024, 11, 25) + timedelta(weeks=k, days=offset)
            rows += [post(f"{day} 09:00", "conversation"), post(f"{day} 10:00", "link")]
    n = summarize(frame(*rows), tz="UTC", now=datetime(2024, 12, 20, tzinfo=UTC)).nudge
    assert n.rule == "weekday" and n.weekday != "Thursday"


def test_challenge_suggest_on_little_data_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "lib.sqlite"))
    with Library(tmp_path / "lib.sqlite") as lib:
        lib.save_posts(ME, _history()[:9], origin="file")
    code, out = _run("challenge", "set", "--suggest", "--now", "2024-11-20T10:00:00+00:00")
    err = capsys.readouterr().err
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and "too little data to pick a day: 5 posting days" in err


# -- a stale weekly summary --------------------------------------------------------------


def test_a_week_after_the_last_post_says_so_in_every_format() -> None:
    df = frame(
        *(post(f"{date(2024, 12, 2) + timedelta(d)} 10:00", "conversation") for d in range(30))
    )
    now = datetime(2026, 11, 30, 7, tzinfo=UTC)
    ws = build_week(
        df, date(2026, 11, 23), tz="UTC", account="@me", now=now, last_sync="never synced"
    )
    note = "no posts since 2024-12-31 (never synced)"
    assert ws.stale == note and ws.last_post == date(2024, 12, 31)
    assert f"Note: {note}." in weekly_render.render_text(ws).splitlines()[2]
    assert f"> **Note:** {note}." in weekly_render.render_markdown(ws, "c.png")
    assert note in weekly_render.render_html(ws, "cid:c")
    assert note in weekly_render.slack_payload(ws)["text"].splitlines()[1]
    assert note in str(weekly_render.discord_payload(ws)["content"]).splitlines()[1]
    data = week_to_dict(ws)
    assert data["stale"] == note and data["last_post"] == "2024-12-31"
    # A week that holds posts, or is followed by some, is not stale.
    assert build_week(df, date(2024, 12, 23), tz="UTC", now=now).stale is None


def test_weekly_of_a_stale_library_exits_1_with_the_note_on_top(
    library: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run("weekly", "@me", "--now", "2026-11-30T07:00:00+00:00", "--out", "w")
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [  # exit 1 says why, in one line a cron log keeps
        "linkratio: warning: no posts since 2024-12-31 (never synced): run 'linkratio weekly "
        "--sync' or 'linkratio fetch' to bring new posts"
    ]
    md = (Path("w") / "linkratio-2026-W48.md").read_text()
    assert md.splitlines()[2] == "> **Note:** no posts since 2024-12-31 (never synced)."
    assert "week 2026-W48 of @me" in out
