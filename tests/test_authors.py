"""Every post keeps its own author: files with many authors (a twarc2 search export, a
Mastodon hashtag timeline) are split on import and refused as one account elsewhere."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES, SAMPLE

import linkratio
from linkratio.accounts import account_name
from linkratio.authors import authors_of, names, only_author
from linkratio.cli import main
from linkratio.errors import InputError
from linkratio.frame import Library
from linkratio.model import Account
from linkratio.sources import read

SIX_KEYS = ["platform", "id", "created_at", "category", "kind", "reason"]

# -- a twarc2 search export: one JSON response per line, `data` + `includes.users` --------

USERS = {"11": "ana", "22": "ben", "33": "cat"}


def tweet(tid: str, author: str, text: str, **extra: Any) -> dict[str, Any]:
    """A tweet as the v2 search endpoint sends it (tweet.fields author_id, created_at)."""
    body = {
        "id": tid,
        "author_id": author,
        "created_at": f"2024-05-0{tid[-1]}T10:00:00.000Z",
        "text": text,
        "edit_history_tweet_ids": [tid],
        "lang": "en",
    }
    return body | extra


def reply(tid: str, author: str, to_user: str, text: str) -> dict[str, Any]:
    refs = [{"type": "replied_to", "id": "1790000000000000009"}]
    return tweet(tid, author, text, in_reply_to_user_id=to_user, referenced_tweets=refs)


def link(tid: str, author: str) -> dict[str, Any]:
    url = {
        "start": 5,
        "end": 28,
        "url": "https://t.co/abc",
        "expanded_url": "https://example.org/a",
    }
    return tweet(tid, author, "read https://t.co/abc", entities={"urls": [url]})


PAGES = [
    [
        reply("1790000000000000001", "11", "22", "@ben what do you think?"),
        link("1790000000000000002", "11"),
        tweet("1790000000000000003", "22", "a plain thought"),
    ],
    [
        reply("1790000000000000004", "22", "11", "@ana agreed"),
        link("1790000000000000005", "11"),
        tweet("1790000000000000006", "33", "hello all"),
    ],
]
X_COUNTS = {"@ana": 3, "@ben": 2, "@cat": 1}


def page(tweets: list[dict[str, Any]]) -> dict[str, Any]:
    """One twarc2 line: the response with its users expansion and twarc's own metadata."""
    ids = sorted({t["author_id"] for t in tweets})
    users = [{"id": i, "name": USERS[i].title(), "username": USERS[i]} for i in ids]
    meta = {"result_count": len(tweets), "newest_id": tweets[-1]["id"]}
    twarc = {"url": "https://api.twitter.com/2/tweets/search/recent", "version": "2.14.0"}
    return {"data": tweets, "includes": {"users": users}, "meta": meta, "__twarc": twarc}


@pytest.fixture
def search_export(tmp_path: Path) -> Path:
    path = tmp_path / "search.jsonl"
    path.write_text("".join(json.dumps(page(p)) + "\n" for p in PAGES))
    return path


# -- a Mastodon hashtag timeline: statuses by local and remote accounts ---------------


def masto_account(local_id: str, acct: str, url: str) -> dict[str, Any]:
    return {"id": local_id, "username": acct.split("@")[0], "acct": acct, "url": url}


MASTO_ACCOUNTS = [
    masto_account("1", "bo", "https://example.social/@bo"),
    masto_account("2", "dee@other.example", "https://other.example/@dee"),
    # A Pleroma account: the profile URL (the library's key) is not /@user.
    masto_account("3", "eve@pleroma.example", "https://pleroma.example/users/eve"),
]
MASTO_HANDLES = ["bo@example.social", "dee@other.example", "eve@pleroma.example"]
MASTO_COUNTS = {"mastodon:@bo@example.social": 2, "mastodon:@dee@other.example": 1}
MASTO_COUNTS |= {"mastodon:@eve@pleroma.example": 1}


def masto_status(sid: str, who: int, html: str) -> dict[str, Any]:
    """A status shaped like tests/fixtures/mastodon (the fields the reader looks at)."""
    return {
        "id": sid,
        "created_at": f"2025-06-2{sid[-1]}T17:35:19.898Z",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "spoiler_text": "",
        "visibility": "public",
        "uri": f"https://example.social/users/x/statuses/{sid}",
        "url": f"https://example.social/@x/{sid}",
        "content": html,
        "reblog": None,
        "account": MASTO_ACCOUNTS[who],
        "media_attachments": [],
        "mentions": [],
        "tags": [{"name": "rstats"}],
        "card": None,
        "quote": None,
    }


@pytest.fixture
def hashtag_timeline(tmp_path: Path) -> Path:
    href = '<a href="https://example.org/post">https://example.org/post</a>'
    statuses = [
        masto_status("1147395453679527611", 0, "<p>#rstats tip of the day?</p>"),
        masto_status("1147395453679527612", 1, f"<p>new post {href}</p>"),
        masto_status("1147395453679527613", 0, "<p>plain #rstats note</p>"),
        masto_status("1147395453679527614", 2, "<p>hello #rstats</p>"),
    ]
    path = tmp_path / "tag.json"
    path.write_text(json.dumps(statuses))
    return path


FILES = {"x": ("search_export", X_COUNTS), "mastodon": ("hashtag_timeline", MASTO_COUNTS)}


@pytest.fixture(params=sorted(FILES))
def many(request: pytest.FixtureRequest) -> tuple[Path, dict[str, int]]:
    """(a file with posts by several accounts, each account's post count)."""
    fixture, counts = FILES[request.param]
    return request.getfixturevalue(fixture), counts


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


# -- the library: who wrote what ------------------------------------------------------


def test_authors_of_counts_each_author_most_first(many: tuple[Path, dict[str, int]]) -> None:
    path, counts = many
    authors = authors_of(read(path))
    assert {a.name: len(a.posts) for a in authors} == counts
    assert len(authors[0].posts) == max(counts.values())


def test_the_sample_archive_has_one_author_replies_and_retweets_included() -> None:
    timeline = read(SAMPLE)
    (author,) = authors_of(timeline)
    assert author.account == timeline.account
    assert len(author.posts) == len(timeline.posts)


@pytest.mark.parametrize(
    ("account", "name", "expected"),
    [
        (Account("x", "11", "ana"), "@ana", True),
        (Account("x", "11", "ana"), "ANA", True),
        (Account("x", "11", "ana"), "11", True),
        (Account("x", "11", "ana"), "@anakin", False),
        (Account("x", "11", "ana"), "bsky:ana", False),
        (Account("bluesky", "did:plc:a", "ana.bsky.social"), "bsky:ana.bsky.social", True),
        (Account("mastodon", "https://e.s/@bo", "bo@e.s"), "mastodon:@bo@e.s", True),
        (Account("mastodon", "https://e.s/@bo", "bo@e.s"), "@bo@e.s", True),
        (Account("mastodon", "https://e.s/@bo", "bo@e.s"), "@", False),
    ],
)
def test_names(account: Account, name: str, expected: bool) -> None:
    assert names(account, name) is expected


def test_only_author_keeps_their_posts_and_names_the_others(search_export: Path) -> None:
    timeline = read(search_export)
    ben = only_author(timeline, "@ben")
    assert ben.account == Account("x", "22", "ben")
    assert [p.author_id for p in ben.posts] == ["22", "22"]
    with pytest.raises(InputError, match=r"no posts by @dan: .*3 accounts \(@ana 3, @ben 2"):
        only_author(timeline, "@dan")


def test_load_refuses_many_authors_unless_one_is_named(search_export: Path) -> None:
    with pytest.raises(InputError, match="holds posts by 3 accounts"):
        linkratio.load(search_export)
    frame = linkratio.load(search_export, author="ana")
    assert len(frame) == 3
    assert frame.attrs["account"] == "ana"


# -- the commands ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["audit", "report", "classify"])
def test_commands_refuse_a_file_with_many_authors_in_one_line(
    command: str,
    many: tuple[Path, dict[str, int]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, counts = many
    extra = ["--out", str(tmp_path / "rep")] if command == "report" else []
    code, out, err = run([command, str(path), "--quiet", *extra], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    top = ", ".join(f"{name} {n}" for name, n in list(counts.items())[:2])
    assert f"holds posts by {len(counts)} accounts ({top}" in err
    assert "--author NAME" in err and "linkratio cohort build" in err
    assert not (tmp_path / "rep").exists()


def test_weekly_takes_no_file(search_export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # weekly reads a library account only, and an account holds one author by construction.
    code, _, err = run(["weekly", str(search_export), "--db", "/nonexistent/lib.sqlite"], capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err


def test_unknown_author_is_exit_2_naming_the_authors(
    many: tuple[Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, counts = many
    code, _, err = run(["audit", str(path), "--quiet", "--author", "@nobody"], capsys)
    assert code == 2
    assert err.count("\n") == 1
    assert "no posts by @nobody" in err
    assert all(f"{name} {n}" in err for name, n in counts.items())


def test_author_picks_one_and_audit_counts_equal_classify(
    many: tuple[Path, dict[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, counts = many
    for name, n in counts.items():
        code, out, _ = run(["audit", str(path), "-q", "--author", name, "--json"], capsys)
        assert code == 0
        summary = json.loads(out)
        code, listed, _ = run(
            ["classify", str(path), "-q", "--author", name, "--output", "jsonl"], capsys
        )
        assert code == 0
        rows = [json.loads(line) for line in listed.splitlines()]
        assert summary["posts"] == len(rows) == n
        by_category = {c["category"]: c["count"] for c in summary["categories"]}
        assert {k: v for k, v in by_category.items() if v} == Counter(r["category"] for r in rows)


def test_import_files_each_post_under_its_author(
    many: tuple[Path, dict[str, int]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, counts = many
    db = str(tmp_path / "lib.sqlite")
    code, out, _ = run(["import", str(path), "--db", db, "-q"], capsys)
    assert (code, out) == (0, "")
    code, out, _ = run(["import", str(path), "--db", db], capsys)
    total = sum(counts.values())
    assert out.startswith(f"imported {total} posts of {len(counts)} accounts: 0 new, {total} ")
    code, listing, _ = run(["accounts", "--db", db], capsys)
    for name, n in counts.items():
        assert any(line.split()[:2] == [name, str(n)] for line in listing.splitlines())
    with Library.open(db) as lib:
        for account in (Account(r.platform, r.id, r.handle) for r in lib.accounts()):
            posts = lib.posts(account.platform, account.id or "")
            assert {p.author_handle for p in posts} == {account.handle}
            code, out, _ = run(["audit", account_name(account), "--db", db, "--json"], capsys)
            assert code == 0 and json.loads(out)["posts"] == len(posts)


def test_mastodon_accounts_are_keyed_by_their_profile_url(
    hashtag_timeline: Path, tmp_path: Path
) -> None:
    from linkratio.loading import import_source

    done = import_source(hashtag_timeline, db=tmp_path / "lib.sqlite")
    assert [a.handle for a in done.accounts] == ["bo@example.social", *MASTO_HANDLES[1:]]
    assert done.account == done.accounts[0]
    with Library.open(done.library) as lib:
        ids = {r.handle: r.id for r in lib.accounts()}
    assert ids == dict(zip(MASTO_HANDLES, (a["url"] for a in MASTO_ACCOUNTS), strict=True))


@pytest.mark.parametrize(
    ("fixture", "author", "expected"),
    [
        ("search_export", "ana", "@ana"),
        ("hashtag_timeline", "mastodon:@eve@pleroma.example", "mastodon:@eve@pleroma.example"),
        ("sample", None, "@marenbuilds"),
    ],
)
@pytest.mark.parametrize("output", ["jsonl", "csv"])
def test_with_author_adds_the_account_name(
    fixture: str,
    author: str | None,
    expected: str,
    output: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = request.getfixturevalue(fixture)
    pick = ["--author", author] if author else []
    argv = ["classify", str(path), "-q", "--output", output, *pick]
    _, plain, _ = run(argv, capsys)
    code, tagged, _ = run([*argv, "--with-author"], capsys)
    assert code == 0
    if output == "jsonl":
        assert all(list(json.loads(line)) == SIX_KEYS for line in plain.splitlines())
        rows = [json.loads(line) for line in tagged.splitlines()]
        assert all(list(row) == [*SIX_KEYS, "author"] for row in rows)
        assert {row["author"] for row in rows} == {expected}
    else:
        assert next(csv.reader(io.StringIO(plain))) == SIX_KEYS
        header, *rows = csv.reader(io.StringIO(tagged))
        assert header == [*SIX_KEYS, "author"]
        # A cell starting with @ would be a spreadsheet formula: it gets a leading '.
        safe = "'" + expected if expected.startswith("@") else expected
        assert {row[-1] for row in rows} == {safe}


def test_the_sample_archive_still_works_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["import", str(SAMPLE), "--db", str(tmp_path / "l.sqlite")], capsys)
    assert code == 0 and out.startswith("imported 2,390 posts of @marenbuilds: 2,390 new")
    code, out, _ = run(["audit", str(SAMPLE), "-q", "--json"], capsys)
    assert code == 0 and json.loads(out)["posts"] == 2390
    code, picked, _ = run(
        ["audit", str(SAMPLE), "-q", "--json", "--author", "@marenbuilds"], capsys
    )
    assert picked == out


@pytest.mark.parametrize(
    ("path", "owner"),
    [
        (SAMPLE, "@marenbuilds"),  # an X archive: its replies and retweets are the owner's
        (FIXTURES / "bluesky" / "getAuthorFeed.json", "bsky:shinyakato.dev"),  # with reposts
    ],
)
def test_an_account_s_own_feed_has_one_author(path: Path, owner: str) -> None:
    timeline = read(path)
    assert any(p.is_repost for p in timeline.posts)
    assert [a.name for a in authors_of(timeline)] == [owner]


def test_author_on_a_library_account_must_name_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "lib.sqlite")
    assert run(["import", str(SAMPLE), "--db", db, "-q"], capsys)[0] == 0
    base = ["audit", "@marenbuilds", "--db", db, "-q", "--json"]
    code, out, _ = run([*base, "--author", "marenbuilds"], capsys)
    assert code == 0 and json.loads(out)["posts"] == 2390
    code, _, err = run([*base, "--author", "@ana"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "@ana is not the library account @marenbuilds" in err
