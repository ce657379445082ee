"""The frame's rows are what they were before `frame.columns` was made faster: every value,
every dtype, each list cell its own list (task frame24).

Two checks. `to_frame` equals a frame built the old way, post by post, from the public
per-post functions (`label_and_urls`, `site`, and the frame's `_quoted` and `_partners`),
on the sample, a generated archive and every readable file of the shared corpus. And the
frames of the sample and a generated archive hash to the digests the code before the
change gave: a change to any value of the frame, intended or not, fails here.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from helpers import CORPUS, SAMPLE, generated_archive

from linkratio import frame
from linkratio.classify import label_and_urls
from linkratio.errors import LinkratioError
from linkratio.frame import COLUMNS, LIST_COLUMNS, OBJECT_COLUMNS, columns, to_frame
from linkratio.links import site
from linkratio.model import Post
from linkratio.sources import read


def _old_row(post: Post) -> tuple[Any, ...]:
    """A post's values in `COLUMNS` order, as `frame.row` gave them before frame24."""
    label, urls = label_and_urls(post)
    return (
        post.platform, post.id, int(post.created_at.timestamp() * 1_000_000),
        post.author_handle, post.text, label.category.value, label.kind.value, label.reason,
        post.reply_to_handle or post.reply_to_user_id, frame._quoted(post, label),
        urls, [site(u, post.platform) for u in urls], list(post.mentions),
        frame._partners(post, label), post.source,
    )  # fmt: skip


def _old_frame(posts: list[Post]) -> pd.DataFrame:
    """`to_frame` as it was: rows made one by one, then turned into columns."""
    rows = [_old_row(post) for post in posts]
    cols: dict[str, Any] = {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)}
    cols["created_at"] = pd.to_datetime(cols["created_at"], unit="us", utc=True)
    for name in OBJECT_COLUMNS:
        cols[name] = pd.Series(cols[name], dtype=object)
    return pd.DataFrame(cols, columns=list(COLUMNS))


def digest(df: pd.DataFrame) -> str:
    """A hash of every column's name, dtype and values (times as integer microseconds)."""
    h = hashlib.sha256()
    for name in df.columns:
        values = df[name]
        h.update(f"{name}:{values.dtype}:{len(values)}\n".encode())
        if name == "created_at":
            h.update(values.dt.as_unit("us").astype("int64").to_numpy().tobytes())
        else:
            h.update(orjson.dumps(values.tolist()))
    return h.hexdigest()


def assert_same_frame(posts: list[Post]) -> None:
    """`to_frame` and `columns` give what the old row-by-row code gave, exactly."""
    new = to_frame(posts)
    old = _old_frame(posts)
    assert list(new.columns) == list(COLUMNS)
    assert new.dtypes.to_dict() == old.dtypes.to_dict()
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    assert digest(new) == digest(old)
    cols = columns(posts)
    for i, name in enumerate(COLUMNS):  # the plain lists the library's cache encodes
        want = [_old_row(p)[i] for p in posts] if name == "created_at" else old[name].tolist()
        assert cols[name] == want, name
        assert [type(v) for v in cols[name]] == [type(v) for v in want], name
    for name in LIST_COLUMNS:  # each row its own list, as before (a cell may be changed)
        assert len({id(cell) for cell in new[name]}) == len(new), name


def test_the_sample_frame_is_unchanged() -> None:
    posts = read(SAMPLE, lean=True).posts
    assert_same_frame(posts)
    assert digest(to_frame(posts)) == SAMPLE_DIGEST


def test_a_generated_archive_frame_is_unchanged(tmp_path: Path) -> None:
    posts = read(generated_archive(tmp_path, 3000, seed=7), lean=True).posts
    assert_same_frame(posts)
    assert digest(to_frame(posts)) == GENERATED_DIGEST


def test_the_general_readers_posts_give_the_same_frame(tmp_path: Path) -> None:
    # Frozen `Post` dataclasses, not the lean reader's Structs.
    assert_same_frame(read(generated_archive(tmp_path, 1500, seed=24)).posts)


def test_no_posts_give_an_empty_frame_of_every_column() -> None:
    assert_same_frame([])
    assert columns([]) == {name: [] for name in COLUMNS}


def _corpus_inputs() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    archives = sorted(p for p in (CORPUS / "x_archive").iterdir() if p.is_dir())
    files = sorted(
        p
        for folder in ("bluesky", "mastodon", "x_v1", "x_v2")
        for p in (CORPUS / folder).rglob("*")
        if p.suffix in (".json", ".jsonl")
    )
    return archives + files


def test_the_corpus_frames_are_unchanged(corpus: Path) -> None:
    """Every corpus input linkratio reads (skipped, with its reason, when ../shared/corpus is
    absent); the others (X v1.1 pages, a stream with an error) are refused as such elsewhere."""
    checked = []
    for path in _corpus_inputs():
        try:
            timeline = read(path, lean=True)
        except LinkratioError:
            continue
        assert_same_frame(timeline.posts)
        checked.append(path.name)
    assert len(checked) >= 10, checked


SAMPLE_DIGEST = "6d18519bb0d164247f9bc3907af188ba970f58fea10253be250812684148ca59"
GENERATED_DIGEST = "2e645e8e44754ccb6ed07f9ab746388efce9d0c2aee00d205a26d6cc4f40eea2"
"""`digest(to_frame(...))` of the sample and of the generated archive (3000 posts, seed 7),
by the code before frame24. Change them only with a change to what the frame says."""


TRICKY_URLS = [
    "https://example.com/a",
    "https://Example.COM./a?b=/c",
    "https://www.bbc.co.uk",
    "http://user:pw@host.example:8080/x",
    "https://a.example\\@b.example/x",
    "https://host.example?q=a/b",
    "https://host.example#f/g",
    "https://exa mple.com/x",
    "https://host.example\n/x",
    "https:///path",
    "https://[::1]/x",
    "https://[bad/x",
    "https://xn--bcher-kva.example/x",
    "https://b%C3%BCcher.example/x",
    "https://ＥＸＡＭＰＬＥ.com/x",
    "https://youtu.be/abc",
    "https://x.com/i/broadcasts/1",
    "https://twitter.com/i/spaces/1",
    "https://x.com.evil.example/x",
    "https://pic.twitter.com/abc",
    "HTTPS://UPPER.example/x",
    "example.org/page",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("platform", ["x", "bluesky", "mastodon"])
def test_sites_of_many_links_are_each_links_site(platform: str) -> None:
    sites = frame._Sites()
    urls = TRICKY_URLS + [u + "/more" for u in TRICKY_URLS]
    assert sites.of(urls, platform) == [site(u, platform) for u in urls]
    assert sites.of(urls, platform) == [site(u, platform) for u in urls]  # from its memo
