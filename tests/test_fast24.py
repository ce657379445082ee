"""`classify` of an X archive, made faster without a byte of its output changed (issue 13):
the typed reader reads tweets.js straight into the buffer it decodes, the keyed writer asks
whether ids need escaping once per batch, and a classify run loads no module it has no use
for (the csv writer, the JSON pages reader)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from archives import account_js, write_folder, write_zip, ytd
from test_label_lines import reference
from test_x_archive import tweet

from linkratio.model import Category, Kind, Label, Post
from linkratio.render import listing
from linkratio.sources.x_archive import typed
from linkratio.sources.x_archive.files import Source

NOT_FOR_AN_ARCHIVE = (
    "csv",
    "linkratio.sources.jsonpages",
    "pandas",
    "numpy",
    "tldextract",
    "sqlite3",
    "linkratio.store",
    "tweepy",
    "httpx",
    "email",
)
"""Modules `classify ARCHIVE --output jsonl` has no use for."""


def _loaded(argv: list[str]) -> tuple[int, set[str]]:
    """The exit code of `linkratio ARGV` in a new process, and the modules it had loaded."""
    code = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('\\nLOADED ' + ' '.join(sys.modules)))\n"
        "from linkratio.cli import main\n"
        f"sys.exit(main({argv!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
    )
    return done.returncode, set(done.stderr.rpartition("LOADED ")[2].split())


def _archive(folder: Path, count: int = 40) -> Path:
    link = (("https://t.co/x", "https://example.org/a"),)
    posts = [tweet(str(n), f"post {n} https://t.co/x", urls=link) for n in range(1, count)]
    files = {"data/tweets.js": ytd("tweets", posts), "data/account.js": account_js()}
    return write_folder(folder, files)


def test_classify_of_an_archive_loads_no_module_it_does_not_use(tmp_path: Path) -> None:
    archive = _archive(tmp_path / "archive")
    code, loaded = _loaded(["classify", str(archive), "--output", "jsonl", "--quiet"])
    assert code == 0
    assert "linkratio.verdicts" in loaded  # the fast way, and the probe sees what loads
    assert sorted(loaded.intersection(NOT_FOR_AN_ARCHIVE)) == []


def test_the_csv_output_still_loads_the_csv_writer(tmp_path: Path) -> None:
    archive = _archive(tmp_path / "archive")
    code, loaded = _loaded(["classify", str(archive), "--output", "csv", "--quiet"])
    assert code == 0 and "csv" in loaded


def _keyed(ids: list[str]) -> tuple[list[tuple[str, Label]], list[tuple[Post, Label]]]:
    """Rows of X posts by sort key, and the same posts, labelled alike in threes."""
    from datetime import UTC, datetime

    labels = [
        Label(Category.LINK, Kind.URL, "rule 5: links to https://example.org/\u00e9"),
        Label(Category.CONVERSATION, Kind.REPLY, 'rule 2: reply to @a"b'),
        Label(Category.OTHER, Kind.POST, "rule 8: none of the above"),
    ]
    keyed, posts = [], []
    for n, ident in enumerate(ids):
        when = datetime(2020, 1, 1, 0, 0, n % 60, tzinfo=UTC)
        label = labels[n % 3]
        keyed.append((f"{when:%Y-%m-%dT%H:%M:%S} {len(ident):03d} {ident}", label))
        posts.append((Post(platform="x", id=ident, created_at=when, text=""), label))
    return keyed, posts


@pytest.mark.parametrize("output", ["jsonl", "csv", "table"])
@pytest.mark.parametrize("odd", [None, 'a"b', "", "\u0663", "line\nbreak", "x y"])
def test_keyed_batches_are_the_lines_of_their_posts(output: str, odd: str | None) -> None:
    """Two and a half batches of plain ids, with one id that needs escaping (or is empty)
    in the middle of the second: each batch is asked at once, that id alone."""
    ids = [str(10**17 + n) for n in range(listing._BATCH * 5 // 2)]
    if odd is not None:
        ids[listing._BATCH + 7] = odd
    keyed, posts = _keyed(ids)
    out = io.StringIO()
    listing.write_keyed_labels(keyed, out, output, with_author=True, author="@me")
    assert out.getvalue() == reference(posts, output, "@me", True)


def _ids_and_texts(blocks: object) -> list[tuple[str, str]]:
    return [(r.tweet.id_str, r.tweet.full_text) for block in blocks for r in block]  # type: ignore[attr-defined]


@pytest.mark.parametrize("style", ["x", "indent4-crlf"])
@pytest.mark.parametrize("size", [300, 4096, None])
def test_the_typed_reader_reads_every_record_once_whatever_the_block(
    tmp_path: Path, style: str, size: int | None
) -> None:
    """Records shorter and longer than a block (the buffer grows for one that does not fit),
    from a file and from a zip entry."""
    texts = [f"post {n} " + "y" * (n * 97 % 9000) for n in range(1, 80)]
    posts = [tweet(str(n), text) for n, text in enumerate(texts, 1)]
    data = ytd("tweets", posts, style=style)
    expected = [(str(n), text) for n, text in enumerate(texts, 1)]
    path = tmp_path / "tweets.js"
    path.write_bytes(data)
    from_file = Source("tweets.js", path.read_bytes, path)
    assert _ids_and_texts(typed.records(from_file, size=size)) == expected
    zipped = write_zip(tmp_path / "a.zip", {"data/tweets.js": data})
    import zipfile

    with zipfile.ZipFile(zipped) as zf:
        entry = Source("data/tweets.js", lambda: zf.read("data/tweets.js"))
        assert _ids_and_texts(typed.records(entry, size=size)) == expected


def test_a_file_shorter_than_its_head_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "tweets.js"
    path.write_bytes(ytd("tweets", [tweet("1", "one"), tweet("2", "two")]))
    source = Source("tweets.js", path.read_bytes, path)
    assert _ids_and_texts(typed.records(source)) == [("1", "one"), ("2", "two")]


def test_a_file_that_ends_inside_a_record_is_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "tweets.js"
    data = ytd("tweets", [tweet(str(n), "z" * 500) for n in range(1, 30)])
    path.write_bytes(data[: len(data) * 2 // 3])
    source = Source("tweets.js", path.read_bytes, path)
    with pytest.raises(typed.Unsupported):
        for _ in typed.records(source, size=1024):
            pass
