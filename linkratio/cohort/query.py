"""DuckDB over the cohort's Parquet: the `posts` view, per-account summary, weekly trend, sites.

The `posts` view shows each post once: when two inputs hold the same post (same platform
and id), the copy from the last part file in name order is kept (the last row read wins).
"""

from __future__ import annotations

import glob
import logging
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

import linkratio.cohort.manifest as manifest
from linkratio.cohort._deps import need
from linkratio.cohort.period import Period, period_of
from linkratio.cohort.rows import COLUMNS
from linkratio.errors import InputError
from linkratio.wording import Names, counted

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

SUMMARY_COLUMNS: tuple[str, ...] = (
    "platform",
    "account",
    "posts",
    "conversation",
    "link",
    "retweet",
    "other",
    "talk_share",
    "talk_to_link",
    "talk_only_days",
    "top_site",
)
"""The columns of `summary`, in order (TAXONOMY.md defines each ratio)."""


_EMPTY = ", ".join(
    f"CAST(NULL AS {'TIMESTAMPTZ' if c == 'created_at' else 'VARCHAR'}) AS {c}" for c in COLUMNS
)

_SELECTED = """
WITH sel AS (
  SELECT *, coalesce(author_id, account) AS who,
         CAST(timezone($tz, created_at) AS DATE) AS day
  FROM posts
  WHERE ($since IS NULL OR CAST(timezone($tz, created_at) AS DATE) >= $since)
    AND ($until IS NULL OR CAST(timezone($tz, created_at) AS DATE) <= $until)
)"""

_SUMMARY = (
    _SELECTED
    + """,
acc AS (
  SELECT platform, who, first(account ORDER BY created_at DESC, id DESC) AS account,
         count(*) AS posts,
         count(*) FILTER (WHERE category = 'conversation') AS conversation,
         count(*) FILTER (WHERE category = 'link') AS link,
         count(*) FILTER (WHERE category = 'retweet') AS retweet,
         count(*) FILTER (WHERE category = 'other') AS other
  FROM sel GROUP BY platform, who
),
talk_days AS (
  SELECT platform, who, count(*) AS talk_only_days FROM (
    SELECT platform, who, day FROM sel GROUP BY platform, who, day
    HAVING bool_or(category = 'conversation') AND NOT bool_or(category IN ('link', 'retweet'))
  ) GROUP BY platform, who
),
sites AS (
  SELECT platform, who, first(site ORDER BY n DESC, site) AS top_site FROM (
    SELECT platform, who, site, count(*) AS n FROM sel WHERE site IS NOT NULL
    GROUP BY platform, who, site
  ) GROUP BY platform, who
)
SELECT acc.platform, account, posts, conversation, link, retweet, other,
       conversation / posts AS talk_share,
       CASE WHEN link + retweet > 0 THEN conversation / (link + retweet) END AS talk_to_link,
       coalesce(talk_only_days, 0) AS talk_only_days, top_site
FROM acc
LEFT JOIN talk_days USING (platform, who)
LEFT JOIN sites USING (platform, who)
WHERE posts >= $min_posts
ORDER BY acc.platform, account, acc.who
"""
)

_WEEKLY = (
    _SELECTED
    + """,
per AS (
  SELECT date_trunc('week', day) AS week, platform, who,
         count(*) FILTER (WHERE category = 'conversation') / count(*) AS share
  FROM sel GROUP BY week, platform, who HAVING count(*) >= $min_posts
)
SELECT CAST(week AS DATE) AS week, count(*) AS accounts,
       quantile_cont(share, 0.5) AS median,
       quantile_cont(share, 0.25) AS q1, quantile_cont(share, 0.75) AS q3
FROM per GROUP BY week ORDER BY week
"""
)

_SITES = (
    _SELECTED
    + """
SELECT site, count(*) AS posts, count(DISTINCT (platform, who)) AS accounts
FROM sel WHERE site IS NOT NULL
GROUP BY site ORDER BY posts DESC, site LIMIT $limit
"""
)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def connect(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection (in memory, UTC) with the cohort in `path` as the view `posts`."""
    db: Any = need("duckdb")
    out = Path(path).expanduser()
    if not manifest.path_of(out).is_file():
        raise InputError(
            f"{out}: not a cohort folder (no {manifest.NAME}): build it first with "
            f"'linkratio cohort build INPUT... --out {out}' or cohort.build(inputs, {str(out)!r})"
        )
    # Spilled, an in-memory database writes to `.tmp` in the working directory: to a
    # private folder instead (DuckDB makes `spill` in it when it spills and removes it on
    # close), removed with the connection.
    _warn_unfinished(out)
    private = tempfile.mkdtemp(prefix="linkratio-duckdb-")
    con = db.connect(":memory:", config={"temp_directory": os.path.join(private, "spill")})
    weakref.finalize(con, shutil.rmtree, private, ignore_errors=True)
    con.execute("SET TimeZone = 'UTC'")
    if any(out.glob("platform=*/month=*/part-*.parquet")):
        # The folder's own name is no pattern: `cohort[1]` would match `cohort1`.
        files = _quote(os.path.join(glob.escape(str(out)), "platform=*/month=*/part-*.parquet"))
        source = (
            f"SELECT {', '.join(COLUMNS)} FROM read_parquet({files}, hive_partitioning = true, "
            "filename = true, file_row_number = true, "
            "hive_types = {'platform': VARCHAR, 'month': VARCHAR}) "
            # The last row read wins, as in reading a file whole (`model.collapse`): a
            # Mastodon edit keeps its id, and an input's parts go in file order.
            "QUALIFY row_number() OVER "
            "(PARTITION BY platform, id ORDER BY filename DESC, file_row_number DESC) = 1"
        )
    else:
        source = f"SELECT {_EMPTY} WHERE false"
    try:
        con.execute(f"CREATE VIEW posts AS {source}")
    except db.Error as exc:  # the first part's schema is read here
        con.close()
        raise _damaged(out, exc) from None
    return con


_WARNED: set[tuple[str, int]] = set()
"""The cohorts (folder, manifest mtime) whose unfinished build this process warned of."""


def _warn_unfinished(out: Path) -> None:
    """Warn, once per manifest, when the cohort's last build did not finish its inputs."""
    missing = manifest.unfinished(out)
    if not missing:
        return
    seen = (str(out.resolve()), manifest.path_of(out).stat().st_mtime_ns)
    if seen not in _WARNED:
        _WARNED.add(seen)
        log.warning(
            "%s: its last build did not finish (%s missing or out of date): run the same "
            "'linkratio cohort build' again",
            out,
            counted(missing, "input"),
        )


def summary(
    path: str | Path, *, min_posts: int = 1, names: Names | None = None, **period: Unpack[Period]
) -> pd.DataFrame:
    """One row per account with `SUMMARY_COLUMNS`: counts, talk share, talk-to-link, top site.

    `names`: how errors name the parameters (see `builder.build`)."""
    return _run(_SUMMARY, path, {**period_of(period, names), "min_posts": min_posts})


def weekly_trend(
    path: str | Path, *, min_posts: int = 1, names: Names | None = None, **period: Unpack[Period]
) -> pd.DataFrame:
    """Per ISO week (Monday): accounts posting, and the median and quartiles of talk share."""
    return _run(_WEEKLY, path, {**period_of(period, names), "min_posts": min_posts})


def top_sites(
    path: str | Path, *, limit: int = 15, names: Names | None = None, **period: Unpack[Period]
) -> pd.DataFrame:
    """The sites the cohort links to most: posts and distinct accounts per site."""
    return _run(_SITES, path, {**period_of(period, names), "limit": limit})


def _run(query: str, path: str | Path, params: dict[str, Any]) -> pd.DataFrame:
    """One of the queries above over the cohort at `path`, as a DataFrame."""
    with connect(path) as con:
        known = con.execute(
            "SELECT count(*) FROM pg_timezone_names() WHERE name = $tz", {"tz": params["tz"]}
        )
        if not known.fetchone()[0]:  # type: ignore[index]
            # zoneinfo also reads the system's files such as localtime or right/UTC
            raise InputError(
                f"unknown time zone {params['tz']!r}: expected an IANA name such as UTC"
            )
        try:
            return con.execute(query, params).df()
        except need("duckdb").Error as exc:  # a part cut short or garbled
            raise _damaged(path, exc) from None


def _damaged(path: str | Path, exc: Exception) -> InputError:
    """The one-line error for a dataset DuckDB cannot read (its message names the file); a
    build writing the folder meanwhile renames and deletes parts: then nothing is damaged."""
    if manifest.building(Path(path).expanduser()):
        advice = "a 'linkratio cohort build' is writing it: run the query again when it ends"
    else:
        advice = "delete that part file and run 'linkratio cohort build' again"
    return InputError(
        f"{path}: the dataset could not be read ({str(exc).splitlines()[0]}): {advice}"
    )


_READ_ONLY = frozenset({"SELECT", "EXPLAIN"})
"""The statement types `sql` runs: they read; COPY, ATTACH, INSTALL, SET... could write or fetch."""


_WHY = {
    "INSTALL": "it downloads an extension from the internet",
    "FORCE INSTALL": "it downloads an extension from the internet",
    "LOAD": "it loads an extension's code",
}
"""Why a statement is refused, by its first words; others could write or reach outside."""
_LEADING = re.compile(
    r"(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)*(FORCE\s+)?([A-Za-z_]{1,30})", re.S | re.I
)  # the statement's first words, after any comments


def _kind(statement: Any) -> str:
    """The statement's type (`SELECT`, `LOAD`...); `?` for one this duckdb module cannot name."""
    try:
        return str(statement.type.name)
    except ValueError:  # a type newer than the module's enum (UPDATE EXTENSIONS: 29)
        return "?"


def _refusal(statements: list[Any]) -> str:
    """The one-line refusal of `statements`, named by their first words (INSTALL, not LOAD)."""
    names: list[str] = []
    for statement in statements:
        found = _LEADING.match(str(getattr(statement, "query", ""))[:2_000])
        words = f"{'FORCE ' if found[1] else ''}{found[2]}".upper() if found else ""
        if words in ("", "WITH"):  # `WITH t AS (...) INSERT ...` is named INSERT
            words = _kind(statement)
        names += [] if words in names else [words]
    why = _WHY.get(names[0], "it could write files, change settings or reach outside the dataset")
    if len(names) > 1:
        why = "they could write files, fetch or load code, or reach outside the dataset"
    return (
        f"cohort sql runs queries only (SELECT, WITH, DESCRIBE, EXPLAIN): not "
        f"{', '.join(names)}: {why}"
    )


_SPACE = r"(?:\s|--[^\n]*(?:\n|$)|/\*.*?\*/)*"  # blanks and comments
_EXPLAIN = re.compile(
    _SPACE + r"EXPLAIN\b" + _SPACE + r"(?:ANALY[SZ]E\b" + _SPACE + ")?", re.S | re.I
)
_OPTIONS = re.compile(r"\([^()]*\)")  # `EXPLAIN (FORMAT json) SELECT ...`


def _explained(con: duckdb.DuckDBPyConnection, statement: Any) -> list[Any]:
    """The statements an EXPLAIN explains (EXPLAIN ANALYZE runs them); [] when not found."""
    text = str(getattr(statement, "query", ""))
    found = _EXPLAIN.match(text)
    rest = text[found.end() :] if found else ""
    for candidate in (rest, _OPTIONS.sub("", rest, count=1)):  # `(SELECT 1)`, or options
        try:
            inner = con.extract_statements(candidate)
        except need("duckdb").Error:
            continue
        if inner:
            return list(inner)
    return []


def _unread(con: duckdb.DuckDBPyConnection, statements: list[Any]) -> list[Any]:
    """The statements that do more than read; an EXPLAIN's own statement is looked at, as
    EXPLAIN ANALYZE runs it (`COPY ... TO` a file in the dataset's folder would write)."""
    refused: list[Any] = []
    for statement in statements:
        kind = _kind(statement)
        if kind == "EXPLAIN":
            inner = _explained(con, statement)
            refused += _unread(con, inner) if inner else [statement]
        elif kind not in _READ_ONLY:
            refused.append(statement)
    return refused


def _lock(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Let `con` read files under `folder` only, install and load no extension, and stay so."""
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    # and the folder as the `posts` view's pattern names it (`cohort[[]1]` for `cohort[1]`)
    real = str(folder.resolve()) + "/"
    dirs = {"dir": real, "pattern": glob.escape(str(folder.expanduser())) + "/"}
    con.execute("SET allowed_directories = [$dir, $pattern]", dirs)
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


BATCH_ROWS = 2048
"""Rows `sql_batches` fetches from DuckDB at a time: output streams, memory stays bounded."""


def sql(path: str | Path, query: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a read-only `query` over the cohort's `posts` view: (column names, all rows)."""
    with sql_batches(path, query) as (columns, batches):
        return columns, [row for batch in batches for row in batch]


@contextmanager
def sql_batches(
    path: str | Path, query: str, size: int = BATCH_ROWS
) -> Iterator[tuple[list[str], Iterator[list[tuple[Any, ...]]]]]:
    """Run a read-only `query` over `posts`: (column names, its rows `size` at a time).

    The rows are fetched as the batches are read, never all at once; a DuckDB error while
    fetching (a cast failing on row a million) is an InputError like one at the start.
    """
    db: Any = need("duckdb")
    with connect(path) as con:
        try:
            statements = con.extract_statements(query)
            if not statements:
                raise InputError("SQL error: no statement: expected a query such as SELECT ...")
            refused = _unread(con, statements)
            if refused:
                raise InputError(_refusal(refused))
            _lock(con, Path(path).expanduser())
            cursor = con.execute(query)
        except db.Error as exc:
            raise _sql_error(exc) from None
        columns = [str(d[0]) for d in cursor.description or ()]
        yield columns, _fetch(cursor, size, db.Error)


def _fetch(
    cursor: duckdb.DuckDBPyConnection, size: int, error: type[Exception]
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `cursor`'s result, `size` at a time, until it is done."""
    while True:
        try:
            batch = cursor.fetchmany(size)
        except error as exc:
            raise _sql_error(exc) from None
        if not batch:
            return
        yield batch


def _sql_error(exc: Exception) -> InputError:
    """The one-line error for a query DuckDB refused or failed to finish."""
    return InputError(f"SQL error: {str(exc).splitlines()[0]}")
