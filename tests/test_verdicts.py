"""classify's archive fast way (`verdicts` + `write_keyed_labels`) writes what the general
reader's posts give, byte for byte, or hands the archive to that reader."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from archives import account_js, write_folder, write_zip, ytd
from helpers import SAMPLE, generated_archive
from test_lean_archive import BAD, ODD, TRICKY
from test_x_archive import BASIC, X_ARCHIVE, note_archive, tweet

from linkratio.authors import author_name
from linkratio.classify import classify
from linkratio.cli import main
from linkratio.render.listing import write_keyed_labels, write_labels
from linkratio.sources.x_archive import read_archive
from linkratio.verdicts import archive_labels, owner_name

OUTPUTS = ("jsonl", "csv", "table")


def keyed_listing(path: Path, output: str, with_author: bool = True) -> str | None:
    """What the fast way writes for the archive at `path` (None: it hands it over)."""
    found = archive_labels(path)
    if found is None:
        return None
    out = io.StringIO()
    who = owner_name(found.account)
    write_keyed_labels(found.rows, out, output, with_author=with_author, author=who)
    return out.getvalue()


def general_listing(path: Path, output: str, with_author: bool = True) -> str:
    """What the general reader's posts give, written by `write_labels`."""
    timeline = read_archive(path)
    out = io.StringIO()
    rows = ((post, classify(post)) for post in timeline.posts)
    write_labels(rows, out, output, with_author=with_author, author=author_name(timeline))
    return out.getvalue()


def same_as_general(path: Path) -> None:
    """Every output, with and without the author, is the general reader's, byte for byte."""
    for output in OUTPUTS:
        for with_author in (True, False):
            fast = keyed_listing(path, output, with_author)
            assert fast is not None
            assert fast == general_listing(path, output, with_author)


def test_the_sample_labels_the_same() -> None:
    same_as_general(SAMPLE)


@pytest.mark.parametrize("name", ["alrocar", "andreruffert", "smithjd"])
def test_the_corpus_archives_label_the_same(tmp_path: Path, name: str) -> None:
    if not X_ARCHIVE.exists():
        pytest.skip(f"the corpus is not at {X_ARCHIVE}")
    # These hold no account.js (the fast way then hands them over): give them the owner.
    assert archive_labels(X_ARCHIVE / name) is None
    owner = read_archive(X_ARCHIVE / name).account
    for part in (X_ARCHIVE / name).iterdir():
        (tmp_path / "data").mkdir(exist_ok=True)
        shutil.copyfile(part, tmp_path / "data" / part.name)
    account = account_js(owner.id or "1", owner.handle or "someone")
    (tmp_path / "data" / "account.js").write_bytes(account)
    same_as_general(tmp_path)


def test_a_generated_archive_labels_the_same(tmp_path: Path) -> None:
    same_as_general(generated_archive(tmp_path, 3000, seed=11))


# Tweets of the shapes labelled from a memo, differing in what the label must not ignore.
SHAPES = [
    tweet("60", "@ana sure", reply_to=("1", "200", "ana")),
    tweet("61", "@ana sure, why not?", reply_to=("1", "200", "ana")),
    tweet("62", "@Ana sure", reply_to=("1", "200", "Ana")),
    tweet("63", "@bo ok", reply_to=("1", "201", None)),
    tweet("64", "@bo ok", reply_to=(None, "201", "bo")),
    tweet("65", "@me and more", reply_to=("1", "100", "me")),
    tweet("66", "and more?", reply_to=("1", "100", "me")),
    tweet("67", "and more\uff1f", reply_to=(None, "100", None)),
    tweet("68", "@me so", reply_to=("1", None, "me")),
    tweet("69", "@ME so", reply_to=("1", None, "other")),
    tweet("70", "plain words"),
    tweet("71", "plain words?"),
    tweet("72", "plain words\u00bf y?"),
    tweet("73", "  @ana hello"),
    tweet("74", ".@ana hello?"),
    tweet("75", "rt @ana: hello"),
    tweet("76", "Rethinking caching?"),
    tweet("77", "Mt @ana no"),
    tweet("78", "see HTTP://EXAMPLE.ORG/A?"),
    tweet("79", "&amp;? &lt;b&gt;"),
    tweet("80", ""),
    tweet("81", "   "),
    # Mention-led: the opening up to the first whitespace names the handle, whatever follows.
    tweet(
        "82", "@ana: see https://t.co/a?", urls=(("https://t.co/a", "https://x.com/bo/status/1"),)
    ),
    tweet("83", "@ana\u0301 hello"),
    tweet("84", "@anabel hello"),
    tweet("85", "\uff20ana\u3000hello"),
    tweet("86", "@ hello?"),
    tweet("87", ".@_ hi"),
    tweet("88", "@ana\u2028hello"),
]


# Link posts labelled by `x_link_label` (rules 4 and 5 from their links alone) or, when no
# link counts, from the memo; each differs from another in what the label must not ignore.
def _linked(tid: str, text: str, *links: tuple[str, str], **more: object) -> dict:
    return tweet(tid, text, urls=links, **more)  # type: ignore[arg-type]


LINKED = [
    _linked("110", "see https://t.co/a", ("https://t.co/a", "https://example.org/a?")),
    _linked("111", "see https://t.co/b", ("https://t.co/b", "https://bit.ly/b")),
    _linked("112", "see https://t.co/c", ("https://t.co/c", "https://bit.ly.example.com/c")),
    _linked("113", "see https://t.co/d", ("https://t.co/d", "https://u@bit.ly/d")),
    _linked("114", "see https://t.co/e", ("https://t.co/e", "https://x.com/ana/status/5")),
    _linked("115", "see https://t.co/f", ("https://t.co/f", "https://x.com/about")),
    _linked("116", "mine? https://t.co/g", ("https://t.co/g", "https://x.com/me/status/1")),
    _linked("117", "pic? https://t.co/h", ("https://t.co/h", "https://pic.twitter.com/h")),
    _linked("118", "see https://t.co/i", ("https://t.co/i", "https://dropbox.com/s/i")),
    _linked("119", "see https://t.co/j", ("https://t.co/j", "HTTPS://EXAMPLE.ORG/J")),
    _linked("120", "see https://t.co/k", ("https://t.co/k", "javascript:alert(1)")),
    _linked("121", "see https://t.co/l", ("https://t.co/l", "")),
    _linked(
        "122",
        "two https://t.co/m https://t.co/n",
        ("https://t.co/m", "https://example.org/m"),
        ("https://t.co/n", "https://x.com/ana/status/6"),
    ),
    _linked(
        "123",
        "two https://t.co/o https://t.co/p",
        ("https://t.co/o", "https://bit.ly/o"),
        ("https://t.co/p", "https://example.org/p"),
    ),
    _linked(
        "124",
        "see https://t.co/q and https://x.com/ana/status/7",
        ("https://t.co/q", "https://example.org/q"),
    ),
    _linked("125", "see https://example.org/r", ("https://t.co/r", "https://example.org/r")),
    _linked(
        "126",
        "again https://t.co/s",
        ("https://t.co/s", "https://example.org/s"),
        reply_to=("1", "100", "me"),
    ),
    tweet(
        "127",
        "sunset https://t.co/t",
        media=(("https://t.co/t", "https://x.com/me/status/127/photo/1"),),
    ),
    tweet(
        "128",
        "sunset? https://t.co/u",
        media=(("https://t.co/u", "https://x.com/me/status/128/photo/1"),),
    ),
    tweet(
        "129",
        "sunset https://t.co/v?",
        media=(("https://t.co/v", "https://x.com/me/status/129/photo/1"),),
    ),
    tweet(
        "130",
        "more https://t.co/w",
        media=(("https://t.co/w", "https://x.com/me/status/130/photo/1"),),
        reply_to=("1", "100", "me"),
    ),
    tweet(
        "131",
        "sunset https://t.co/x https://example.net/x",
        media=(("https://t.co/x", "https://x.com/me/status/131/photo/1"),),
    ),
    tweet("132", "see http://example.com/y?"),
    _linked("133", "as I said https://t.co/z", ("https://t.co/z", "https://x.com/Me/status/1")),
    _linked("134", "long… https://t.co/A", ("https://t.co/A", "https://x.com/i/web/status/134")),
    _linked("135", "long… https://t.co/B", ("https://t.co/B", "https://x.com/i/web/status/99")),
    _linked("136", "by id https://t.co/C", ("https://t.co/C", "https://x.com/100/status/7")),
    _linked("137", "pic https://t.co/D", ("https://t.co/D", "https://x.com/me/status/1/photo/1")),
    _linked("138", "pic https://t.co/E", ("https://t.co/E", "https://x.com/ana/status/2/photo/1")),
    _linked(
        "139",
        "two https://t.co/F https://t.co/G",
        ("https://t.co/F", "https://x.com/me/status/1"),
        ("https://t.co/G", "https://x.com/ana/status/3"),
    ),
    # The text's one bare URL: its link's, whole, or another one that ends the same way.
    _linked("140", "see https://t.co/H.", ("https://t.co/H", "https://example.org/h")),
    _linked("141", "see https://t.co/xJ", ("https://t.co/J", "https://example.org/j")),
    _linked("142", "see https://t.co/a-b", ("https://t.co/a-b", "https://example.org/k")),
    _linked("143", "see https://t.co/L\u0661", ("https://t.co/L\u0661", "https://example.org/l")),
    _linked("144", "see https://t.co/M", ("https://t.co/M", "https://example.org/m?https://b")),
    _linked("145", "see xhttps://t.co/N", ("https://t.co/N", "https://example.org/n")),
]


# Edit chains: one starting at a post that tells of no edit, a chain whose id comes again
# without it (the later record is kept), a chain of three with its first version missing.
EDITS = [
    tweet("90", "old version", created="Sat Nov 09 09:00:00 +0000 2024"),
    tweet("91", "new version", created="Sat Nov 09 09:01:00 +0000 2024", edit_chain=("90", "91")),
    tweet("92", "a", created="Sat Nov 09 09:02:00 +0000 2024", edit_chain=("92", "93")),
    tweet("92", "a again", created="Sat Nov 09 09:03:00 +0000 2024"),
    tweet("95", "b", created="Sat Nov 09 09:05:00 +0000 2024", edit_chain=("94", "95", "96")),
    tweet("96", "b?", created="Sat Nov 09 09:06:00 +0000 2024", edit_chain=("94", "95", "96")),
    tweet("97", "c", created="Sat Nov 09 09:07:00 +0000 2024", reply_to=("1", "0", None)),
    # Numbers where X writes strings: 0 is an account id ("0"), not a missing one.
    {"tweet": {**tweet("98", "d")["tweet"], "in_reply_to_user_id": 0, "in_reply_to_status_id": 5}},
    {"tweet": {**tweet("99", "e?")["tweet"], "in_reply_to_user_id": 100}},
]


def test_tricky_and_memoized_shapes_label_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edits, duplicates, quotes, and replies and plain posts of every memoized shape."""
    records = [*TRICKY, *SHAPES, *SHAPES, *EDITS]  # each shape seen again, under the same ids
    write_folder(
        tmp_path, {"data/tweets.js": ytd("tweets", records), "data/account.js": account_js()}
    )
    same_as_general(tmp_path)
    import linkratio.verdicts as verdicts

    called: list[str] = []
    monkeypatch.setattr(verdicts, "classify", lambda post: called.append(post.id) or classify(post))
    assert archive_labels(tmp_path) is not None
    # The memo labels every tweet of a shape classify saw once (in BASIC or TRICKY, or
    # the first round); replies told by handles, manual retweets and posts that open with
    # an `@` but address no one go to classify.
    assert "60" not in called and "70" not in called and "71" not in called
    assert called.count("62") == 1 and called.count("66") == 1
    assert called.count("68") == 2 and called.count("75") == 2 and called.count("86") == 2
    # Mention-led posts of an opening seen before ("@ana": TRICKY's "@ana @bob look").
    assert called.count("73") == 0 and called.count("88") == 0
    assert all(called.count(tid) == 1 for tid in ("74", "82", "83", "84", "85", "87"))


def test_link_posts_label_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Links to external origins, to posts, of other schemes, unaccounted bare URLs, media."""
    files = {"data/tweets.js": ytd("tweets", [*LINKED, *LINKED]), "data/account.js": account_js()}
    write_folder(tmp_path, files)
    same_as_general(tmp_path)
    import linkratio.verdicts as verdicts

    called: list[str] = []
    monkeypatch.setattr(verdicts, "classify", lambda post: called.append(post.id) or classify(post))
    assert archive_labels(tmp_path) is not None
    # Rules 4 and 5 from the links alone never reach classify; a post no link counts for
    # and without a question mark at most once (the first of its memo shape); the rest
    # (unaccounted bare URLs, a question mark) always do.
    decided = ("110", "111", "112", "113", "114", "115", "118", "119", "121", "122", "123")
    for tid in (*decided, "125", "126", "135", "138", "139", "140", "142", "143", "144", "145"):
        assert tid not in called
    unmarked = ("120", "127", "133", "134", "136", "137")  # no reply, no counting link
    assert sum(called.count(tid) for tid in unmarked) == 1 and called.count("130") == 1
    for tid in ("116", "117", "124", "128", "129", "131", "132", "141"):
        assert called.count(tid) == 2


def test_long_posts_from_notes_label_the_same(tmp_path: Path) -> None:
    note_archive(tmp_path)
    same_as_general(tmp_path)


def test_a_zip_of_several_parts_and_small_blocks_label_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import linkratio.sources.x_archive.typed as typed

    monkeypatch.setattr(typed, "BLOCK", 700)
    files = {
        "data/tweets.js": ytd("tweets", TRICKY[:7]),
        "data/tweets-part1.js": ytd("tweets", [*TRICKY[7:], *SHAPES], part=1),
        "data/account.js": account_js(),
    }
    same_as_general(write_zip(tmp_path / "a.zip", files))


def test_ids_that_are_not_digits_are_written_as_the_general_writer_does(tmp_path: Path) -> None:
    odd = [
        tweet("9a", "plain"),
        tweet('1"2', "see https://t.co/x", urls=(("https://t.co/x", "https://example.org"),)),
        tweet("\u0663", "arabic-indic three"),
        tweet("=1", "@ana hi", reply_to=("1", "200", "ana")),
    ]
    write_folder(tmp_path, {"data/tweets.js": ytd("tweets", odd), "data/account.js": account_js()})
    same_as_general(tmp_path)


def test_without_account_js_the_general_reader_labels_it(tmp_path: Path) -> None:
    write_folder(tmp_path, {"data/tweets.js": ytd("tweets", TRICKY)})
    assert archive_labels(tmp_path) is None


@pytest.mark.parametrize("records", ODD)
def test_unusual_records_are_left_to_the_general_reader(tmp_path: Path, records: list) -> None:
    files = {
        "data/tweets.js": ytd("tweets", [*records, *BASIC[1:]]),
        "data/account.js": account_js(),
    }
    write_folder(tmp_path, files)
    found = archive_labels(tmp_path)
    if found is not None:  # what the typed reader takes, it must label as the general one
        same_as_general(tmp_path)


@pytest.mark.parametrize("record", BAD)
def test_malformed_records_are_left_to_the_general_reader(tmp_path: Path, record: dict) -> None:
    files = {"data/tweets.js": ytd("tweets", [*BASIC[1:], record]), "data/account.js": account_js()}
    write_folder(tmp_path, files)
    assert archive_labels(tmp_path) is None


def test_anything_but_an_archive_is_left_to_the_general_reader(tmp_path: Path) -> None:
    write_folder(
        tmp_path, {"data/tweets.js": ytd("tweets", BASIC), "data/account.js": account_js()}
    )
    assert archive_labels(tmp_path, input_format="x-v2") is None
    assert archive_labels("@someone") is None
    assert archive_labels(tmp_path / "missing") is None
    (tmp_path / "page.json").write_text('{"data": []}')
    assert archive_labels(tmp_path / "page.json") is None
    empty = write_folder(tmp_path / "empty", {"data/tweets.js": ytd("tweets", [])})
    (empty / "data" / "account.js").write_bytes(account_js())
    assert archive_labels(empty) is None  # no posts: the general reader says so


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("author", [[], ["--with-author"]])
def test_the_command_writes_what_the_general_reader_gives(
    tmp_path: Path, output: str, author: list[str]
) -> None:
    """`linkratio classify` takes the fast way and writes the general reader's bytes."""
    files = {"data/tweets.js": ytd("tweets", [*TRICKY, *SHAPES]), "data/account.js": account_js()}
    write_folder(tmp_path, files)
    out = io.StringIO()
    assert main(["classify", str(tmp_path), "--output", output, "-q", *author], out) == 0
    assert out.getvalue() == general_listing(tmp_path, output, with_author=bool(author))
    assert len(out.getvalue().splitlines()) == len(read_archive(tmp_path).posts) + (output == "csv")
