from __future__ import annotations

import json
import unicodedata

from rows import frame, post

from linkratio.analysis import person_name, summarize, summary_to_dict
from linkratio.render.sections import person
from linkratio.render.text import (
    BAR_WIDTH,
    render_json,
    render_text,
    talk_only_facts,
    terminal_safe,
)


def sample_summary():
    """3 talk, 3 link, 1 retweet, 1 other posts over one week: talk share 37.5%, ratio 0.75."""
    df = frame(
        post("2024-12-02 09:00", "conversation", partners=("Ana",)),
        post("2024-12-02 10:00", "conversation", partners=("ana",)),
        post("2024-12-03 09:00", "conversation", partners=("jürgen",)),
        post("2024-12-04 09:00", "link", domains=("example.com",)),
        post("2024-12-04 10:00", "link", domains=("example.com",)),
        post("2024-12-05 09:00", "link", domains=("docs.org",)),
        post("2024-12-05 10:00", "retweet"),
        post("2024-12-06 09:00", "other"),
    )
    return summarize(df, tz="UTC", account="me")


def test_text_report_has_all_sections_in_order():
    text = render_text(sample_summary())
    titles = [
        "Posts",
        "Categories",
        "Talking vs linking",
        "Talk-only days",
        "Last week",
        "Top sites",
        "People you talk with",
        "Nudge",
    ]
    positions = [text.index(f"\n{t}\n") for t in titles]
    assert positions == sorted(positions)
    assert text.startswith("linkratio: @me, 2024-12-02 to 2024-12-06 (UTC)")


def test_text_report_numbers():
    text = render_text(sample_summary())
    lines = text.splitlines()
    assert any(line.split()[:3] == ["conversation", "3", "37.5%"] for line in lines)
    assert any(line.split()[:3] == ["retweet", "1", "12.5%"] for line in lines)
    assert "(reply 3)" in text
    assert any(line.split() == ["talk", "share", "37.5%"] for line in lines)
    assert any(line.split() == ["talk-to-link", "0.75"] for line in lines)
    assert any(line.split()[:2] == ["@Ana", "2"] for line in lines)
    assert any(line.split()[:2] == ["example.com", "2"] for line in lines)
    assert "2 of 5 posting days (40.0%)" in text
    assert "2 days (2024-12-02 to 2024-12-03)" in text


def test_text_report_says_no_links():
    s = summarize(frame(post("2024-12-02 09:00", "conversation")), tz="UTC")
    text = render_text(s)
    assert any(line.split() == ["talk-to-link", "no", "links"] for line in text.splitlines())
    assert "no links to other sites" in text


def test_weekly_rows_have_bars_scaled_to_talk_share():
    df = frame(post("2024-09-16 09:00", "link"), post("2024-12-02 09:00", "conversation"))
    rows = [line for line in render_text(summarize(df, tz="UTC")).splitlines()]
    rows = [line for line in rows if line.startswith("  20")]
    assert len(rows) == 12
    assert rows[-1].startswith("  2024-W49 (1 of 7 days)  2024-12-02")
    assert rows[-1].endswith("100.0%  " + "█" * BAR_WIDTH)
    assert rows[0].split() == ["2024-W38", "2024-09-16", "1", "0.0%"]
    assert rows[1].split() == ["2024-W39", "2024-09-23", "0", "—"]


def test_half_share_bar_is_half_width():
    s = summarize(
        frame(post("2024-12-02 09:00", "conversation"), post("2024-12-02 10:00", "link")), tz="UTC"
    )
    last = render_text(s).splitlines()
    week = next(line for line in last if line.startswith("  2024-W49"))
    assert week.endswith("50.0%  " + "█" * (BAR_WIDTH // 2))


def test_post_data_cannot_emit_escape_sequences():
    me = "me\x1b[2J"
    df = frame(
        post("2024-12-02 09:00", "conversation", partners=("evil\x1b[31m",), author=me),
        post("2024-12-02 10:00", "conversation", partners=("osc\x1b]0;pwned\x07x",), author=me),
        post("2024-12-03 09:00", "link", domains=("bad\x9b2Jsite.com", "rtl\u202eexe.com")),
        post("2024-12-03 10:00", "link", domains=("bell\x07\r\nfake.com",), author=me),
    )
    text = render_text(summarize(df, tz="UTC"))
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "\u202e" not in text and "\r" not in text
    bad = [ch for ch in text if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf")]
    assert bad == []
    assert "@evil" in text
    assert "@oscx" in text
    assert "badsite.com" in text and "rtl\ufffdexe.com" in text
    assert text.startswith("linkratio: @me, ")


def test_terminal_safe():
    assert terminal_safe("plain @ana — ok ✓") == "plain @ana — ok ✓"
    assert terminal_safe("red\x1b[1;31mtext\x1b[0m") == "redtext"
    assert terminal_safe("title\x1b]0;hi\x07!") == "title!"
    assert terminal_safe("a\x00b\tc") == "a\ufffdb\ufffdc"
    assert terminal_safe("x\u202ey") == "x\ufffdy"
    assert terminal_safe("lone\x1b") == "lone"


def test_render_json_round_trips():
    s = sample_summary()
    out = render_json(s)
    data = json.loads(out)
    assert data == summary_to_dict(s)
    assert data["talk_share"] == 0.375
    assert data["period_end"] == "2024-12-06"
    assert data["nudge"]["day"] is None  # too little data to pick a day
    assert "jürgen" in out  # ensure_ascii=False
    assert out.startswith('{\n  "account": "me"')


def test_render_json_escapes_control_characters():
    df = frame(post("2024-12-02 09:00", "conversation", partners=("evil\x1b[31m",)))
    out = render_json(summarize(df, tz="UTC"))
    assert "\x1b" not in out
    assert json.loads(out)["partners"][0]["name"] == "evil\x1b[31m"


def test_a_one_day_streak_names_one_day_and_a_last_day_no_zero_gap():
    s = summarize(frame(post("2022-10-19 09:00", "conversation", partners=("ana",))), tz="UTC")
    facts = dict(talk_only_facts(s))
    assert facts["current streak"] == "1 day (2022-10-19)"
    assert facts["longest streak"] == "1 day (2022-10-19)"
    assert facts["last talk-only day"] == "2022-10-19"
    assert "0 days before" not in render_text(s)
    two = summarize(
        frame(post("2022-10-18 09:00", "conversation"), post("2022-10-19 09:00", "conversation")),
        tz="UTC",
    )
    assert dict(talk_only_facts(two))["current streak"] == "2 days (2022-10-18 to 2022-10-19)"


def test_accounts_and_partners_are_named_one_way_everywhere():
    df = frame(
        *(
            post(f"2024-12-0{d} 09:00", "conversation", partners=("id:253312338",))
            for d in (2, 3, 4)
        )
    )
    df["platform"] = "bluesky"
    s = summarize(df, tz="UTC", account="shinyakato.dev")
    assert s.account == "shinyakato.dev" and s.account_name == "bsky:shinyakato.dev"
    text = render_text(s)
    assert text.startswith("linkratio: bsky:shinyakato.dev, ")
    assert "\n  account id 253312338 " in text
    assert person_name("id:253312338") == "account id 253312338" == person(s.partners[0])
    assert person_name("ana") == "@ana"
    from linkratio import charts

    fig = charts.partners_chart(df)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["account id 253312338"]
    x = summarize(df.assign(platform="x"), tz="UTC", account="me")
    assert x.account_name == "@me"
