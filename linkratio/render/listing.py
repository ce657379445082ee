"""Line outputs of the commands: labelled posts (table, JSONL, CSV), accounts, expansions."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO, TypedDict, Unpack

import orjson

from linkratio.accounts import account_name
from linkratio.model import Account, Category, Kind, Label, Post
from linkratio.render.escape import csv_cell, json_inert, terminal_safe

if TYPE_CHECKING:
    from _csv import Writer as CsvWriter

    from linkratio.links.expand import Counts
    from linkratio.store import AccountStats

LABEL_FIELDS = ("platform", "id", "created_at", "category", "kind", "reason")
"""The columns of `classify --output jsonl|csv`."""


class Authorship(TypedDict, total=False):
    """Whether jsonl and csv lines carry the author, and who that is (`write_labels`)."""

    with_author: bool
    author: str | None


_BATCH = 4096
"""Lines written at a time: one write(2) per batch, whatever PYTHONUNBUFFERED says."""


_KEYED: dict[type, bool] = {}
"""Whether posts of a type carry a sort key (lean archive posts), asked once per type."""


def _stamp(post: Post) -> str:
    # A lean archive post carries its ISO time ready (`key` starts with it): no strftime.
    keyed = _KEYED.get(type(post))
    if keyed is None:
        keyed = _KEYED[type(post)] = isinstance(getattr(post, "key", None), str)
    if keyed:
        return post.key[:19] + "Z"  # type: ignore[attr-defined]
    when = post.created_at
    if when.year < 1000:  # strftime writes such a year without zeros in front
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return when.isoformat()[:19] + "Z"  # the same text from year 1000 on, faster


def write_labels(
    rows: Iterable[tuple[Post, Label]],
    out: TextIO,
    output: str = "table",
    **who: Unpack[Authorship],
) -> None:
    """Write each post with its label: `table` for people, `jsonl` or `csv` for scripts.

    With `with_author`, jsonl and csv carry `author` (the account name; null or empty
    when the data does not say) in one more key or column, `author`.
    """
    lines = _Lines(output, **who)
    batch = [lines.head]
    line = lines.line
    for post, label in rows:
        batch.append(line(post, label))
        if len(batch) >= _BATCH:
            lines.write(out, batch)
            batch = []
    lines.write(out, batch)


_X_ID = '{"platform":"x","id":"'
"""How a JSONL line of an X post starts, up to its id."""


def _jsonl_opening(ident: str, key: str) -> str:
    return f'{_X_ID}{ident}","created_at":"{key[:19]}Z",'


def _csv_opening(ident: str, key: str) -> str:
    return f"x,{ident},{key[:19]}Z,"


def _table_opening(ident: str, key: str) -> str:
    return f"{key[:10]} {key[11:16]} UTC  {ident:>20}  "


_OPENINGS = {"jsonl": _jsonl_opening, "csv": _csv_opening}
"""A keyed X post's line up to its label's part, by output (else the table's)."""


def write_keyed_labels(
    rows: Sequence[tuple[str, Label]], out: TextIO, output: str, **who: Unpack[Authorship]
) -> None:
    """`write_labels` for X posts known by their sort key (`ISO-time LLL id`) alone.

    The same text as `write_labels` gives for those posts: each label's part of a line
    (from the category on) is rendered once, and each line joins it to the id and time.
    """
    lines = _Lines(output, **who)
    known, tail, whole = lines.known, lines.tail, lines.whole
    opening = _OPENINGS.get(output, _table_opening)
    lines.write(out, [lines.head])
    for at in range(0, len(rows), _BATCH):
        chunk = rows[at : at + _BATCH]
        ids = [key[24:] for key, _ in chunk]
        # An id of ASCII letters and digits needs no escape in any format; any other is
        # written by `write_labels`. Asked of the batch at once: per id, it was a quarter
        # of the writing.
        if not _plain_ids(ids):
            batch = [
                opening(i, k) + (known.get(id(b)) or tail(b))
                if _plain_ids((i,)) else whole(i, k[:19], b)
                for i, (k, b) in zip(ids, chunk, strict=True)
            ]  # fmt: skip
        elif output == "jsonl":  # `_jsonl_opening` written out: no call per line
            batch = [
                f'{_X_ID}{i}","created_at":"{k[:19]}Z",{known.get(id(b)) or tail(b)}'
                for i, (k, b) in zip(ids, chunk, strict=True)
            ]
        else:
            batch = [
                opening(i, k) + (known.get(id(b)) or tail(b))
                for i, (k, b) in zip(ids, chunk, strict=True)
            ]
        lines.write(out, batch)


def _plain_ids(ids: Sequence[str]) -> bool:
    """Whether every id is a non-empty run of ASCII letters and digits."""
    joined = "".join(ids)
    # bytes.isalnum reads ASCII only, each byte from a table: str.isalnum asks Unicode's.
    return all(ids) and joined.isascii() and joined.encode().isalnum()


class _Lines:
    """The lines of one output format; each label's part of a line is rendered once.

    A line is its post's platform, id and time, then its label's part (`tail`): JSON
    members, CSV cells and table columns are each written on their own, so the two
    join as they are. A platform or id of ASCII letters and digits is written as it is
    in every format; any other goes through orjson or the csv writer whole.
    """

    def __init__(self, output: str, with_author: bool = False, author: str | None = None) -> None:
        self.output = output
        self.fields = (*LABEL_FIELDS, "author") if with_author else LABEL_FIELDS
        self.extra: tuple[str | None, ...] = (author,) if with_author else ()
        self.csv_extra = tuple(csv_cell(e or "") for e in self.extra)
        self.known: dict[int, str] = {}
        """Each label's tail by the label's id (no dataclass hash per line); `labels` keeps
        those labels alive, so no other object can take one of their ids meanwhile."""
        self.labels: list[Label] = []
        self.block = io.StringIO()
        self.csv: CsvWriter | None = None
        """The csv writer of `block`, made for the first CSV row (no csv module loaded else)."""
        self.head = self._csv_row(self.fields) if output == "csv" else ""
        self.verdicts: dict[tuple[Category, Kind], str] = {}
        """A JSONL tail's category and kind members, by the label's category and kind."""
        self.close = f',"author":{self.json(author)}}}\n' if with_author else "}\n"
        """How a JSONL line ends after the reason."""

    def line(self, post: Post, label: Label) -> str:
        """The line of one post."""
        tail = self.known.get(id(label)) or self.tail(label)
        platform, ident = post.platform, post.id
        if self.output == "table":
            when = post.created_at.strftime("%Y-%m-%d %H:%M UTC")  # no --tz: say whose clock
            return f"{when}  {terminal_safe(ident):>20}  {tail}"
        plain = platform.isalnum() and ident.isalnum() and (platform + ident).isascii()
        if self.output == "jsonl":
            if plain:
                return (
                    f'{{"platform":"{platform}","id":"{ident}","created_at":"{_stamp(post)}",{tail}'
                )
            values = (platform, ident, _stamp(post), *_label_cells(label), *self.extra)
            record = dict(zip(self.fields, values, strict=True))
            return json_inert(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE).decode())
        if plain:
            return f"{platform},{ident},{_stamp(post)},{tail}"
        # The time, category and kind are written by linkratio itself: nothing to escape.
        cells = (csv_cell(platform), csv_cell(ident), _stamp(post), *_label_cells(label)[:2])
        return self._csv_row((*cells, csv_cell(label.reason), *self.csv_extra))

    def tail(self, label: Label) -> str:
        """The part of a line of `label` from its category on (JSON, CSV or table)."""
        if self.output == "jsonl":
            # orjson writes an object member by member: the members from the category on
            # go on a line as they are. Category and kind are lower-case words.
            verdict = (label.category, label.kind)
            opening = self.verdicts.get(verdict)
            if opening is None:
                category, kind = verdict[0].value, verdict[1].value
                opening = self.verdicts[verdict] = f'"category":"{category}","kind":"{kind}",'
            tail = f'{opening}"reason":{self.json(label.reason)}{self.close}'
            self.known[id(label)] = tail
            self.labels.append(label)
            return tail
        category, kind, reason = _label_cells(label)
        if self.output == "csv":
            tail = self._csv_row((category, kind, csv_cell(reason), *self.csv_extra))
        else:
            cat = f"{category}/{kind}"
            tail = f"{cat:<23}  {terminal_safe(reason)}\n"
        self.known[id(label)] = tail
        self.labels.append(label)
        return tail

    @staticmethod
    def json(value: str | None) -> str:
        """`value` as orjson writes it in an object (inert on a terminal: `json_inert`)."""
        return json_inert(orjson.dumps(value).decode())

    def whole(self, ident: str, stamp: str, label: Label) -> str:
        """The line of an X post of this id, time (ISO, to the second) and label."""
        when = datetime.fromisoformat(stamp).replace(tzinfo=UTC)
        return self.line(Post(platform="x", id=ident, created_at=when, text=""), label)

    def write(self, out: TextIO, batch: list[str]) -> None:
        """Write lines at once: JSONL as UTF-8 bytes, CSV and tables as text (as ever)."""
        if self.output == "jsonl":
            # Line by line: one line beyond Latin-1 would widen the whole batch's text
            # (and its UTF-8 encoding takes the slow way); most lines are ASCII.
            _write_bytes(out, b"".join([line.encode() for line in batch]))
        else:
            out.write("".join(batch))

    def _csv_row(self, cells: Sequence[str]) -> str:
        if self.csv is None:
            import csv

            self.csv = csv.writer(self.block, lineterminator="\n")
        self.csv.writerow(cells)
        row = self.block.getvalue()
        self.block.seek(0)
        self.block.truncate()
        return row


def _label_cells(label: Label) -> tuple[str, str, str]:
    return label.category.value, label.kind.value, label.reason


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
