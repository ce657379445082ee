"""Many accounts at once: build a Parquet dataset (locally or on Dask), query it with DuckDB.

`build` reads archives, saved API responses and library accounts into a Parquet dataset
partitioned by platform and month; `summary`, `weekly_trend` and `connect` query it with
DuckDB; `write_report` makes the HTML report. pyarrow, duckdb and dask (the `cohort`
extra) load on first use, never on import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES: dict[str, str] = {
    "build": "linkratio.cohort.builder",
    "BuildResult": "linkratio.cohort.builder",
    "Progress": "linkratio.cohort.builder",
    "connect": "linkratio.cohort.query",
    "summary": "linkratio.cohort.query",
    "sql": "linkratio.cohort.query",
    "weekly_trend": "linkratio.cohort.query",
    "top_sites": "linkratio.cohort.query",
    "SUMMARY_COLUMNS": "linkratio.cohort.query",
    "write_report": "linkratio.cohort.report",
    "COLUMNS": "linkratio.cohort.rows",
    "run_task": "linkratio.cohort.tasks",
    "Task": "linkratio.cohort.tasks",
    "ENGINES": "linkratio.cohort.engines",
    "MissingExtraError": "linkratio.cohort._deps",
}

__all__ = [
    "BuildResult",
    "COLUMNS",
    "ENGINES",
    "MissingExtraError",
    "Progress",
    "SUMMARY_COLUMNS",
    "Task",
    "build",
    "connect",
    "run_task",
    "sql",
    "summary",
    "top_sites",
    "weekly_trend",
    "write_report",
]

if TYPE_CHECKING:
    from linkratio.cohort._deps import MissingExtraError
    from linkratio.cohort.builder import BuildResult, Progress, build
    from linkratio.cohort.engines import ENGINES
    from linkratio.cohort.query import (
        SUMMARY_COLUMNS,
        connect,
        sql,
        summary,
        top_sites,
        weekly_trend,
    )
    from linkratio.cohort.report import write_report
    from linkratio.cohort.rows import COLUMNS
    from linkratio.cohort.tasks import Task, run_task


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'linkratio.cohort' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
