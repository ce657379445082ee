"""The bench scripts reach into linkratio's internals: keep the names they import real."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def _imports(code: str) -> list[tuple[str, str]]:
    """(module, name) of every `from linkratio... import name` in `code`."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("linkratio"):
            found += [(node.module or "", alias.name) for alias in node.names]
    return found


def _snippets(script: Path) -> list[str]:
    """The script's own code and every string constant in it that parses as Python
    importing linkratio (code a bench runs in a child process)."""
    source = script.read_text(encoding="utf-8")
    snippets = [source]
    for node in ast.walk(ast.parse(source)):
        text = node.value if isinstance(node, ast.Constant) else None
        if isinstance(text, str) and "linkratio" in text and "import" in text:
            try:
                ast.parse(text)
            except SyntaxError:
                continue
            snippets.append(text)
    return snippets


def _exists(module: str, name: str) -> bool:
    """`from module import name` finds a name or a submodule."""
    if hasattr(importlib.import_module(module), name):
        return True
    return importlib.util.find_spec(f"{module}.{name}") is not None


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_every_linkratio_name_a_bench_imports_exists(script: Path) -> None:
    missing = [
        f"{module}.{name}"
        for code in _snippets(script)
        for module, name in _imports(code)
        if not _exists(module, name)
    ]
    assert missing == []


def test_the_import_parts_are_found() -> None:
    # The check above sees the child processes' code of throughput.py's IMPORT_PARTS.
    names = {n for code in _snippets(BENCH / "throughput.py") for _, n in _imports(code)}
    assert {"POST_COLUMNS", "read_paired"} <= names
