"""Rows of a query as output: a JSON array of objects, CSV, or an aligned terminal table.

Values from pandas, numpy and DuckDB become plain Python first (NaN is null, dates are ISO
text). Every cell is made inert for where it goes: CSV cells that a spreadsheet would run
as a formula get a leading `'`, and terminal cells lose control and bidi characters.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TextIO

from linkratio.render.escape import csv_cell, json_inert, terminal_safe
from linkratio.wording import counted

_FORMULA_START = ("=", "+", "-", "@")


def plain(value: Any) -> Any:
    """A JSON-ready value: NaN is null, numpy scalars are Python numbers, dates are ISO text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def formula_safe(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text starting with = + - or @ gets a `'`.

    Control characters (tab and CR included) are shown as U+FFFD first (`csv_cell`).
    """
    if not isinstance(value, str):
        return value
    value = csv_cell(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def rows_json(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The rows as a JSON array of objects keyed by `columns` (indented, no final newline).

    Inert on a terminal (`json_inert`): the same data to a JSON reader.
    """
    text = io.StringIO()
    write_json(text, columns, rows)
    return text.getvalue()


def write_json(fh: TextIO, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write `rows_json` of the rows to `fh` one object at a time; return the number of rows."""
    import orjson

    count = 0
    for row in rows:
        record = dict(zip(columns, map(_json_plain, row), strict=True))
        text = orjson.dumps(record, default=_json_default, option=orjson.OPT_INDENT_2).decode()
        # The array's own indent: JSON strings hold no raw newline, so each line is shifted.
        fh.write(("[\n  " if count == 0 else ",\n  ") + json_inert(text.replace("\n", "\n  ")))
        count += 1
    fh.write("\n]" if count else "[]")
    return count


def _json_plain(value: Any) -> Any:
    """`plain`, with integers past 64 bits (DuckDB's HUGEINT) as text, which orjson cannot write."""
    value = plain(value)
    if isinstance(value, int) and not -(2**63) <= value < 2**64:
        return str(value)
    return value


def _json_default(value: Any) -> Any:
    """What orjson cannot write itself: DECIMAL as a number (NaN as null), anything else as text."""
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    return str(value)


def write_csv(fh: TextIO, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and the rows as CSV to `fh`; return the number of rows."""
    writer = csv.writer(fh)
    writer.writerow([formula_safe(c) for c in columns])
    count = 0
    for row in rows:
        writer.writerow([formula_safe(plain(v)) for v in row])
        count += 1
    return count


def _shown(value: Any) -> str:
    value = plain(value)
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return terminal_safe(str(value))


TABLE_LEAD = 1000
"""Rows a table is aligned by: a longer table streams, its later rows padded to those widths."""


def rows_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The rows as an aligned table with a header line and a row count, for a terminal."""
    text = io.StringIO()
    write_table(text, columns, rows)
    return text.getvalue()


def write_table(fh: TextIO, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write `rows_table` of the rows to `fh`, aligned by the first `TABLE_LEAD` rows.

    Return the number of rows. Rows past those are written as they come (a cell wider
    than its column pushes the rest of its line right), so memory does not grow with them.
    """
    it = iter(rows)
    lead = [[_shown(v) for v in r] for r in itertools.islice(it, TABLE_LEAD)]
    heads = [terminal_safe(c) for c in columns]
    widths = [max([len(h), *(len(r[i]) for r in lead)]) for i, h in enumerate(heads)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip() + "\n"

    fh.write(line(heads))
    for cells in lead:
        fh.write(line(cells))
    count = len(lead)
    for row in it:
        fh.write(line([_shown(v) for v in row]))
        count += 1
    fh.write(f"({counted(count, 'row')})\n")
    return count
