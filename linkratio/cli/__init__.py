"""The `linkratio` command line: thin commands over the library (see `cli.app`)."""

from __future__ import annotations

from linkratio.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
