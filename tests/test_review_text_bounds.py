"""Hostile posts that must be labelled in bounded time, with the labels of ordinary posts kept."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from archives import account_js, write_folder, ytd
from helpers import ROOT

from linkratio.classify import _strip_urls, question_mark
from linkratio.links import bare_urls
from linkratio.model import Link
from linkratio.sources.x_archive.notes import Note, Second

WHEN = "Sat Nov 09 12:14:18 +0000 2024"


def _old_strip_urls(text: str, links: list[Link]) -> str:
    """Rule 6's URL stripping as it was: every link's URL, then every bare URL left."""
    for link in links:
        text = text.replace(link.url, " ")
    for url in bare_urls(text):
        text = text.replace(url, " ")
    return text


def _classify(folder: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "linkratio", "classify", str(folder), "--quiet"]
    argv += ["--output", "jsonl"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT)


def _archive(folder: Path, tweet: dict[str, Any]) -> Path:
    files = {"data/tweets.js": ytd("tweets", [{"tweet": tweet}]), "data/account.js": account_js()}
    return write_folder(folder, files)


def test_a_question_with_many_photos_in_megabytes_of_text_is_labelled_in_bounded_time(
    tmp_path: Path,
) -> None:
    # Each photo's URL was looked for in the whole text: 50,000 photos (listed in `media`
    # and `extended_entities`) over 10 MB took minutes. 120 s is a watchdog, not a measurement.
    media = [
        {"url": f"https://t.co/m{n}", "expanded_url": f"https://x.com/me/status/1/photo/{n}",
         "media_url_https": "https://pbs.twimg.com/media/a.jpg", "type": "photo"}
        for n in range(50_000)
    ]  # fmt: skip
    tweet = {"id_str": "1", "full_text": "x" * 10_000_000 + " ok?", "created_at": WHEN,
             "entities": {"media": media}, "extended_entities": {"media": media}}  # fmt: skip
    done = _classify(_archive(tmp_path / "a", tweet))
    assert done.returncode == 0, done.stderr
    assert "rule 6: asks a question (?)" in done.stdout


def test_a_question_with_many_links_to_own_posts_is_labelled_in_bounded_time(
    tmp_path: Path,
) -> None:
    # Links to the author's own posts leave rule 6 to decide: each bare URL was looked for
    # in the rest of the text, 300,000 of them took many minutes. 120 s is a watchdog.
    text = " ".join(f"https://x.com/me/status/{n}?s=20" for n in range(300_000)) + " ok\u2753"
    tweet = {"id_str": "1", "full_text": text, "created_at": WHEN}
    done = _classify(_archive(tmp_path / "a", tweet))
    assert done.returncode == 0, done.stderr
    assert "rule 6: asks a question (\u2753)" in done.stdout
    # The question marks inside the URLs are still no question.
    plain = text.removesuffix(" ok\u2753")
    tweet = {"id_str": "1", "full_text": plain, "created_at": WHEN}
    done = _classify(_archive(tmp_path / "b", tweet))
    assert done.returncode == 0, done.stderr
    assert "rule 8: a plain post" in done.stdout


def test_urls_are_stripped_for_rule_6_as_before() -> None:
    pieces = ["https://t.co/", "http://x.com/me/status/1", "abc", "?", "\uff1f", " ", "\n",
              "https://example.org/a?b=1", "HTTPS://t.co/ab", ".", ")", "x", "?s=20", "/",
              "https://t.co/abc", "\u2026", "\u00e9"]  # fmt: skip
    urls = ["https://t.co/abc", "https://t.co/ab", "https://t.co/", "abc", "?", "x y", "",
            "http://x.com/me/status/1", "https://example.org/a?b=1", "t.co/ab?"]  # fmt: skip
    rng = random.Random(6)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        links = [Link(rng.choice(urls)) for _ in range(rng.randint(0, 4))]
        if any(link.url == "" for link in links) or sum(" " in link.url for link in links) > 1:
            continue  # an empty URL, or one with a space given twice: see below
        expected = question_mark(_old_strip_urls(text, links))
        assert question_mark(_strip_urls(text, links)) == expected, (text, links)


def test_an_empty_link_url_takes_nothing_out() -> None:
    # "".replace inserted a space between every character, doubling the text for each
    # such link (2**40 times for forty) and keeping every other URL in the text.
    text = "see https://example.org/?q=1"
    links = [Link("")] * 40 + [Link("https://example.org/?q=1")]
    assert question_mark(_strip_urls(text, links)) is None


@pytest.mark.parametrize("repeat", [1, 3000])
def test_hostile_sizes_still_take_bare_urls_out(repeat: int) -> None:
    text = "read https://example.org/?a=1 (https://t.co/abc?) and? " * repeat
    links = [Link(f"https://t.co/n{n}") for n in range(repeat)]
    stripped = _strip_urls(text, links)
    assert "example.org" not in stripped and "t.co" not in stripped
    assert stripped.count("?") == 2 * repeat  # the one after each t.co link, and "and?"


def test_many_long_posts_in_one_second_are_matched_in_bounded_time(tmp_path: Path) -> None:
    # Each tweet looked through every note of its second, and took its own out of a list:
    # 60,000 long posts in one second (the last note first) took about four minutes.
    # 120 s is a watchdog, not a measurement.
    count = 60_000
    at = "2024-11-09T12:14:18.000Z"
    notes = [
        {"noteTweet": {"noteTweetId": str(9_000_000 + n), "createdAt": at,
                       "core": {"text": f"long post {n:07d}, the rest? of it"}}}
        for n in range(count)
    ]  # fmt: skip
    tweets = [
        {"tweet": {"id_str": str(1_000_000 + n), "full_text": f"long post {n:07d}\u2026",
                   "created_at": WHEN}}
        for n in reversed(range(count))
    ]  # fmt: skip
    files = {"data/tweets.js": ytd("tweets", tweets), "data/account.js": account_js(),
             "data/note-tweet.js": ytd("note_tweet", notes)}  # fmt: skip
    done = _classify(write_folder(tmp_path / "a", files))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == count
    assert done.stdout.count("rule 6: asks a question (?)") == count  # each got its note


def _reference_take(notes: list[Note], key: str) -> Note | None:
    """The first note in file order whose key starts with `key`, taken out (as before)."""
    for note in notes:
        if note.key.startswith(key):
            notes.remove(note)
            return note
    return None


@pytest.mark.parametrize("count", [5, 33, 200])
def test_notes_are_taken_by_the_same_tweets_as_before(count: int) -> None:
    rng = random.Random(count)
    for _ in range(200):
        second, reference = Second(), []
        for n in range(count):
            key = "".join(rng.choice("ab\x00 ") for _ in range(rng.randint(1, 4)))
            note = Note(f"{n}", key, (), ())
            second.notes.append(note)
            reference.append(note)
        for _ in range(count + 10):
            key = "".join(rng.choice("ab\x00 ") for _ in range(rng.randint(1, 3)))
            assert second.take(key) is _reference_take(reference, key), key
            assert len(second) == len(reference)
