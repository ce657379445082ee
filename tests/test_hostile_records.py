"""Hostile records in files (issue 12): wrong JSON types, impossible dates, absurd ids.

Each file holds one good post and one hostile one. Without `--skip-invalid` the command
exits 2 with one line naming the file, the record and what was expected; with it, the
hostile record is skipped with a one-line warning naming it and the good post counts.
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from archives import account_js, write_folder, ytd

from linkratio import cli
from linkratio.sources import read

T0 = "Sat Nov 09 12:14:18 +0000 2024"
GOOD_ID = "1460323737035677699"
BAD_ID = "1460323737035677698"


def archive_tweet(tid: str, **fields: Any) -> dict[str, Any]:
    tweet = {
        "id_str": tid,
        "id": tid,
        "created_at": T0,
        "full_text": "read https://t.co/a",
        "entities": {
            "urls": [{"url": "https://t.co/a", "expanded_url": "https://example.org/a"}],
            "user_mentions": [],
        },
    }
    tweet.update(fields)
    return {"tweet": tweet}


def with_urls(*urls: dict[str, Any]) -> dict[str, Any]:
    return {"entities": {"urls": list(urls), "user_mentions": []}}


ARCHIVE_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "url null": (with_urls({"url": None, "expanded_url": None}), "link 1 is null"),
    "url a list": (with_urls({"url": ["x"], "expanded_url": "https://e.org"}), "link 1 is a list"),
    "reply id an object": (
        {"in_reply_to_status_id_str": {"id": 1}, "in_reply_to_user_id_str": "5"},
        "in_reply_to_status_id is an object",
    ),
    "reply user an object": (
        {"in_reply_to_status_id_str": "7", "in_reply_to_user_id_str": {"id": 1}},
        "in_reply_to_user_id is an object",
    ),
    "reply handle an object": (
        {"in_reply_to_user_id_str": "5", "in_reply_to_screen_name": {"n": "ana"}},
        "in_reply_to_screen_name is an object",
    ),
    "year 1 at +0100": ({"created_at": "Mon Jan 01 00:00:00 +0100 0001"}, "out of range"),
    "year 1 in UTC": ({"created_at": "Mon Jan 01 00:00:00 +0000 0001"}, "out of range"),
    "full_text a list": ({"full_text": ["hi"]}, "full_text is a list, expected a string"),
}


def archive_with(root: Path, hostile: dict[str, Any], account: bytes | None = None) -> Path:
    tweets = [archive_tweet(GOOD_ID), archive_tweet(BAD_ID, **hostile)]
    files = {"data/tweets.js": ytd("tweets", tweets), "data/account.js": account or account_js()}
    return write_folder(root, files)


def refused(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> str:
    """`linkratio audit PATH` must end in exit 2 and one line on stderr."""
    assert cli.main(["audit", str(path), *extra]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


def skipped(caplog: pytest.LogCaptureFixture, path: Path, *extra: str) -> str:
    """`linkratio audit PATH --skip-invalid` must succeed with exactly one warning."""
    with caplog.at_level(logging.WARNING):
        assert cli.main(["audit", str(path), "--skip-invalid", *extra]) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "\n" not in warnings[0], warnings
    return warnings[0]


@pytest.mark.parametrize("case", ARCHIVE_CASES)
def test_a_hostile_archive_record(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    hostile, said = ARCHIVE_CASES[case]
    root = archive_with(tmp_path / "arch", hostile)
    err = refused(capsys, root)
    assert "data/tweets.js: record 2 is not a tweet" in err and said in err
    warning = skipped(caplog, root)
    assert "data/tweets.js: record 2 is not a tweet" in warning and said in warning
    assert [p.id for p in read(root, skip_invalid=True).posts] == [GOOD_ID]


def test_an_account_js_username_that_is_an_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    account = ytd("account", [{"account": {"accountId": "100", "username": {"x": "me"}}}])
    root = archive_with(tmp_path / "arch", {}, account=account)
    err = refused(capsys, root)
    assert "data/account.js: record 1 is not an account (username is an object" in err
    assert "username is an object, expected a string" in skipped(caplog, root)


# --- saved X API v2 JSON and JSONL --------------------------------------------------


def v2_tweet(tid: str, **fields: Any) -> dict[str, Any]:
    tweet = {
        "id": tid,
        "text": "read https://t.co/x",
        "author_id": "9",
        "created_at": "2024-05-01T09:00:00.000Z",
        "entities": {"urls": [{"url": "https://t.co/x", "expanded_url": "https://e.org"}]},
    }
    tweet.update(fields)
    return tweet


def page(bad: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"data": [v2_tweet(GOOD_ID), bad], "meta": {"result_count": 2}, **top}


V2_CASES: dict[str, tuple[dict[str, Any], str, str]] = {
    "entities a string": (
        page(v2_tweet(BAD_ID, entities="x")),
        f"tweet '{BAD_ID}'",
        "entities is a string, expected an object",
    ),
    "urls a string": (
        page(v2_tweet(BAD_ID, entities={"urls": "https://e.org"})),
        f"tweet '{BAD_ID}'",
        "entities.urls is a string, expected a list",
    ),
    "a url entity a string": (
        page(v2_tweet(BAD_ID, entities={"urls": ["https://e.org"]})),
        f"tweet '{BAD_ID}'",
        "entities.urls[0] is a string, expected an object",
    ),
    "mentions items strings": (
        page(v2_tweet(BAD_ID, entities={"mentions": ["ana"]})),
        f"tweet '{BAD_ID}'",
        "entities.mentions[0] is a string",
    ),
    "note_tweet a string": (
        page(v2_tweet(BAD_ID, note_tweet="long text")),
        f"tweet '{BAD_ID}'",
        "note_tweet is a string, expected an object",
    ),
    "year 1": (
        page(v2_tweet(BAD_ID, created_at="0001-01-01T00:00:00+01:00")),
        f"tweet '{BAD_ID}'",
        "out of range",
    ),
    "year 1 UTC": (
        page(v2_tweet(BAD_ID, created_at="0001-01-01T00:00:00Z")),
        f"tweet '{BAD_ID}'",
        "out of range",
    ),
    "40-digit id, no created_at": (
        page({"id": "1" * 40, "text": "hi"}),
        "tweet '" + "1" * 40,
        "too large for an X id",
    ),
    "includes a string": (
        page(v2_tweet(BAD_ID), includes="users"),
        "line 1",
        "includes is a string, expected an object",
    ),
    "includes.users ints": (
        page(v2_tweet(BAD_ID), includes={"users": [7]}),
        "line 1",
        "includes.users[0] is a number, expected an object with a string id",
    ),
    "includes.users object ids": (
        page(v2_tweet(BAD_ID), includes={"users": [{"id": {"n": 9}, "username": "x"}]}),
        "line 1",
        "includes.users[0].id is an object, expected a string",
    ),
}


@pytest.mark.parametrize("jsonl", [False, True], ids=["json", "jsonl"])
@pytest.mark.parametrize("case", V2_CASES)
def test_a_hostile_saved_v2_record(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    case: str,
    jsonl: bool,
) -> None:
    value, record, said = copy.deepcopy(V2_CASES[case])
    path = tmp_path / ("saved.jsonl" if jsonl else "saved.json")
    if jsonl:  # a first line of its own, so the hostile page is line 2
        first = {"data": [v2_tweet("1460323737035677600")], "meta": {"result_count": 1}}
        path.write_text(json.dumps(first) + "\n" + json.dumps(value) + "\n")
        record = record.replace("line 1", "line 2")
    else:
        path.write_text(json.dumps(value))
    err = refused(capsys, path)
    assert str(path) in err and record in err and said in err
    warning = skipped(caplog, path)
    assert record in warning and said in warning
    assert GOOD_ID in {p.id for p in read(path, skip_invalid=True).posts}


# --- saved Bluesky and Mastodon pages -----------------------------------------------


def bsky_item(rkey: str, created: str) -> dict[str, Any]:
    uri = f"at://did:plc:me/app.bsky.feed.post/{rkey}"
    record = {"text": "hi", "createdAt": created}
    author = {"did": "did:plc:me", "handle": "me.bsky.social"}
    return {"post": {"uri": uri, "author": author, "record": record, "indexedAt": created}}


def toot(sid: str, created: str, **fields: Any) -> dict[str, Any]:
    account = {"id": "1", "acct": "me", "url": "https://social.example/@me"}
    status = {
        "id": sid,
        "uri": f"https://social.example/users/me/statuses/{sid}",
        "created_at": created,
        "content": "<p>hi</p>",
        "account": account,
        "in_reply_to_account_id": None,
        "spoiler_text": "",
        "mentions": [],
    }
    status.update(fields)
    return status


SOCIAL_CASES: dict[str, tuple[Any, str, str]] = {
    "bluesky year 1": (
        {
            "feed": [
                bsky_item("3kgood", "2024-05-01T09:00:00Z"),
                bsky_item("3kbad", "0001-01-01T00:00:00+01:00"),
            ]
        },
        "at://did:plc:me/app.bsky.feed.post/3kbad",
        "out of range",
    ),
    "mastodon year 1": (
        [toot("2", "2024-05-01T09:00:00Z"), toot("3", "0001-01-01T00:00:00+01:00")],
        "statuses/3",
        "out of range",
    ),
    "mastodon reply id an object": (
        [toot("2", "2024-05-01T09:00:00Z"), toot("3", "2024-05-01T09:00:00Z", in_reply_to_id={})],
        "statuses/3",
        "reply_to_post_id is an object",
    ),
}


@pytest.mark.parametrize("case", SOCIAL_CASES)
def test_a_hostile_saved_bluesky_or_mastodon_record(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    value, record, said = SOCIAL_CASES[case]
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(value))
    err = refused(capsys, path)
    assert str(path) in err and record in err and said in err
    warning = skipped(caplog, path)
    assert record in warning and said in warning
    assert len(read(path, skip_invalid=True).posts) == 1
