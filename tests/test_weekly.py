"""The week maths and the weekly summary: ISO weeks in the user's zone, comparisons, renderings."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from matplotlib.figure import Figure
from rows import frame, post

from linkratio.analysis.weekly import (
    build_week,
    last_complete_week,
    parse_week,
    week_label,
    week_span,
    week_to_dict,
)
from linkratio.charts import talk_share_chart
from linkratio.errors import EmptyDataError, InputError
from linkratio.render.weekly import (
    DISCORD_LIMIT,
    comparison,
    discord_payload,
    json_payload,
    render_html,
    render_markdown,
    render_text,
    slack_payload,
    subject,
    write_files,
)

BERLIN = "Europe/Berlin"


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


# -- weeks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("2026-W47", date(2026, 11, 16)),
        ("2026-W53", date(2026, 12, 28)),
        ("2024-W01", date(2024, 1, 1)),
        ("2020-W53", date(2020, 12, 28)),
        ("2027-W01", date(2027, 1, 4)),
        ("2026w5", date(2026, 1, 26)),
    ],
)
def test_parse_week(text: str, monday: date) -> None:
    assert parse_week(text) == monday
    assert week_label(monday) == f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"


@pytest.mark.parametrize("text", ["2025-W53", "2026-W00", "2026-47", "last week", "2026-W54"])
def test_parse_week_refuses_what_is_no_iso_week(text: str) -> None:
    with pytest.raises(InputError, match="invalid week"):
        parse_week(text)


def test_iso_week_53_and_week_1_labels() -> None:
    assert week_label(date(2026, 12, 28)) == "2026-W53"
    assert week_label(date(2027, 1, 4)) == "2027-W01"
    # 2024-W01 starts on 2024-01-01; 2019-12-30 is the Monday of 2020-W01.
    assert week_label(date(2024, 1, 1)) == "2024-W01"
    assert week_label(date(2019, 12, 30)) == "2020-W01"


def test_last_complete_week_is_decided_in_the_users_zone() -> None:
    # Sunday 23:30 UTC is already Monday 00:30 in Berlin: the week just ended there.
    now = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert last_complete_week(now, _zone(BERLIN)) == date(2026, 11, 16)
    assert last_complete_week(now, _zone("UTC")) == date(2026, 11, 9)
    # On a Monday morning the last complete week is the one that ended yesterday.
    assert last_complete_week(datetime(2026, 11, 23, 7, tzinfo=UTC), _zone(BERLIN)) == date(
        2026, 11, 16
    )


def test_last_complete_week_across_the_year_end() -> None:
    monday = last_complete_week(datetime(2027, 1, 4, 8, tzinfo=UTC), _zone(BERLIN))
    assert (monday, week_label(monday)) == (date(2026, 12, 28), "2026-W53")
    monday = last_complete_week(datetime(2024, 1, 8, 8, tzinfo=UTC), _zone(BERLIN))
    assert (monday, week_label(monday)) == (date(2024, 1, 1), "2024-W01")
    monday = last_complete_week(datetime(2021, 1, 5, 8, tzinfo=UTC), _zone("UTC"))
    assert (monday, week_label(monday)) == (date(2020, 12, 28), "2020-W53")


def test_week_span_across_the_dst_change_has_169_hours() -> None:
    # Berlin leaves summer time on Sunday 2026-10-25: that week is an hour longer.
    start, end = week_span(date(2026, 10, 19), _zone(BERLIN))
    assert start == datetime(2026, 10, 18, 22, tzinfo=UTC)
    assert end == datetime(2026, 10, 25, 23, tzinfo=UTC)
    assert (end - start).total_seconds() == 169 * 3600


def test_posts_fall_into_local_weeks_across_the_dst_change() -> None:
    df = frame(
        post("2026-10-18 21:30", "link", domains=["a.org"]),  # Sun 23:30 CEST: week 42
        post("2026-10-18 22:30", "conversation", partners=["ana"]),  # Mon 00:30 CEST: week 43
        post("2026-10-25 22:30", "conversation", partners=["bo"]),  # Sun 23:30 CET: week 43
        post("2026-10-25 23:30", "link", domains=["b.org"]),  # Mon 00:30 CET: week 44
    )
    ws = build_week(df, date(2026, 10, 19), tz=BERLIN, account="@me")
    assert ws.week == "2026-W43"
    assert (ws.this.posts, ws.this.conversation, ws.this.talk_share) == (2, 2, 1.0)
    assert ws.this.talk_only_days == 2 and ws.this.posting_days == 2
    assert ws.previous.posts == 1 and ws.previous.week == "2026-W42"
    # In UTC the same posts split differently: the zone decides.
    utc = build_week(df, date(2026, 10, 19), tz="UTC", account="@me")
    assert utc.this.posts == 2 and utc.this.conversation == 1


def test_a_week_across_the_year_end_holds_both_years() -> None:
    df = frame(
        post("2026-12-31 10:00", "conversation", partners=["ana"]),
        post("2027-01-02 10:00", "conversation", partners=["bo"]),
        post("2027-01-04 10:00", "link", domains=["x.org"]),  # 2027-W01
    )
    ws = build_week(df, parse_week("2026-W53"), tz=BERLIN, account="@me")
    assert (ws.start, ws.end) == (date(2026, 12, 28), date(2027, 1, 3))
    assert ws.this.posts == 2 and ws.this.streak == 2
    assert [w.week for w in ws.history][-2:] == ["2026-W52", "2026-W53"]


# -- the comparison ----------------------------------------------------------------------


def _history_frame():
    rows = [
        # this week (2026-W47, Mon 2026-11-16): talk Mon+Tue, link Wed, other Thu
        post("2026-11-16 09:00", "conversation", partners=["ana"]),
        post("2026-11-17 09:00", "conversation", partners=["Ana"], kind="mention"),
        post("2026-11-18 09:00", "link", domains=["new.example"]),
        post("2026-11-18 10:00", "link", domains=["Old.example"]),
        post("2026-11-19 09:00", "other"),
        # the week before: two links
        post("2026-11-10 09:00", "link", domains=["old.example"]),
        post("2026-11-11 09:00", "retweet"),
        # eight weeks before that hold 8 posts in all, 4 talking
        *[post(f"2026-{m}-{d} 09:00", "conversation", partners=["cy"]) for m, d in [
            ("09", "22"), ("09", "29"), ("10", "06"), ("10", "13")]],
        *[post(f"2026-{m}-{d} 09:00", "link", domains=["old.example"]) for m, d in [
            ("09", "23"), ("09", "30"), ("10", "07"), ("10", "14")]],
    ]  # fmt: skip
    # A tie that faded: four replies in the spring, none in the 60 days before the week's end.
    rows += [post(f"2026-04-0{d} 09:00", "conversation", partners=["faded"]) for d in (1, 2, 3, 4)]
    return frame(*rows)


def test_week_compared_with_the_week_before_and_the_8_weeks_before() -> None:
    now = datetime(2026, 11, 23, 7, tzinfo=UTC)  # the Monday run
    ws = build_week(_history_frame(), date(2026, 11, 16), tz="UTC", account="@me", now=now)
    assert ws.this.posts == 5 and ws.this.talk_share == pytest.approx(0.4)
    assert ws.this.talk_to_link == pytest.approx(1.0)
    assert (ws.this.talk_only_days, ws.this.streak) == (2, 2)
    assert ws.previous.posts == 2 and ws.previous.talk_share == 0.0
    assert ws.previous.talk_to_link == 0.0
    base = ws.baseline
    assert base.weeks == 8
    assert base.posts == pytest.approx((2 + 2 + 2 + 2 + 2) / 8)  # W39..W42 2 each, W46 2
    # Talk share is the mean over the weeks that had posts: 0.5 x4 and 0.0 once.
    assert base.talk_share == pytest.approx(2.0 / 5)
    assert base.talk_only_days == pytest.approx(4 / 8)
    assert len(ws.history) == 12 and ws.history[-1] == ws.this
    assert ws.new_sites == ("new.example",)
    # "ana" and "Ana" are one person.
    assert [(p.name.lower(), p.count) for p in ws.partners] == [("ana", 2)]
    assert [(f.account, f.replies_before) for f in ws.fading] == [("faded", 4)]
    # 12 posting days in the 8 weeks to 2026-11-19: too few to pick a weekday.
    pick = ws.next_challenge
    assert pick is not None and pick.day is None
    assert ws.nudge.startswith("2 talk-only days this week. Too little data to pick a day: 12")


def test_comparison_rows_and_subject_show_the_change() -> None:
    ws = build_week(_history_frame(), date(2026, 11, 16), tz="UTC", account="@me")
    rows = {row[0]: row[1:] for row in comparison(ws)}
    assert rows["posts"] == ("5 (+3)", "2", "1.2")
    assert rows["talk share"] == ("40.0% (+40 pts)", "0.0%", "40.0%")
    # The mean of 1.0 in each of the four weeks with talk and links, and 0.0 the week before.
    assert rows["talk-to-link"] == ("1.00", "0.00", "0.80")
    assert subject(ws) == "linkratio: week 2026-W47 for @me — talk share 40% (+40 pts)"


def test_an_empty_week_still_makes_a_summary() -> None:
    df = frame(post("2026-11-02 09:00", "conversation", partners=["ana"]))
    ws = build_week(df, date(2026, 11, 16), tz="UTC", account="@me")
    assert ws.this.posts == 0 and ws.this.talk_share is None
    assert subject(ws) == "linkratio: week 2026-W47 for @me — no posts"
    assert "no posts" in render_text(ws)


def test_no_posts_at_all_is_an_error() -> None:
    with pytest.raises(EmptyDataError):
        build_week(frame(), date(2026, 11, 16), tz="UTC", account="@me")


def test_challenge_days_of_the_week_are_reported() -> None:
    now = datetime(2026, 11, 23, 7, tzinfo=UTC)
    ws = build_week(
        _history_frame(),
        date(2026, 11, 16),
        tz="UTC",
        account="@me",
        challenge_days=[date(2026, 11, 17), date(2026, 11, 18), date(2026, 11, 22)],
        now=now,
    )
    assert [(c.day.day, c.status) for c in ws.challenges] == [
        (17, "talk-only"),
        (18, "broken"),
        (22, "no posts"),
    ]
    assert len(ws.challenges[1].breakers) == 2
    text = render_text(ws)
    assert "2026-11-18 (Wednesday): broken by 2 posts" in text
    assert "2026-11-17 (Tuesday): talk-only" in text


def test_challenge_days_are_judged_in_their_own_zone() -> None:
    df = frame(
        post("2026-11-17 10:00", "conversation", partners=["ana"]),  # Los Angeles: 02:00
        post("2026-11-18 03:00", "link", domains=["x.example"]),  # Los Angeles: the 17th
    )
    now = datetime(2026, 11, 23, 7, tzinfo=UTC)
    in_utc = build_week(
        df, date(2026, 11, 16), tz="UTC", challenge_days=[date(2026, 11, 17)], now=now
    )
    assert in_utc.challenges[0].status == "talk-only"
    set_in_la = [(date(2026, 11, 17), "America/Los_Angeles")]
    ws = build_week(df, date(2026, 11, 16), tz="UTC", challenge_days=set_in_la, now=now)
    assert ws.challenges[0].status == "broken" and len(ws.challenges[0].breakers) == 1


def test_the_mean_covers_only_weeks_since_the_first_post() -> None:
    df = frame(
        post("2026-11-10 09:00", "conversation", partners=["ana"]),  # the week before
        post("2026-11-11 09:00", "link", domains=["a.example"]),
        post("2026-11-17 09:00", "conversation", partners=["ana"]),
    )
    ws = build_week(df, date(2026, 11, 16), tz="UTC", now=datetime(2026, 11, 23, tzinfo=UTC))
    assert ws.baseline.weeks == 1 and ws.baseline.posts == 2.0
    rows = {row[0]: row[1:] for row in comparison(ws)}
    assert rows["posts"] == ("1 (-1)", "2", "2.0")
    assert "1-week mean" in render_text(ws) and "| 1-week mean |" in render_markdown(ws, "c")
    # A first week has nothing before it to average.
    first = build_week(df, date(2026, 11, 9), tz="UTC", now=datetime(2026, 11, 16, tzinfo=UTC))
    assert first.baseline.weeks == 0
    assert {row[0]: row[3] for row in comparison(first)}["posts"] == "–"
    assert "mean (no earlier weeks)" in render_text(first)


def _tuesday_talker():
    """Nine weeks to 2026-11-22: talk-only Tuesdays, Thursdays with a link as well."""
    rows = []
    for k in range(9):
        tuesday = date(2026, 9, 22) + timedelta(weeks=k)
        thursday = tuesday + timedelta(days=2)
        rows += [post(f"{tuesday} 09:00", "conversation", partners=["ana"])]
        rows += [post(f"{thursday} 09:00", "conversation", partners=["bo"])]
        rows += [post(f"{thursday} 10:00", "link", domains=["a.example"])]
    return frame(*rows)


def test_an_old_week_names_the_next_day_after_today_in_the_nudge_and_the_challenge() -> None:
    now = datetime(2027, 3, 1, tzinfo=UTC)  # a Monday, long after the week
    ws = build_week(_tuesday_talker(), date(2026, 11, 16), tz="UTC", now=now)
    pick = ws.next_challenge
    assert pick is not None and (pick.day, pick.weekday) == (date(2027, 3, 2), "Tuesday")
    assert f"Make {pick.weekday}, {pick.day}, a day of only talking." in ws.nudge
    text = render_text(ws)
    assert f"{pick.day} ({pick.weekday})" in text and f"{pick.weekday}, {pick.day}" in text
    assert "your last post was 102 days ago (2026-11-19)" in text


def test_the_posts_that_broke_a_challenge_are_in_every_format() -> None:
    df = frame(
        post("2026-11-18 09:00", "conversation", partners=["ana"]),
        post("2026-11-18 10:30", "link", domains=["x.example"], text="read *this* <now>"),
    )
    now = datetime(2026, 11, 23, 7, tzinfo=UTC)
    ws = build_week(df, date(2026, 11, 16), tz=BERLIN, challenge_days=[date(2026, 11, 18)], now=now)
    assert "2026-11-18 11:30 url: read *this* <now>" in render_text(ws)
    md = render_markdown(ws, "c.png")
    assert "## What broke them" in md and r"read \*this\* \<now\>" in md
    assert "read *this* &lt;now&gt;" in render_html(ws, "cid:x")
    assert "What broke them" in slack_payload(ws)["text"]


def test_markdown_leaves_parentheses_plain_but_no_link_can_form() -> None:
    df = frame(
        post("2026-11-16 09:00", "conversation", partners=["ana"]),
        post("2026-11-17 09:00", "link", domains=["a.example"], text="[x](https://evil) \\(y)"),
    )
    now = datetime(2026, 11, 23, 7, tzinfo=UTC)
    ws = build_week(df, date(2026, 11, 16), tz="UTC", challenge_days=[date(2026, 11, 17)], now=now)
    md = render_markdown(ws, "c.png")
    assert "## Challenge days this week\n\n- 2026-11-17 (Tuesday): broken by 1 post" in md
    assert "2026-11-22 (UTC)" in md
    # The brackets stay escaped (no link can form); the backslash before "(" stays one.
    assert r"\[x\](https\://evil) \\(y)" in md


def test_stale_data_is_said_everywhere() -> None:
    ws = build_week(
        _history_frame(), date(2026, 11, 16), tz="UTC", account="@me", stale="data may be stale"
    )
    assert "data may be stale" in render_text(ws)
    assert "data may be stale" in render_markdown(ws, "c.png")
    assert "data may be stale" in render_html(ws, "cid:x")
    assert "data may be stale" in slack_payload(ws)["text"]
    assert json_payload(ws)["stale"] == "data may be stale"


# -- escaping and formats ----------------------------------------------------------------


def _hostile():
    return frame(
        post("2026-11-16 09:00", "conversation", partners=["<script>x</script>"]),
        post("2026-11-17 09:00", "link", domains=["*evil*.example"]),
        post("2026-11-18 09:00", "conversation", partners=["@everyone"]),
    )


def test_post_derived_names_are_escaped_in_every_format() -> None:
    ws = build_week(_hostile(), date(2026, 11, 16), tz="UTC", account="@me<b>")
    page = render_html(ws, "cid:chart@x")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>" not in page
    assert "content=\"default-src 'none'" in page
    md = render_markdown(ws, "c.png")
    assert "<script>" not in md and r"\<script\>" in md
    assert r"\*evil\*" in md
    slack = slack_payload(ws)["text"]
    assert "<script>" not in slack and "&lt;script&gt;" in slack
    discord = discord_payload(ws)
    assert discord["allowed_mentions"] == {"parse": []}
    assert r"\*evil\*" in discord["content"]
    text = render_text(ws)
    assert "\x1b" not in text


def test_discord_content_is_cut_to_its_limit() -> None:
    rows = [
        post(f"2026-11-{16 + i % 7} 09:00", "conversation", partners=[f"person{i:03d}" * 4])
        for i in range(200)
    ]
    rows += [post("2026-11-17 10:00", "link", domains=[f"site{i}.example"]) for i in range(300)]
    ws = build_week(frame(*rows), date(2026, 11, 16), tz="UTC", account="@me")
    content = discord_payload(ws)["content"]
    # Lists shortened until it fits, rather than cut: the nudge at the end stays.
    assert len(content) <= DISCORD_LIMIT and "Nudge:" in content
    assert "site0.example" in content and "more" in content


def test_json_payload_is_the_whole_summary() -> None:
    ws = build_week(
        _history_frame(),
        date(2026, 11, 16),
        tz="UTC",
        account="@me",
        challenge_days=[date(2026, 11, 18)],
    )
    data = json.loads(json.dumps(json_payload(ws)))
    breaker = data["challenges"][0]["breakers"][0]
    assert breaker == {
        "created_at": "2026-11-18T09:00:00+00:00",
        "category": "link",
        "kind": "url",
        "text": "link post",
    }
    assert data == week_to_dict(ws)
    assert data["week"] == "2026-W47" and data["this"]["posts"] == 5
    assert data["baseline"]["weeks"] == 8 and len(data["history"]) == 12


def test_chart_has_a_bar_per_week() -> None:
    ws = build_week(_history_frame(), date(2026, 11, 16), tz="UTC", account="@me")
    fig = talk_share_chart(ws)
    assert isinstance(fig, Figure)
    bars = fig.axes[0].patches
    assert len(bars) == 12
    assert bars[-1].get_height() == pytest.approx(40.0)
    (mean,) = fig.axes[0].get_lines()
    assert mean.get_ydata()[0] == pytest.approx(ws.baseline.talk_share * 100)


def test_write_files(tmp_path) -> None:
    ws = build_week(_history_frame(), date(2026, 11, 16), tz="UTC", account="@me")
    files = write_files(ws, tmp_path / "out")
    assert [p.name for p in (files.markdown, files.html, files.chart)] == [
        "linkratio-2026-W47.md",
        "linkratio-2026-W47.html",
        "linkratio-2026-W47.png",
    ]
    assert files.chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" == files.png[:8]
    assert "(<linkratio-2026-W47.png>)" in files.markdown.read_text()
    page = files.html.read_text()
    assert 'src="data:image/png;base64,' in page and "http://" not in page


def test_a_week_that_does_not_fit_leaves_the_weeks_earlier_files_as_they_were(tmp_path) -> None:
    # The three files were renamed into place one by one: on a full disk the new chart and
    # page replaced the old ones, then the HTML (which embeds the chart) failed.
    import os

    from helpers import small_tmpfs

    from linkratio.errors import DiskError

    old = build_week(_history_frame(), date(2026, 11, 16), tz="UTC", account="@old")
    new = build_week(_history_frame(), date(2026, 11, 16), tz="UTC", account="@new")
    probe = write_files(new, tmp_path / "probe")
    with small_tmpfs(tmp_path / "disk", "2m") as disk:
        write_files(old, disk / "out")
        before = {p.name: p.read_bytes() for p in (disk / "out").iterdir()}
        room = len(probe.png) + probe.markdown.stat().st_size + 8 * 1024
        assert room < probe.html.stat().st_size  # the chart and the text fit, the page not
        st = os.statvfs(disk)
        (disk / "filler").write_bytes(b"\0" * (st.f_bavail * st.f_frsize - room))
        with pytest.raises(DiskError, match="could not be written"):
            write_files(new, disk / "out")
        assert {p.name: p.read_bytes() for p in (disk / "out").iterdir()} == before


def test_the_chart_is_drawn_at_twice_the_size_the_page_shows_it(tmp_path) -> None:
    ws = build_week(_history_frame(), date(2026, 11, 16), tz="UTC", account="@me")
    files = write_files(ws, tmp_path / "out")
    # The PNG's own size, from its IHDR chunk.
    width, height = (int.from_bytes(files.png[i : i + 4], "big") for i in (16, 20))
    page = files.html.read_text()
    found = re.search(r'<img src="data:image/png[^"]*" width="(\d+)" height="(\d+)"', page)
    assert found is not None
    assert (width, height) == (2 * int(found.group(1)), 2 * int(found.group(2))) == (1280, 520)
