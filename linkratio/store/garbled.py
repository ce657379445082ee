"""Rows SQLite keeps but linkratio cannot read: values of the wrong type or shape.

The tables are not STRICT, so a post's `created_at` may hold text and a JSON column may
hold anything while every page, index and reference is sound. The commands that read such
a row stop with "the library is damaged ... run 'linkratio library check'"; `garbled`
finds the same rows so that check names them, and `check` adds them to the page checks.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from linkratio.store.accounts import cursor_problem
from linkratio.store.maintenance import check as page_check
from linkratio.store.times import TIMESTAMPS, from_db_time, to_micros

_SHOWN = 20
"""Rows named one line each; the rest are counted."""

_MICROS = (to_micros(datetime.min.replace(tzinfo=UTC)), to_micros(datetime.max.replace(tzinfo=UTC)))
"""The integer times `from_micros` can read (years 1 to 9999)."""

_NOT_ARRAY = (
    "CASE WHEN typeof({c}) != 'text' OR NOT json_valid({c}) THEN 1"
    " ELSE json_type({c}) != 'array' END"
)
_NOT_LINKS = (
    "CASE WHEN typeof(links) != 'text' OR NOT json_valid(links) THEN 1"
    " WHEN json_type(links) != 'array' THEN 1"
    " ELSE EXISTS (SELECT 1 FROM json_each(posts.links)"
    " WHERE type != 'object' OR json_type(value, '$.url') IS NOT 'text') END"
)
_TEXT = ("platform", "post_id", "account_id", "text", "origin", "tool_version")
_TEXT_OR_NULL = (
    "author_id", "author_handle", "repost_of_handle", "reply_to_post_id", "reply_to_user_id",
    "reply_to_handle", "quoted_post_id", "quoted_user_id", "quoted_handle", "chain_id",
)  # fmt: skip

_CHECKS: tuple[tuple[str, str, str, str], ...] = (
    (
        "posts",
        "created_at",
        f"typeof(created_at) != 'integer' OR created_at NOT BETWEEN {_MICROS[0]} AND {_MICROS[1]}",
        "is not a time (integer microseconds)",
    ),
    *(("posts", c, f"typeof({c}) != 'text'", "is not text") for c in _TEXT),
    *(("posts", c, f"typeof({c}) NOT IN ('text', 'null')", "is not text") for c in _TEXT_OR_NULL),
    ("posts", "links", _NOT_LINKS, "is not a JSON array of links"),
    *(
        ("posts", c, _NOT_ARRAY.format(c=c), "is not a JSON array")
        for c in ("mentions", "edit_ids")
    ),
    *((t, c, f"linkratio_not_time({c})", "is not a time") for t, c in TIMESTAMPS),
    ("cursors", "state", "linkratio_bad_cursor(state)", "is not a saved cursor"),
    ("excerpts", "post_id", "typeof(post_id) != 'text'", "is not text"),  # the table is there
)
"""(table, column, SQL condition of a bad value, what is wrong with it)."""


def _not_time(value: object) -> bool:
    """Whether a stored TEXT time cannot be read back (`from_db_time`)."""
    try:
        from_db_time(value)  # type: ignore[arg-type]  # a garbled cell: any type
    except (ValueError, TypeError, OverflowError):
        return True
    return False


def _bad_cursor(state: object) -> bool:
    """Whether a stored pagination state cannot be read back (`accounts.cursor`)."""
    return cursor_problem(state) is not None


def garbled(db: sqlite3.Connection) -> list[str]:
    """A line for each row (up to 20, then a count) whose value no command could read."""
    db.create_function("linkratio_not_time", 1, _not_time, deterministic=True)
    db.create_function("linkratio_bad_cursor", 1, _bad_cursor, deterministic=True)
    lines: list[str] = []
    hidden = 0
    tables = {table: [c for t, _, c, _ in _CHECKS if t == table] for table, *_ in _CHECKS}
    sound = {t for t, bad in tables.items() if not _any_row(db, t, bad)}  # one scan a table
    for table, column, bad, what in _CHECKS:
        if table in sound:
            continue
        where = f"FROM {table} WHERE {bad}"
        count = db.execute(f"SELECT count(*) {where}").fetchone()[0]
        if not count:
            continue
        name = (
            "'post ' || quote(post_id) || ' of ' || platform"
            if table == "posts"
            else "'row ' || rowid"
        )
        rows = db.execute(
            f"SELECT {name}, {column} {where} LIMIT ?", (max(_SHOWN - len(lines), 0),)
        ).fetchall()
        lines += [f"{who} in {table}: {column} {_shown(value)} {what}" for who, value in rows]
        hidden += count - len(rows)
    if hidden:
        lines.append(f"and {hidden:,} more values of the wrong type or shape")
    return lines


def check(db: sqlite3.Connection) -> list[str]:
    """What the integrity and foreign-key checks and `garbled` find wrong; [] when sound."""
    problems = page_check(db)
    try:
        return problems + garbled(db)
    except sqlite3.DatabaseError as e:  # pages too damaged to be scanned
        return problems or [str(e)]


def _shown(value: object) -> str:
    """A stored value as a line shows it: quoted text cut to 40 characters, or what it is."""
    if isinstance(value, bytes):
        return f"(a BLOB of {len(value):,} bytes)"
    return repr(str(value)[:40])


def _any_row(db: sqlite3.Connection, table: str, conditions: list[str]) -> bool:
    """Whether a row of `table` meets any of the SQL `conditions`."""
    where = " OR ".join(f"({c})" for c in conditions)
    return bool(db.execute(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {where})").fetchone()[0])
