"""`write_labels` renders each label's part of a line once: its lines are still exactly
what writing every post on its own gives (orjson per record, the csv writer per row)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from itertools import product

import orjson
import pytest

from linkratio.model import Category, Kind, Label, Post
from linkratio.render.escape import csv_cell, json_inert, terminal_safe
from linkratio.render.listing import LABEL_FIELDS, write_keyed_labels, write_labels


def reference(
    rows: list[tuple[Post, Label]], output: str, author: str | None, with_author: bool
) -> str:
    """Every post written on its own, the plain way."""
    fields = (*LABEL_FIELDS, "author") if with_author else LABEL_FIELDS
    extra = (author,) if with_author else ()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if output == "csv":
        writer.writerow(fields)
    for post, label in rows:
        when = post.created_at
        stamp = (
            when.strftime("%Y-%m-%dT%H:%M:%SZ") if when.year < 1000 else when.isoformat()[:19] + "Z"
        )
        cells = (
            post.platform,
            post.id,
            stamp,
            label.category.value,
            label.kind.value,
            label.reason,
        )
        if output == "jsonl":
            record = dict(zip(fields, (*cells, *extra), strict=True))
            # As orjson writes it, with what a terminal acts on as \u escapes (the same JSON).
            out.write(json_inert(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE).decode()))
        elif output == "csv":
            escaped = (csv_cell(cells[0]), csv_cell(cells[1]), *cells[2:5], csv_cell(cells[5]))
            writer.writerow((*escaped, *(csv_cell(e or "") for e in extra)))
        else:
            cat = f"{label.category.value}/{label.kind.value}"
            ident = terminal_safe(post.id)
            reason = terminal_safe(label.reason)
            out.write(f"{when:%Y-%m-%d %H:%M} UTC  {ident:>20}  {cat:<23}  {reason}\n")
    return out.getvalue()


IDS = ["1874228302163748431", "9a", "at://did:plc:x/app.bsky.feed.post/3k", 'a"b', "a,b", "=1",
       "-2", "\u0663", "line\nbreak", "tab\there", "\u202eevil", "", " 7"]  # fmt: skip
REASONS = ["rule 8: a plain post", 'rule 5: links to https://e.org/?q="x",y', "rule 3: @日本",
           "rule 6: asks (？)", "=cmd", "bell\x07", "rule 2: reply to @a\r\nb"]  # fmt: skip
AUTHORS = [None, "@me", "@a,b", '@q"uote', "=formula", "@日本"]
WHEN = [datetime(2024, 11, 9, 12, 14, 18, tzinfo=UTC), datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)]


def rows() -> list[tuple[Post, Label]]:
    kinds = [(Category.OTHER, Kind.POST), (Category.LINK, Kind.URL)]
    found = []
    for n, (ident, reason, (cat, kind), platform) in enumerate(
        product(IDS, REASONS, kinds, ["x", "bluesky", "m,x"])
    ):
        when = WHEN[n % 2]
        post = Post(platform=platform, id=ident, created_at=when, text="")
        found.append((post, Label(cat, kind, reason)))
    return found


@pytest.mark.parametrize("output", ["jsonl", "csv", "table"])
@pytest.mark.parametrize("author", AUTHORS)
@pytest.mark.parametrize("with_author", [False, True])
def test_lines_are_what_writing_each_post_alone_gives(
    output: str, author: str | None, with_author: bool
) -> None:
    every = rows()
    out = io.StringIO()
    write_labels(every, out, output, with_author=with_author, author=author)
    assert out.getvalue() == reference(every, output, author, with_author)


@pytest.mark.parametrize("output", ["jsonl", "csv", "table"])
@pytest.mark.parametrize("with_author", [False, True])
def test_keyed_lines_are_the_lines_of_those_x_posts(output: str, with_author: bool) -> None:
    posts = [(p, label) for p, label in rows() if p.platform == "x" and p.created_at.year > 1000]
    keyed = [
        (f"{p.created_at:%Y-%m-%dT%H:%M:%S} {len(p.id):03d} {p.id}", label) for p, label in posts
    ]
    out = io.StringIO()
    write_keyed_labels(keyed, out, output, with_author=with_author, author="@a,b")
    assert out.getvalue() == reference(posts, output, "@a,b", with_author)


def test_jsonl_goes_to_the_byte_buffer_and_text_to_the_text_stream() -> None:
    class Both(io.StringIO):
        def __init__(self) -> None:
            super().__init__()
            self.buffer = io.BytesIO()

    posts = rows()[:50]
    for output in ("jsonl", "csv"):
        out = Both()
        write_labels(posts, out, output)
        if output == "jsonl":
            assert out.getvalue() == "" and out.buffer.getvalue().decode() == reference(
                posts, output, None, False
            )
        else:
            assert out.buffer.getvalue() == b"" and out.getvalue() == reference(
                posts, output, None, False
            )
