"""The fast v2 JSONL reader (`x_json_lean`) gives what `read_v2` gives, or hands over to it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson
import pytest
from helpers import assert_same_posts, labels_listing

from linkratio.errors import InputFormatError
from linkratio.model import Post
from linkratio.sources import read
from linkratio.sources.x_json import read_v2
from linkratio.sources.x_json_lean import LeanTweet

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "x_v2"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "x_v2"
FIELDS = [f.name for f in dataclasses.fields(Post)]


def same_as_general(path: Path, *, lean_used: bool = True) -> None:
    """Both readers give equal posts, field by field, and byte-identical listings."""
    general = read_v2(path)
    lean = read(path, "x-v2", lean=True)
    assert all(isinstance(p, LeanTweet) == lean_used for p in lean.posts)
    assert_same_posts(lean, general, FIELDS)


def _jsonl_files() -> list[Path]:
    found = sorted(FIXTURES.glob("*.jsonl"))
    if CORPUS.exists():
        found += sorted(CORPUS.rglob("*.jsonl"))
    return found


@pytest.mark.parametrize("path", _jsonl_files(), ids=lambda p: p.name)
def test_every_jsonl_file_reads_the_same(path: Path) -> None:
    try:
        general = read_v2(path)
    except InputFormatError:
        return  # refused by the general reader: test_hostile_* cover the message
    lean = read(path, "x-v2", lean=True)
    assert_same_posts(lean, general, FIELDS)


def _page(*tweets: dict[str, object], **rest: object) -> dict[str, object]:
    return {"data": list(tweets), **rest}


ME = {"author_id": "100", "created_at": "2024-05-01T12:00:00.000Z"}
USERS = {"users": [{"id": "100", "username": "me"}, {"id": "200", "username": "ana"}]}
PAGES = [
    _page(
        {"id": "1", "text": "hello &amp; all", **ME, "edit_history_tweet_ids": ["1"]},
        {
            "id": "2",
            "text": "RT @ana: hi",
            **ME,
            "referenced_tweets": [{"type": "retweeted", "id": "9"}],
        },
        {"id": "3", "text": "RT @ana: hi", "author_id": "100"},  # snowflake time, native
        {"id": "4", "text": "RT @ana: hi", **ME, "entities": None},  # present: manual
        {
            "id": "5",
            "text": "@ana yes",
            **ME,
            "in_reply_to_user_id": "200",
            "referenced_tweets": [{"type": "replied_to", "id": "8"}],
        },
        {
            "id": "6",
            "text": "see https://t.co/a",
            **ME,
            "referenced_tweets": [{"type": "quoted", "id": "7"}],
            "entities": {
                "urls": [{"url": "https://t.co/a", "expanded_url": "https://x.com/ana/status/7"}]
            },
        },
        {
            "id": "10",
            "text": "short",
            **ME,
            "note_tweet": {
                "text": "long one? https://t.co/b",
                "entities": {
                    "urls": [{"url": "https://t.co/b", "expanded_url": "https://ex.org/"}],
                    "mentions": [{"username": "bob"}],
                },
            },
        },
        {
            "id": "11",
            "text": "pic https://t.co/c",
            **ME,
            "entities": {
                "urls": [
                    {"url": "https://t.co/c", "expanded_url": "https://x.com/me/status/11/photo/1"}
                ]
            },
        },
        {
            "id": "12",
            "text": "This Post from @ana has been withheld in X.",
            **ME,
            "withheld": {"copyright": False},
        },
        {
            "id": "13",
            "text": "mentions",
            **ME,
            "entities": {
                "mentions": [{"username": "bob"}, {"username": "bob"}, {"username": "cy"}]
            },
        },
        includes={
            **USERS,
            "tweets": [{"id": "9", "author_id": "200"}, {"id": "7", "author_id": "200"}],
        },
        meta={"result_count": 10},
    ),  # fmt: skip
    _page({"id": "14", "text": "edit", **ME, "edit_history_tweet_ids": ["1", "14"]}),
]


def test_every_case_of_the_normalizer_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "pages.jsonl"
    path.write_bytes(b"".join(orjson.dumps(p) + b"\n" for p in PAGES))
    same_as_general(path)


UNUSUAL = {
    "an error page": orjson.dumps({"errors": [{"detail": "gone"}]}),
    "a page of one tweet object": orjson.dumps({"data": {"id": "1", "text": "hi"}}),
    "a number id": orjson.dumps(_page({"id": 1, "text": "hi"})),
    "a number author": orjson.dumps(_page({"id": "1", "text": "hi", "author_id": 100})),
    "a v1.1 status": orjson.dumps(_page({"id": "1", "text": "hi", "user": {}})),
    "an odd time": orjson.dumps(_page({"id": "1", "text": "hi", "created_at": "yesterday"})),
    "includes of a list": orjson.dumps(_page({"id": "1", "text": "hi"}, includes=[])),
    "an infinite number nobody reads": b'{"data":[{"id":"1","text":"hi"}],"meta":{"n":1e999}}',
    "a line that is no JSON": b'{"data": [',
}


@pytest.mark.parametrize("name", UNUSUAL)
def test_anything_unusual_is_read_the_general_way(tmp_path: Path, name: str) -> None:
    good = orjson.dumps(PAGES[1]) + b"\n"
    path = tmp_path / "odd.jsonl"
    path.write_bytes(good + UNUSUAL[name] + b"\n")
    try:
        general = read_v2(path)
    except InputFormatError as err:
        with pytest.raises(InputFormatError) as lean_err:
            read(path, "x-v2", lean=True)
        assert str(lean_err.value) == str(err)
        return
    lean = read(path, "x-v2", lean=True)
    assert not any(isinstance(p, LeanTweet) for p in lean.posts)
    assert labels_listing(lean, "csv") == labels_listing(general, "csv")


def test_a_pretty_printed_response_is_read_the_general_way() -> None:
    same_as_general(FIXTURES / "search_tweets_query.json", lean_used=False)
