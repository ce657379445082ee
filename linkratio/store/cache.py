"""The frame cache: what the layer above derives from posts, stored column-wise per save.

The store does not know how a frame row is derived (labels, urls, domains, partners): the
caller passes a `Deriver` with the function and its fingerprint, a hash of the code
behind it. The rows of the posts one `save_posts` call stored make one segment in
`frame_segments` / `frame_columns`, under that fingerprint; a segment written under
another fingerprint is stale, and the next `frame()` rebuilds the cache from the posts.

Reading 200,000 rows through sqlite3 costs over a second in row and value objects alone,
so each column of a segment is one or two blobs:
  int64   data: little-endian int64s (created_at in microseconds)
  json    data: a JSON array of the values (id, text)
  values  data: a JSON array of the distinct values (strings, or lists for the list
          columns); codes: an int32 index into it per row, -1 for None
Rows with equal lists get one shared list object: 800,000 fresh lists would cost more
time (and garbage-collector passes) than all the rest of frame().
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

import linkratio.store.maintenance as maintenance
from linkratio.model import Post, id_key

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

log = logging.getLogger(__name__)

MAX_SEGMENTS = 32
"""frame() merges an account's cache into one segment once it has more than this many."""
_JSON = frozenset({"id", "text"})  # nearly every value distinct: not worth numbering

Encoded = list[tuple[str, str, bytes, bytes | None]]
"""(column, encoding, data, codes) per frame column."""
Columns = dict[str, "np.ndarray"]
"""Per frame column, the values of every row."""


@dataclass(frozen=True, slots=True)
class Deriver:
    """How frame rows are derived from posts: given to the store by the layer that owns it.

    `derive(posts)` gives, per name in `columns`, one value per post in order; the columns
    include `id` and `created_at` (integer microseconds UTC). `fingerprint()` is a hash of
    the deriving code: rows cached under another fingerprint are derived again.
    """

    columns: tuple[str, ...]
    list_columns: tuple[str, ...]
    """Columns whose cells are lists."""
    object_columns: tuple[str, ...]
    """Columns kept as object dtype whatever the data."""
    derive: Callable[[Iterable[Post]], Mapping[str, Any]]
    fingerprint: Callable[[], str]


# -- encoding ----------------------------------------------------------------------------


def encode(columns: Mapping[str, Any], deriver: Deriver) -> Encoded:
    """Encode frame columns (lists or numpy arrays of the values) column by column."""
    import numpy as np

    encoded: Encoded = []
    lists = frozenset(deriver.list_columns)
    for name in deriver.columns:
        values = columns[name]
        if isinstance(values, np.ndarray) and values.dtype == object:
            values = values.tolist()
        if name == "created_at":
            micros = np.asarray(values, dtype="<i8")
            encoded.append((name, "int64", micros.tobytes(), None))
        elif name in _JSON:
            encoded.append((name, "json", orjson.dumps(values), None))
        elif name in lists:  # lists cannot be hashed: number them by their tuples
            index: dict[tuple[Any, ...], int] = {}
            codes = [index.setdefault(tuple(value), len(index)) for value in values]
            data = orjson.dumps(list(index))
            encoded.append((name, "values", data, np.array(codes, dtype="<i4").tobytes()))
        else:  # numbered in order of first appearance, None as -1 (as pandas.factorize)
            seen: dict[Any, int] = {}
            found = [-1 if value is None else seen.setdefault(value, len(seen)) for value in values]
            data = orjson.dumps(list(seen))
            encoded.append((name, "values", data, np.array(found, dtype="<i4").tobytes()))
    return encoded


def decode(encoding: str, data: bytes, codes: bytes | None) -> np.ndarray:
    """One column of one segment as a numpy array (int64 or object)."""
    import numpy as np

    if encoding == "int64":
        return np.frombuffer(data, dtype="<i8")
    values = orjson.loads(data)
    if encoding == "json":
        return np.fromiter(values, dtype=object, count=len(values))
    if encoding == "values":
        values.append(None)  # code -1
        index = np.frombuffer(codes or b"", dtype="<i4")
        if len(index) and not -1 <= int(index.min()) <= int(index.max()) < len(values) - 1:
            raise ValueError("a code points outside the column's values")
        return np.fromiter(values, dtype=object, count=len(values))[index]
    raise ValueError(f"unknown frame cache encoding {encoding!r}")


def decoded(encoded: Encoded) -> Columns:
    """Every column of an encoded frame as numpy arrays."""
    return {name: decode(encoding, data, codes) for name, encoding, data, codes in encoded}


def _rows(encoded: Encoded) -> int:
    """How many rows an encoded frame holds."""
    return next(len(data) // 8 for name, _, data, _ in encoded if name == "created_at")


def in_time_order(columns: Columns) -> Columns:
    """The rows sorted as model.collapse sorts posts (no copy when they already are)."""
    import numpy as np

    order = _time_order(columns["created_at"], columns["id"])
    if np.array_equal(order, np.arange(len(order))):
        return columns
    return {name: values[order] for name, values in columns.items()}


def _time_order(created: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Row order by creation time, then id by length and text (as model.collapse)."""
    import numpy as np

    order = np.argsort(created, kind="stable")
    ordered = created[order]
    ties = np.flatnonzero(ordered[1:] == ordered[:-1]).tolist()
    i = 0
    while i < len(ties):  # a few posts share a second: order each such run by id
        j = i
        while j + 1 < len(ties) and ties[j + 1] == ties[j] + 1:
            j += 1
        run = slice(ties[i], ties[j] + 2)
        order[run] = sorted(order[run].tolist(), key=lambda row: id_key(str(ids[row])))
        i = j + 1
    return order


def without(columns: Columns, ids: Iterable[str]) -> Columns:
    """The rows whose id is not among `ids`."""
    import pandas as pd

    keep = ~pd.Index(columns["id"]).isin(list(ids))
    return {name: values[keep] for name, values in columns.items()}


def table(columns: Columns, deriver: Deriver, names: Collection[str] | None = None) -> pd.DataFrame:
    """The DataFrame the deriving layer would build from these column values.

    With `names`, only those of its columns (in the deriver's order).
    """
    import pandas as pd

    data: dict[str, Any] = {}
    for name in deriver.columns if names is None else selected(deriver, names):
        values = columns[name]
        if name == "created_at":
            data[name] = pd.to_datetime(values, unit="us", utc=True)
        elif name in deriver.object_columns or name in deriver.list_columns:
            data[name] = pd.Series(values, dtype=object, copy=False)
        else:  # e.g. reply_to, quoted: from a list, so pandas infers their dtype as from rows
            data[name] = values.tolist()
    return pd.DataFrame(data, columns=list(data))


def selected(deriver: Deriver, names: Collection[str]) -> tuple[str, ...]:
    """The deriver's columns among `names`, in the deriver's order."""
    unknown = set(names) - set(deriver.columns)
    if unknown:
        raise ValueError(f"no frame column(s) {', '.join(sorted(unknown))}")
    return tuple(name for name in deriver.columns if name in names)


# -- segments ----------------------------------------------------------------------------


def write_segment(
    db: sqlite3.Connection,
    platform: str,
    account_id: str,
    fingerprint: str,
    replaced: int,
    encoded: Encoded,
) -> None:
    """Add one segment of the account's cache (`replaced`: how many of its rows were stored)."""
    segment = db.execute(
        "INSERT INTO frame_segments (platform, account_id, classifier, rows, replaced)"
        " VALUES (?, ?, ?, ?, ?)",
        (platform, account_id, fingerprint, _rows(encoded), replaced),
    ).lastrowid
    db.executemany(
        "INSERT INTO frame_columns VALUES (?, ?, ?, ?, ?)",
        [(segment, *column) for column in encoded],
    )


def add_saved(
    db: sqlite3.Connection,
    platform: str,
    account_id: str,
    saved: list[Post],
    known: dict[str, str],
    encoded: Encoded | None,
    deriver: Deriver | None,
) -> None:
    """Add the `saved` posts' rows (`known`: their owners before) to the account's cache, or
    drop a cache it cannot extend."""
    for other in set(known.values()) - {account_id}:  # posts moving between accounts
        drop(db, platform, other)
    if not saved:
        return
    if encoded is None or deriver is None:
        drop(db, platform, account_id)
        return
    replaced = sum(owner == account_id for owner in known.values())
    write_segment(db, platform, account_id, deriver.fingerprint(), replaced, encoded)


def drop(db: sqlite3.Connection, platform: str, account_id: str) -> None:
    """Delete the account's cache: the next frame() derives it again."""
    db.execute(
        "DELETE FROM frame_segments WHERE platform = ? AND account_id = ?", (platform, account_id)
    )


def last_segment(db: sqlite3.Connection, platform: str, account_id: str) -> int | None:
    """The number of the account's newest segment, or None."""
    row = db.execute(
        "SELECT max(segment) FROM frame_segments WHERE platform = ? AND account_id = ?",
        (platform, account_id),
    ).fetchone()
    return row[0] if row else None


def cached_columns(
    db: sqlite3.Connection,
    platform: str,
    account_id: str,
    stored: int,
    deriver: Deriver,
    names: Collection[str] | None = None,
) -> tuple[int | None, Columns | None, bool]:
    """(last segment, every stored post's frame row in time order, merge the segments?).

    The rows are None when the cache is stale or does not cover the `stored` posts. With
    `names`, only those columns (and `id`, `created_at`) are decoded, unless the segments
    are to be merged: a merge needs them all.
    """
    key = (platform, account_id)
    segments = db.execute(
        "SELECT segment, classifier, replaced FROM frame_segments"
        " WHERE platform = ? AND account_id = ? ORDER BY segment",
        key,
    ).fetchall()
    last = segments[-1][0] if segments else None
    if not segments:
        return last, None if stored else decoded(encode(deriver.derive([]), deriver)), False
    fingerprint = deriver.fingerprint()
    if any(found != fingerprint for _, found, _ in segments):
        return last, None, False
    merge = len(segments) > MAX_SEGMENTS or any(replaced for _, _, replaced in segments[1:])
    wanted = None if merge or names is None else {*names, "id", "created_at"}
    try:
        columns = _read_segments(db, key, deriver, wanted)
    except (ValueError, IndexError, KeyError, TypeError) as e:
        # The cache is derived data: a garbled segment is derived again, not a failure.
        log.warning("the frame cache of %s/%s is damaged (%s): rebuilt from the posts", *key, e)
        return last, None, False
    if any(replaced for _, _, replaced in segments[1:]):
        # A post saved again is in a later segment too: its last copy is the current one.
        import pandas as pd

        keep = ~pd.Index(columns["id"]).duplicated(keep="last")
        columns = {name: values[keep] for name, values in columns.items()}
    if len(columns["id"]) > stored:  # posts are never deleted, and a move drops the cache
        detail = f"{len(columns['id']):,} posts of {'/'.join(key)} cached, {stored:,} found"
        raise maintenance.damaged(maintenance.file_of(db), detail)
    if len(columns["id"]) != stored:
        return last, None, False  # posts from before the cache
    return last, in_time_order(columns), merge


def _read_segments(
    db: sqlite3.Connection, key: tuple[str, str], deriver: Deriver, names: set[str] | None
) -> Columns:
    """Every segment of the account, concatenated in segment order (only `names`, if given)."""
    import numpy as np

    wanted = deriver.columns if names is None else selected(deriver, names)
    if names is not None:  # the columns left unread must be there all the same
        _check_names(db, key, deriver)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in wanted}
    rows = db.execute(
        "SELECT c.name, c.encoding, c.data, c.codes FROM frame_segments s"
        " JOIN frame_columns c ON c.segment = s.segment"
        " WHERE s.platform = ? AND s.account_id = ?"
        f" AND c.name IN ({', '.join('?' * len(wanted))}) ORDER BY s.segment, c.name",
        (*key, *wanted),
    )
    for name, encoding, data, codes in rows:
        parts[name].append(decode(encoding, data, codes))
    columns = {name: np.concatenate(arrays) for name, arrays in parts.items()}
    if len({len(values) for values in columns.values()}) > 1:
        raise ValueError("its columns differ in length")
    return columns


def _check_names(db: sqlite3.Connection, key: tuple[str, str], deriver: Deriver) -> None:
    """Raise ValueError unless each segment of the account holds exactly the deriver's columns."""
    found: dict[int, list[str]] = {}
    for segment, name in db.execute(
        "SELECT s.segment, c.name FROM frame_segments s"
        " JOIN frame_columns c ON c.segment = s.segment"
        " WHERE s.platform = ? AND s.account_id = ?",
        key,
    ):
        found.setdefault(segment, []).append(name)
    expected = sorted(deriver.columns)
    if any(sorted(names) != expected for names in found.values()):
        raise ValueError("a segment lacks columns or has others")
