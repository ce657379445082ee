"""cohort build: Parquet rows, per-account summary, incremental rebuilds and crash recovery."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest

from linkratio import cohort
from linkratio.accounts import account_name
from linkratio.classify import classify
from linkratio.cohort import builder, manifest
from linkratio.cohort.rows import COLUMNS, row
from linkratio.errors import InputError
from linkratio.model import Account, Link, Post
from linkratio.sources import read

USERS = {
    "1": {"id": "1", "username": "alice", "name": "Alice"},
    "2": {"id": "2", "username": "bob", "name": "Bob"},
    "3": {"id": "3", "username": "carol", "name": "Carol"},
    "4": {"id": "4", "username": "dave", "name": "Dave"},
}


def tweet(tid: str, author: str, text: str, when: str, **extra: Any) -> dict[str, Any]:
    """An X API v2 tweet as twarc2 saves it (with the fields it asks for)."""
    value = {
        "id": tid,
        "author_id": author,
        "text": text,
        "created_at": when,
        "edit_history_tweet_ids": [tid],
        "conversation_id": tid,
        "lang": "en",
    }
    value.update(extra)
    return value


def page(tweets: list[dict[str, Any]], included: list[dict[str, Any]] = ()) -> bytes:
    """One twarc2 JSONL line: a response page with data and includes.users."""
    authors = {t["author_id"] for t in [*tweets, *included]}
    authors |= {t["in_reply_to_user_id"] for t in tweets if "in_reply_to_user_id" in t}
    users = [USERS[a] for a in sorted(authors)]
    doc = {
        "data": tweets,
        "includes": {"users": users, "tweets": list(included)},
        "meta": {"result_count": len(tweets)},
        "__twarc": {"url": "https://api.twitter.com/2/tweets/search/recent", "version": "2.14.0"},
    }
    return orjson.dumps(doc) + b"\n"


def link(url: str) -> dict[str, Any]:
    return {"urls": [{"start": 0, "end": 23, "url": "https://t.co/x", "expanded_url": url}]}


def reply(to_user: str, to_tweet: str) -> dict[str, Any]:
    return {
        "in_reply_to_user_id": to_user,
        "referenced_tweets": [{"type": "replied_to", "id": to_tweet}],
    }


def file_a() -> bytes:
    original = tweet("900", "4", "an included tweet by dave", "2024-05-01T08:00:00.000Z")
    return page(
        [
            tweet("101", "1", "Anyone at PyCon?", "2024-05-02T09:00:00.000Z"),
            tweet("102", "1", "new post https://t.co/x", "2024-05-02T10:00:00.000Z",
                  entities=link("https://blog.example.com/a")),
            tweet("103", "2", "@alice yes!", "2024-05-03T11:00:00.000Z", **reply("1", "101")),
            tweet("104", "2", "RT @dave: an included tweet by dave", "2024-05-03T12:00:00.000Z",
                  referenced_tweets=[{"type": "retweeted", "id": "900"}]),
        ],
        [original],
    ) + page(
        [
            tweet("105", "3", "and a second thought", "2024-06-01T09:00:00.000Z",
                  **reply("3", "106")),
            tweet("106", "3", "plain <script>alert(1)</script>", "2024-06-01T08:00:00.000Z"),
            tweet("107", "3", "read https://t.co/x", "2024-06-02T08:00:00.000Z",
                  entities=link("https://www.bbc.co.uk/news/1")),
        ]
    )  # fmt: skip


def file_b() -> bytes:
    return page(
        [
            tweet("103", "2", "@alice yes!", "2024-05-03T11:00:00.000Z", **reply("1", "101")),
            tweet("201", "2", ".@carol how did it go?", "2024-06-03T09:00:00.000Z"),
            tweet("202", "4", "see https://t.co/x", "2024-06-04T09:00:00.000Z",
                  entities=link("https://news.example.org/z")),
            tweet("203", "4", "quoting", "2024-06-05T09:00:00.000Z",
                  referenced_tweets=[{"type": "quoted", "id": "107"}]),
        ],
        [tweet("107", "3", "read https://t.co/x", "2024-06-02T08:00:00.000Z")],
    )  # fmt: skip


@pytest.fixture
def inputs(tmp_path: Path, sample: Path) -> list[Path]:
    """The sample archive and two multi-author twarc2 files (one post in both)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(file_a())
    (folder / "b.jsonl").write_bytes(file_b())
    return [sample, folder / "a.jsonl", folder / "b.jsonl"]


def expected_counts(paths: list[Path]) -> dict[tuple[str, str], Counter[str]]:
    """Category counts per (platform, account) as linkratio.classify labels each post once."""
    posts = {}
    for path in paths:
        for post in read(path).posts:
            posts.setdefault((post.platform, post.id), post)
    counts: dict[tuple[str, str], Counter[str]] = {}
    for post in posts.values():
        name = account_name(Account(post.platform, post.author_id, post.author_handle))
        counts.setdefault((post.platform, name), Counter())[classify(post).category.value] += 1
    return counts


def rows(out: Path) -> list[tuple[Any, ...]]:
    with cohort.connect(out) as con:
        return con.execute("SELECT * FROM posts ORDER BY platform, id").fetchall()


def raw_rows(out: Path) -> list[tuple[Any, ...]]:
    """Every row of every part file, duplicates included (no view, no dedup)."""
    with cohort.connect(out) as con:
        glob = str(out / "platform=*" / "month=*" / "*.parquet")
        return sorted(con.execute("SELECT * FROM read_parquet(?)", [glob]).fetchall(), key=str)


def test_summary_counts_equal_the_classifier_per_post_author(inputs: list[Path], tmp_path: Path):
    out = tmp_path / "cohort"
    result = cohort.build(inputs, out, workers=2)
    assert result.inputs == 3 and len(result.rebuilt) == 3
    table = cohort.summary(out)
    assert list(table.columns) == list(cohort.SUMMARY_COLUMNS)
    expected = expected_counts(inputs)
    assert len(table) == len(expected)
    assert {"@alice", "@bob", "@carol", "@dave", "@marenbuilds"} <= set(table["account"])
    for record in table.to_dict("records"):
        counts = expected[(record["platform"], record["account"])]
        got = {c: record[c] for c in ("conversation", "link", "retweet", "other")}
        assert got == {c: counts[c] for c in got}, record["account"]
        assert record["posts"] == sum(counts.values())
    bob = table.set_index("account").loc["@bob"]
    assert (bob["posts"], bob["conversation"], bob["retweet"]) == (3, 2, 1)  # 103 counted once
    assert bob["talk_share"] == pytest.approx(2 / 3) and bob["talk_to_link"] == 2.0
    dave = table.set_index("account").loc["@dave"]
    assert dave["top_site"] == "example.org" and dave["talk_to_link"] == 0.0


def test_rows_are_partitioned_by_platform_and_month(inputs: list[Path], tmp_path: Path):
    out = tmp_path / "cohort"
    cohort.build(inputs[1:], out, workers=1)
    parts = sorted(p.relative_to(out).parts[:2] for p in out.rglob("*.parquet"))
    assert ("platform=x", "month=2024-05") in parts and ("platform=x", "month=2024-06") in parts
    by_id = {r[1]: dict(zip(cohort.COLUMNS, r, strict=True)) for r in rows(out)}
    assert len(by_id) == 10  # 11 tweets written, 103 twice
    assert by_id["103"]["reply_to"] == "@alice" and by_id["103"]["account"] == "@bob"
    assert by_id["203"]["quoted_account"] == "@carol" and by_id["203"]["kind"] == "quote"
    assert by_id["107"]["site"] == "bbc.co.uk" and str(by_id["107"]["created_at"].tzinfo) == "UTC"


def test_rebuild_reads_only_the_changed_input(inputs: list[Path], tmp_path: Path):
    out = tmp_path / "cohort"
    cohort.build(inputs, out, workers=1)
    again = cohort.build(inputs, out, workers=1)
    assert again.rebuilt == [] and again.unchanged == 3 and again.tasks == 0
    os.utime(inputs[1])  # touched, same content: hashed, not read
    assert cohort.build(inputs, out, workers=1).rebuilt == []
    with inputs[2].open("ab") as fh:
        fh.write(page([tweet("301", "1", "hello?", "2024-07-01T09:00:00.000Z")]))
    changed = cohort.build(inputs, out, workers=1)
    assert changed.rebuilt == [str(inputs[2])] and changed.posts == 5
    entry = manifest.load(out)[manifest.key_of(str(inputs[2]))]
    assert entry.size == inputs[2].stat().st_size and entry.posts == 5
    assert cohort.summary(out).set_index("account").loc["@alice", "posts"] == 3
    assert cohort.build(inputs[:2], out, workers=1).removed == 1
    assert "301" not in {r[1] for r in rows(out)}


def test_a_crash_before_the_manifest_is_finished_by_the_next_build(
    inputs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    clean, out = tmp_path / "clean", tmp_path / "cohort"
    cohort.build(inputs[1:], out, workers=1)
    inputs[2].write_bytes(file_b() + page([tweet("302", "2", "later?", "2024-08-01T09:00:00Z")]))
    cohort.build(inputs[1:], clean, workers=1)

    saves = []
    save = manifest.save

    def killed(*args: Any, **kwargs: Any) -> None:
        if not saves:  # the save before any part changes (counting the inputs to do)
            saves.append(args)
            return save(*args, **kwargs)
        raise KeyboardInterrupt  # parts renamed into place, manifest never written again

    monkeypatch.setattr(manifest, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        cohort.build(inputs[1:], out, workers=1)
    monkeypatch.undo()
    assert manifest.load(out)[manifest.key_of(str(inputs[2]))].posts == 4  # still the old one
    assert manifest.unfinished(out) == 1  # which readers warn of
    finished = cohort.build(inputs[1:], out, workers=1)
    assert finished.rebuilt == [str(inputs[2])]
    assert raw_rows(out) == raw_rows(clean) and rows(out) == rows(clean)


def test_a_crash_midway_through_renaming_leaves_no_duplicate_or_gap(
    inputs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    clean, out = tmp_path / "clean", tmp_path / "cohort"
    cohort.build(inputs[1:], clean, workers=1)
    renamed = []

    def replace_once(src: str, dst: str) -> None:
        if str(dst).endswith(".parquet"):  # parts only: the manifest's saves go through
            if renamed:
                raise KeyboardInterrupt
            renamed.append(dst)
        os.rename(src, dst)

    monkeypatch.setattr(builder.os, "replace", replace_once)
    with pytest.raises(KeyboardInterrupt):
        cohort.build(inputs[1:], out, workers=1)
    monkeypatch.undo()
    # Half the input: one part renamed; the interrupted build removed the rest (temporary),
    # as a killed build leaves them the orphan below stands for.
    assert Path(renamed[0]).is_file() and not list(out.rglob("*.tmp"))
    orphan = out / "platform=x" / "month=2020-01"
    orphan.mkdir(parents=True)
    (orphan / ".part-0123456789abcdef-00000.1234.tmp").write_bytes(b"PAR1 half-written")
    (orphan / "part-0123456789abcdef-00000.parquet").write_bytes(b"not an input any more")
    cohort.build(inputs[1:], out, workers=1)
    assert not list(out.rglob("*.tmp")) and not list(orphan.iterdir())
    assert raw_rows(out) == raw_rows(clean) and rows(out) == rows(clean)


def test_library_accounts_and_globs_are_inputs(inputs: list[Path], tmp_path: Path, lib):
    timeline = read(inputs[0])
    lib.save_posts(timeline.account, timeline.posts, origin="file")
    out = tmp_path / "cohort"
    cohort.build([str(inputs[1].parent / "*.jsonl"), "@marenbuilds"], out, db=lib.path, workers=2)
    with_file = tmp_path / "with_file"
    cohort.build(inputs, with_file, workers=2)
    assert cohort.summary(out).equals(cohort.summary(with_file))
    assert cohort.build([], out, db=lib.path, all_accounts=True, workers=1).removed == 2
    with pytest.raises(InputError, match="no file matches"):
        cohort.build([str(tmp_path / "none*.jsonl")], out)


def test_a_big_jsonl_file_is_read_in_byte_ranges(
    inputs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    whole, split = tmp_path / "whole", tmp_path / "split"
    cohort.build(inputs[1:], whole, workers=1)
    monkeypatch.setattr(cohort.tasks, "CHUNK_BYTES", 300)
    result = cohort.build(inputs[1:], split, workers=2)
    assert result.tasks > 4
    assert rows(split) == rows(whole)


def test_progress_reports_counts_and_an_eta(inputs: list[Path], tmp_path: Path):
    seen: list[cohort.Progress] = []
    cohort.build(inputs, tmp_path / "cohort", workers=1, progress=seen.append)
    assert seen[0].tasks_done == 0 and seen[0].eta is None
    assert seen[-1].tasks_done == seen[-1].tasks_total == 3
    assert seen[-1].posts > 2390 and seen[-1].eta == 0


def test_a_rows_site_counts_as_links_site_says() -> None:
    def site_of(url: str, platform: str = "x") -> str | None:
        post = Post(platform=platform, id="1", created_at=datetime(2024, 5, 1, tzinfo=UTC),
                    text=f"see {url}", author_id="100", author_handle="me",
                    links=(Link("https://t.co/a", url),) if platform == "x" else ())  # fmt: skip
        return row(post)[COLUMNS.index("site")]

    assert site_of("https://youtu.be/dQw4w9WgXcQ") == "youtube.com"
    assert site_of("https://x.com/i/broadcasts/1ynKOZPzXXXGR") is None  # X's own page
    assert site_of("https://x.com/i/broadcasts/1ynKOZPzXXXGR", "bluesky") == "x.com"
    assert site_of("https://www.bbc.co.uk/news") == "bbc.co.uk"
