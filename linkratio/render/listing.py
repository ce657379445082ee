"""Line outputs of the commands: labelled posts (table, JSONL, CSV), accounts, expansions."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

import orjson

from linkratio.accounts import account_name
from linkratio.model import Account, Label, Post
from linkratio.render.escape import csv_cell, terminal_safe

if TYPE_CHECKING:
    from linkratio.links.expand import Counts
    from linkratio.store import AccountStats

LABEL_FIELDS = ("platform", "id", "created_at", "category", "kind", "reason")
"""The columns of `classify --output jsonl|csv`."""


_BATCH = 4096
"""Lines written at a time: one write(2) per batch, whatever PYTHONUNBUFFERED says."""


def _stamp(post: Post) -> str:
    when = post.created_at
    if when.year < 1000:  # strftime writes such a year without zeros in front
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return when.isoformat()[:19] + "Z"  # the same text from year 1000 on, faster


def write_labels(
    rows: Iterable[tuple[Post, Label]],
    out: TextIO,
    output: str = "table",
    *,
    with_author: bool = False,
    author: str | None = None,
) -> None:
    """Write each post with its label: `table` for people, `jsonl` or `csv` for scripts.

    With `with_author`, jsonl and csv carry `author` (the account name; null or empty
    when the data does not say) in one more key or column, `author`.
    """
    fields = (*LABEL_FIELDS, "author") if with_author else LABEL_FIELDS
    extra: tuple[str | None, ...] = (author,) if with_author else ()
    if output == "jsonl":
        _write_jsonl(rows, out, fields, extra)
    elif output == "csv":
        _write_csv(rows, out, fields, extra)
    else:
        _write_table(rows, out)


def _write_table(rows: Iterable[tuple[Post, Label]], out: TextIO) -> None:
    lines = []
    for post, label in rows:
        when = post.created_at.strftime("%Y-%m-%d %H:%M")
        lines.append(f"{when}  {terminal_safe(post.id):>20}  {_table_tail(label)}")
        if len(lines) >= _BATCH:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))


def _table_tail(label: Label) -> str:
    """A table line from its label on: `category/kind` in a column, then the reason."""
    cat = f"{label.category.value}/{label.kind.value}"
    return f"{cat:<23}  {terminal_safe(label.reason)}\n"


def _write_csv(
    rows: Iterable[tuple[Post, Label]],
    out: TextIO,
    fields: tuple[str, ...],
    extra: tuple[str | None, ...],
) -> None:
    block = io.StringIO()
    writer = csv.writer(block, lineterminator="\n")
    writer.writerow(fields)
    tail = tuple(csv_cell(e or "") for e in extra)
    for n, (post, label) in enumerate(rows, 1):
        platform, ident, stamp, category, kind, reason = _cells(post, label)
        # The time, category and kind are written by linkratio itself: nothing to escape.
        writer.writerow(
            (csv_cell(platform), csv_cell(ident), stamp, category, kind, csv_cell(reason), *tail)
        )
        if n % _BATCH == 0:
            out.write(block.getvalue())
            block.seek(0)
            block.truncate()
    out.write(block.getvalue())


def _cells(post: Post, label: Label) -> tuple[str, ...]:
    """The values of `LABEL_FIELDS` for one post."""
    # A lean archive post carries its ISO time ready (`key` starts with it): no strftime.
    key: str | None = getattr(post, "key", None)
    stamp = key[:19] + "Z" if key else _stamp(post)
    return (post.platform, post.id, stamp, label.category.value, label.kind.value, label.reason)


def _write_jsonl(
    rows: Iterable[tuple[Post, Label]],
    out: TextIO,
    fields: tuple[str, ...],
    extra: tuple[str | None, ...],
) -> None:
    lines: list[bytes] = []
    for post, label in rows:
        record = dict(zip(fields, (*_cells(post, label), *extra), strict=True))
        lines.append(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
        if len(lines) >= _BATCH:
            _write_bytes(out, b"".join(lines))
            lines.clear()
    _write_bytes(out, b"".join(lines))


def _write_bytes(out: TextIO, data: bytes) -> None:
    """Write UTF-8 `data` to `out`: straight to its buffer when it has one (faster)."""
    if not data:
        return
    buf = getattr(out, "buffer", None)
    if buf is not None:
        out.flush()  # anything written as text before goes first
        buf.write(data)
    else:
        out.write(data.decode())


def write_keyed_labels(
    rows: Sequence[tuple[str, Label]],
    out: TextIO,
    output: str = "table",
    *,
    with_author: bool = False,
    author: str | None = None,
) -> None:
    """`write_labels` for X posts known by their sort key (`ISO-time LLL id`) alone.

    The same bytes as `write_labels` gives for those posts: each label's part of a line
    (from the category on) is rendered once, and each line joins it to the id and time.
    """
    tails = _Tails(output, with_author, author)
    known, tail, whole = tails.known, tails.tail, tails.whole
    _write_bytes(out, tails.head.encode())
    for at in range(0, len(rows), _BATCH):
        chunk = rows[at : at + _BATCH]
        # An id of ASCII digits needs no escape in any format; any other is written whole.
        if output == "jsonl":
            lines = [
                f'{{"platform":"x","id":"{i}","created_at":"{k[:19]}Z",{known.get(b) or tail(b)}'
                if (i := k[24:]).isdigit() and i.isascii() else whole(i, k[:19], b)
                for k, b in chunk
            ]  # fmt: skip
        elif output == "csv":
            lines = [
                f"x,{i},{k[:19]}Z,{known.get(b) or tail(b)}"
                if (i := k[24:]).isdigit() and i.isascii() else whole(i, k[:19], b)
                for k, b in chunk
            ]  # fmt: skip
        else:
            lines = [
                f"{k[:10]} {k[11:16]}  {i:>20}  {known.get(b) or tail(b)}"
                if (i := k[24:]).isdigit() and i.isascii() else whole(i, k[:19], b)
                for k, b in chunk
            ]  # fmt: skip
        _write_bytes(out, "".join(lines).encode())


class _Tails:
    """The part of a line from the category on, by label, as `write_labels` writes it."""

    def __init__(self, output: str, with_author: bool, author: str | None) -> None:
        self.output = output
        self.with_author = with_author
        self.author = author
        self.known: dict[Label, str] = {}
        self.fields = ((*LABEL_FIELDS, "author") if with_author else LABEL_FIELDS)[3:]
        self.extra: tuple[str | None, ...] = (author,) if with_author else ()
        self.block = io.StringIO()
        self.csv = csv.writer(self.block, lineterminator="\n")
        self.head = self._written([])  # the CSV header, else nothing

    def tail(self, label: Label) -> str:
        """The tail of lines of `label` (JSON members, CSV cells, or table columns)."""
        if self.output == "jsonl":
            values = (label.category.value, label.kind.value, label.reason, *self.extra)
            record = dict(zip(self.fields, values, strict=True))
            # orjson writes an object member by member: drop its `{` to go on after others.
            tail = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)[1:].decode()
        elif self.output == "csv":
            # csv quotes each cell on its own: the cells after the time, as `_write_csv`.
            cells = (csv_cell(label.reason), *(csv_cell(e or "") for e in self.extra))
            self.csv.writerow((label.category.value, label.kind.value, *cells))
            tail = self.block.getvalue()
            self.block.seek(0)
            self.block.truncate()
        else:
            tail = _table_tail(label)
        self.known[label] = tail
        return tail

    def whole(self, ident: str, stamp: str, label: Label) -> str:
        """The line `write_labels` writes for an X post of this id, time and label."""
        when = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
        post = Post(platform="x", id=ident, created_at=when, text="")
        return self._written([(post, label)])[len(self.head) :]

    def _written(self, rows: list[tuple[Post, Label]]) -> str:
        out = io.StringIO()
        write_labels(rows, out, self.output, with_author=self.with_author, author=self.author)
        return out.getvalue()


def accounts_table(rows: Sequence[AccountStats]) -> str:
    """The library's accounts, one line each: posts, first and last post, last sync."""
    names = [terminal_safe(account_name(Account(r.platform, r.id, r.handle))) for r in rows]
    width = max(24, *(len(name) for name in names))  # long Mastodon names keep columns aligned
    lines = [f"{'account':<{width}} {'posts':>8}  {'first':<10}  {'last':<10}  last sync"]
    for name, row in zip(names, rows, strict=True):
        first = row.first_post.date().isoformat() if row.first_post else "-"
        last = row.last_post.date().isoformat() if row.last_post else "-"
        synced = row.last_sync.strftime("%Y-%m-%d %H:%M UTC") if row.last_sync else "never"
        lines.append(f"{name:<{width}} {row.posts:>8,}  {first:<10}  {last:<10}  {synced}")
    return "\n".join(lines) + "\n"


def expansion_line(who: str, counts: Counts) -> str:
    """One line saying how an expansion went (failures are not an error)."""
    line = (
        f"short links of {terminal_safe(who)}: {counts.resolved:,} resolved, "
        f"{counts.cached - counts.failed_before:,} already known, "
    )
    if counts.failed_before:
        when = f"{counts.next_try:%Y-%m-%d %H:%M} UTC" if counts.next_try else "later"
        line += f"{counts.failed_before:,} failed or refused before (next try after {when}), "
    line += f"{counts.failed:,} failed{_causes(counts)}, {counts.refused:,} refused as unsafe"
    if counts.failed:
        line += (
            "; failed links are asked again after 7 days, or 6 hours for network trouble "
            "(or now with --retry-failed)"
        )
    return line + "\n"


def _causes(counts: Counts) -> str:
    """` (no network: 66 links, rerun later; timed out: 2 links)`, or nothing."""
    if not counts.causes:
        return ""
    from linkratio.links.expand import NO_NETWORK  # loaded already: it made the counts

    parts = []
    for cause, number in sorted(counts.causes.items(), key=lambda item: (-item[1], item[0])):
        plural = "" if number == 1 else "s"
        hint = ", rerun later" if cause == NO_NETWORK else ""
        parts.append(f"{cause}: {number:,} link{plural}{hint}")
    return f" ({'; '.join(parts)})"
