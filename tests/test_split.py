"""A listing made by two processes is the same bytes as one made by one."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from linkratio.classify import classify
from linkratio.model import Post
from linkratio.render import split
from linkratio.render.listing import write_labels
from linkratio.sources import read

ROOT = Path(__file__).resolve().parents[1]


class _Bytes(io.StringIO):
    """A text stream with a buffer, as stdout has: JSONL goes to the buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.buffer = io.BytesIO()


def _posts() -> list[Post]:
    posts = read(ROOT / "data" / "sample", lean=True).posts
    # A post whose text and reason carry characters every format must escape.
    odd = Post(platform="x", id="=1", created_at=posts[0].created_at, text="\u202e? \x1b[2J")
    return [*posts, odd, *posts[:3]]


def _one(posts: list[Post], output: str, **options: object) -> str:
    out = io.StringIO()
    write_labels(((p, classify(p)) for p in posts), out, output, **options)  # type: ignore[arg-type]
    return out.getvalue()


@pytest.mark.parametrize("output", ["table", "jsonl", "csv"])
@pytest.mark.parametrize("with_author", [False, True])
def test_two_processes_write_the_same_bytes(
    monkeypatch: pytest.MonkeyPatch, output: str, with_author: bool
) -> None:
    monkeypatch.setattr(split, "SPLIT_AT", 2)
    posts = _posts()
    out = io.StringIO()
    split.write_labels_split(posts, out, output, with_author=with_author, author="@me")
    assert out.getvalue() == _one(posts, output, with_author=with_author, author="@me")


def test_jsonl_goes_to_the_buffer_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "SPLIT_AT", 2)
    posts = _posts()
    out = _Bytes()
    split.write_labels_split(posts, out, "jsonl")
    assert out.getvalue() == ""
    assert out.buffer.getvalue().decode() == _one(posts, "jsonl")


def test_a_failed_child_half_is_made_by_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "SPLIT_AT", 2)
    parent = os.getpid()
    render = split._render

    def fail_in_child(posts: list[Post], how: split._How) -> bytes:
        if os.getpid() != parent:
            raise RuntimeError("child fails")
        return render(posts, how)

    monkeypatch.setattr(split, "_render", fail_in_child)
    posts = _posts()
    out = io.StringIO()
    split.write_labels_split(posts, out, "csv")
    assert out.getvalue() == _one(posts, "csv")


def test_without_fork_one_process_does_it_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split, "SPLIT_AT", 2)
    monkeypatch.delattr(os, "fork")
    posts = _posts()
    out = io.StringIO()
    split.write_labels_split(posts, out, "table")
    assert out.getvalue() == _one(posts, "table")
