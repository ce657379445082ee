"""The `cohort` extra: pyarrow, duckdb and dask load lazily, with a one-line error when absent."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from linkratio.errors import LinkratioError

INSTALL_HINT = "pip install 'linkratio[cohort]'"
"""How to install what cohort analysis needs."""


class MissingExtraError(LinkratioError):
    """A module of the `cohort` extra is not installed (exit 2)."""


def need(module: str) -> ModuleType:
    """Import `module` (pyarrow, duckdb, dask.distributed...) or raise MissingExtraError."""
    try:
        return importlib.import_module(module)
    except ImportError:
        top = module.split(".")[0]
        raise MissingExtraError(
            f"cohort analysis needs {top}, which is not installed: run {INSTALL_HINT}"
        ) from None


def require(module: str) -> None:
    """MissingExtraError unless `module` is installed; it is looked for, not imported (the
    workers import it)."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        need(module)  # raises MissingExtraError
