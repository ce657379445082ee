"""Review round 9, real data read as its owner would: the real archives and API responses
in ../shared/corpus (read in place, never copied; skipped when absent) and small crafted
fixtures for the defects found there."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from archives import write_archive
from helpers import CORPUS

import linkratio
from linkratio.cli import main

X_ARCHIVE = CORPUS / "x_archive"
CUT = re.compile(r"https?://[^\s<>\"'\u3000\u2026]+\u2026")


def _archive_tweet(tweet_id: str, text: str, urls: list[dict[str, object]]) -> dict[str, object]:
    return {
        "tweet": {
            "id_str": tweet_id,
            "full_text": text,
            "created_at": "Wed Jan 18 17:00:22 +0000 2017",
            "entities": {"urls": urls, "user_mentions": [], "hashtags": []},
        }
    }


def test_a_url_an_ellipsis_cut_off_is_no_site(tmp_path: Path) -> None:
    """X cuts a native retweet's text at 140 characters with `…`, often inside a link:
    `RT @malyw: … Demo: https://t.co/amCsuOOn3K Decription: https://t.co/b8ZKbsoZ…` (a real
    record of andreruffert's archive). The cut `https://t.co/b8ZKbsoZ` is no link anyone can
    follow: it was a site `t.co` (and `t.c` or `t` when the cut fell earlier), counted in
    the top sites and the short links, and `expand` would ask t.co for it. The whole link
    the entities name stays."""
    text = (
        "RT @malyw: ES6 modules are available in Safari Technology Preview!!\n"
        "Demo: https://t.co/amCsuOOn3K\nDecription: https://t.co/b8ZKbsoZ\u2026"
    )
    entity = {"url": "https://t.co/amCsuOOn3K", "expanded_url": "https://plnkr.co/edit/be0bb3"}
    tweets = [
        _archive_tweet("821764178977456128", text, [entity]),
        _archive_tweet("821764178977456129", "RT @ana: an old read https://t.c\u2026", []),
        _archive_tweet("821764178977456130", "RT @ana: and https://t\u2026", []),
    ]
    df = linkratio.load(write_archive(tmp_path / "a", tweets))
    assert list(df.category) == ["retweet"] * 3  # the label stays what rule 1 says
    assert [list(u) for u in df.urls] == [["https://plnkr.co/edit/be0bb3"], [], []]
    assert [list(d) for d in df.domains] == [["plnkr.co"], [], []]
    summary = linkratio.summarize(df, tz="UTC")
    assert [site.name for site in summary.top_sites] == ["plnkr.co"]


def test_real_archives_count_no_cut_off_url_as_a_link() -> None:
    """andreruffert's archive showed `t.co 13` among its top sites and short links: all 13
    were URLs cut off by the `…` that ends a native retweet's text. smithjd's showed 5."""
    if not X_ARCHIVE.is_dir():
        pytest.skip(f"../shared/corpus not present at {X_ARCHIVE}: real-archive tests need it")
    for name, cut_posts in (("andreruffert", 13), ("smithjd", 5)):
        df = linkratio.load(X_ARCHIVE / name)
        cut = [
            (post_id, url)
            for post_id, text, urls in zip(df.id, df.text, df.urls, strict=True)
            for url in urls
            if url + "\u2026" in text
        ]
        assert cut == [], name
        having = [t for t in df.text if CUT.search(t)]
        assert len(having) >= cut_posts  # the posts are there; only their cut URLs went
        summary = linkratio.summarize(df, tz="Europe/Madrid")
        assert "t.co" not in {site.name for site in summary.top_sites}, name


def test_a_url_cut_off_before_2012_is_no_site(tmp_path: Path) -> None:
    """Before 2012 X cut a native retweet's text at 140 characters with ` ...`: andreruffert's
    `RT @smashingmag: … YepNope.js - http://bit.ly ...` counted a short link to expand
    (`http://bit.ly`, bit.ly's home page) and smithjd's `…Constitution: http://bit ...` a
    site `bit`. A post of one's own ending so keeps its link: only X cuts a retweet."""
    tweets = [
        _archive_tweet(
            "76328691931688961",
            "RT @smashingmag: Modernizr 2: a new version of the open-source JS library, now "
            "with new media query tests and YepNope.js - http://bit.ly ...",
            [],
        ),
        _archive_tweet("76328691931688962", "RT @ana: rewrite it: http://bit ...", []),
        _archive_tweet("76328691931688963", "my notes, more to come: http://example.org/a ...", []),
        _archive_tweet("76328691931688964", "RT @ana: read http://example.org/b first ...", []),
    ]
    df = linkratio.load(write_archive(tmp_path / "a", tweets))
    assert list(df.kind) == ["repost", "repost", "url", "repost"]
    assert [list(d) for d in df.domains] == [[], [], ["example.org"], ["example.org"]]


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


def test_api_data_that_names_no_author_is_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tweepy's recorded home timeline (v2, default fields) carries no `author_id`. `import`
    told its user to "import the whole archive folder or zip" (it is no archive), and
    `audit --author @me` listed its author as "id None"."""
    saved = tmp_path / "home.json"
    tweets = [{"id": f"157846621807531212{n}", "text": f"post {n}"} for n in range(3)]
    saved.write_text(json.dumps({"data": tweets, "meta": {"result_count": 3}}))
    code, _, err = _cli(["import", str(saved), "--db", str(tmp_path / "l.sqlite")], capsys)
    assert code == 2 and err.count("\n") == 1
    assert str(saved) in err and "author_id" in err and "archive" not in err
    code, _, err = _cli(["audit", str(saved), "--author", "@me"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "None" not in err and "holds no posts by @me" in err
    assert "3 posts" in err and "author" in err


def test_the_nudge_does_not_call_a_weekday_the_most_talkative_when_another_talks_more() -> None:
    """alrocar's archive in Asia/Tokyo: "Wednesdays are already your most talkative day
    (53.8% talk, 3 of 4 talk-only …)", while Fridays (5 posting days, enough for a pick) had 62.5%
    talk. The pick is the weekday most often talk-only (`analysis.pick`), so
    that is what the nudge may claim, not the highest talk share."""
    from rows import frame, post

    rows = []
    for k in range(4):  # 4 Wednesdays: one reply each, talk-only; 4 Fridays: 3 replies, a link
        wed = date(2024, 10, 16) + timedelta(weeks=k)
        rows += [post(f"{wed} 10:00", "conversation"), post(f"{wed} 11:00", "other")]
        fri = wed + timedelta(days=2)
        rows += [post(f"{fri} 0{h}:00", "conversation") for h in (7, 8, 9)]
        rows.append(post(f"{fri} 10:00", "link", domains=["a.org"]))
    for k in range(7):  # Mondays with a post of one's own: posting days for the history
        rows.append(post(f"{date(2024, 10, 14) + timedelta(weeks=k)} 10:00", "other"))
    s = linkratio.summarize(frame(*rows), tz="UTC", now=datetime(2024, 12, 2, tzinfo=UTC))
    n = s.nudge
    assert n.rule == "weekday" and n.weekday == "Wednesday"  # 4 of 4 talk-only beats 0 of 4
    text = " ".join(n.text.split())
    assert "4 of 4 talk-only" in text and "50.0% talk" in text
    assert "most talkative" not in text  # Fridays talked more: 75.0%


def test_the_weekly_summary_lists_everyone_talked_with(tmp_path: Path) -> None:
    """shinyakato.dev's Bluesky feed, week 2023-W20 in Asia/Tokyo: replies to 65 people, and
    "People you talked with" listed 10 of them with no word of the other 55. The README:
    "Each list shows at most 200 items, then *and N more* (the files have them all)"."""
    from rows import frame, post

    from linkratio.analysis.weekly import build_week
    from linkratio.render.weekly import render_markdown

    rows = [
        post(f"2026-11-{16 + i % 7} 09:{i:02d}", "conversation", partners=[f"person{i:02d}"])
        for i in range(25)
    ]
    ws = build_week(frame(*rows), date(2026, 11, 16), tz="UTC", account="@me")
    assert len(ws.partners) == 25
    markdown = render_markdown(ws, "w.png")
    assert all(f"@person{i:02d} (1)" in markdown for i in range(25))


def test_weekly_fading_ties_write_long_silences_as_every_other_count() -> None:
    """andreruffert's library, weekly 2026-W49: "@kahliltweets: 10 replies, silent 3574
    days", where the audit, the nudge and the fading-ties chart write "1,495 days"."""
    from rows import frame, post

    from linkratio.analysis.weekly import build_week
    from linkratio.render.weekly import render_text

    rows = [
        post(f"2016-11-0{d} 09:00", "conversation", partners=["kahliltweets"]) for d in (1, 2, 3)
    ]
    rows.append(post("2026-11-17 09:00", "other"))
    ws = build_week(frame(*rows), date(2026, 11, 16), tz="UTC", account="@me")
    (tie,) = ws.fading
    assert tie.days_since > 999
    assert f"@kahliltweets: 3 replies, silent {tie.days_since:,} days" in render_text(ws)


def test_the_classify_table_says_its_times_are_utc(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """shinyakato.dev's getAuthorFeed: `audit --tz Asia/Tokyo` says every post is of
    2023-04-30, and `classify` (no --tz: it writes UTC) listed the first as
    "2023-04-29 22:59" with nothing saying that was not the reader's time."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    feed = {
        "feed": [
            {
                "post": {
                    "uri": "at://did:plc:iijrtk7ocored6zuziwmqq3c/app.bsky.feed.post/3juka7jdyat2j",
                    "cid": "bafyreia",
                    "author": {"did": "did:plc:iijrtk7ocored6zuziwmqq3c", "handle": "a.example"},
                    "record": {
                        "$type": "app.bsky.feed.post",
                        "text": "hello",
                        "createdAt": "2023-04-29T22:59:42.000Z",
                    },
                    "indexedAt": "2023-04-29T22:59:42.100Z",
                }
            }
        ]
    }
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed))
    code, out, _ = _cli(["classify", str(path)], capsys)
    assert code == 0
    assert out.startswith("2023-04-29 22:59 UTC  ")


def test_a_stale_nudge_does_not_say_keep_it_going() -> None:
    """smithjd's archive: "Your last posting day was talk-only (2022-10-19): keep it going.
    Note: your last post was 1,510 days ago" - there is nothing going on to keep."""
    from rows import frame, post

    rows = [post(f"2022-10-{d} 10:00", "conversation", partners=["ana"]) for d in (17, 18, 19)]
    rows.append(post("2022-10-10 10:00", "link", domains=["a.org"]))
    stale = linkratio.summarize(frame(*rows), tz="UTC", now=datetime(2026, 12, 7, tzinfo=UTC))
    text = " ".join(stale.nudge.text.split())
    assert "your last post was 1,510 days ago (2022-10-19)" in text
    assert "keep it going" not in text and "2022-10-19" in text.split("Note:")[0]
    fresh = linkratio.summarize(frame(*rows), tz="UTC", now=datetime(2022, 10, 20, tzinfo=UTC))
    assert "Your last posting day was talk-only (2022-10-19): keep it going." in fresh.nudge.text


def _bridged(status_id: str, content: str, card_url: str) -> dict[str, object]:
    """A status as mastodon.social serves a Bluesky account through the Bridgy Fed bridge."""
    return {
        "id": status_id,
        "uri": f"https://bsky.brid.gy/convert/ap/at://did:plc:judith/app.bsky.feed.post/{status_id}",
        "url": f"https://bsky.app/profile/judithbeyer.bsky.social/post/{status_id}",
        "created_at": f"2025-05-22T10:0{status_id[-1]}:00.000Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "reblog": None,
        "content": content,
        "account": {
            "id": "114234",
            "username": "judithbeyer.bsky.social",
            "acct": "judithbeyer.bsky.social@bsky.brid.gy",
            "url": "https://bsky.brid.gy/r/https://bsky.app/profile/judithbeyer.bsky.social",
        },
        "mentions": [],
        "tags": [{"name": "exstra", "url": "https://mastodon.social/tags/exstra"}],
        "card": {"url": card_url, "title": "Bluesky", "type": "link"},
    }


def test_a_bridged_posts_card_of_its_own_hashtag_is_no_link(tmp_path: Path) -> None:
    """The #IchBinHanna timeline (rtoot's handle_params_max_id): 37 statuses, most from
    Bluesky through Bridgy Fed, carry as preview `card` the page of one of their own
    hashtags or mentions (`https://bsky.app/search?q=%23ExStra`). The anchor was rightly no
    link, its card was: judithbeyer's "#ExStra" was link/url, to a site bsky.app."""
    tag = (
        '<a class="hashtag" href="https://bsky.app/search?q=%23ExStra" rel="nofollow noopener"'
        ' target="_blank">#ExStra</a>'
    )
    who = (
        '<a class="u-url mention" href="https://bsky.app/profile/univie.ac.at" '
        'rel="nofollow noopener" target="_blank">@univie.ac.at</a>'
    )
    statuses = [
        _bridged(
            "3lpf1",
            f"<p>Jene Unis rutschen ab…<br>{tag}</p>",
            "https://bsky.app/search?q=%23ExStra",
        ),
        _bridged(
            "3lpf2", f"<p>Vortrag bei {who} heute</p>", "https://bsky.app/profile/univie.ac.at"
        ),
        _bridged("3lpf3", f"<p>Lesenswert {tag}</p>", "https://example.org/artikel"),
    ]
    path = tmp_path / "tag.json"
    path.write_text(json.dumps(statuses))
    df = linkratio.load(path)
    assert list(df.kind) == ["post", "post", "url"]
    assert [list(d) for d in df.domains] == [[], [], ["example.org"]]


def test_an_empty_period_says_when_the_posts_are(capsys: pytest.CaptureFixture[str]) -> None:
    """andreruffert's archive ends 2022-11-03: `audit --since 2023-01-01` said "no posts
    between 2023-01-01 and the last post", as if the last post came later."""
    from rows import frame, post

    df = frame(post("2010-10-25 10:00", "conversation"), post("2022-11-03 10:00", "link"))
    with pytest.raises(linkratio.EmptyDataError) as caught:
        linkratio.summarize(df, tz="UTC", since="2023-01-01")
    assert str(caught.value).startswith("no posts between 2023-01-01 and the last post")
    assert "the posts run from 2010-10-25 to 2022-11-03" in str(caught.value)
