"""Line outputs of the commands: labelled posts (table, JSONL, CSV), accounts, expansions."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
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
        cat = f"{label.category.value}/{label.kind.value}"
        ident = terminal_safe(post.id)
        lines.append(f"{when}  {ident:>20}  {cat:<23}  {terminal_safe(label.reason)}\n")
        if len(lines) >= _BATCH:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))


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
