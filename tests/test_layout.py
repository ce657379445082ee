"""The house layout, checked: thin CLI modules that never import each other, help text for
every command and option, and escape helpers that load nothing heavy."""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from pathlib import Path

import linkratio.cli
from linkratio.cli import build_parser

CLI = Path(linkratio.cli.__file__).parent
COMMAND_MODULES = {
    f"linkratio.cli.{p.stem}"
    for p in CLI.glob("*.py")
    if p.stem not in ("__init__", "app", "options", "progress")
}


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, at module level or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def _command_imports(path: Path) -> set[str]:
    """The command modules (or the `linkratio.cli` package, which loads them all) imported."""
    found = set()
    for name in _imports(path):
        if name == "linkratio.cli":
            found.add(name)
        found |= {m for m in COMMAND_MODULES if name == m or name.startswith(m + ".")}
    return found - {f"linkratio.cli.{path.stem}"}


def test_no_command_module_imports_another() -> None:
    assert {"linkratio.cli.weekly", "linkratio.cli.fetch"} <= COMMAND_MODULES
    for module in sorted(COMMAND_MODULES):
        path = CLI / f"{module.rsplit('.', 1)[1]}.py"
        assert not _command_imports(path), module


def test_shared_cli_modules_import_no_command_module() -> None:
    for name in ("options", "progress"):
        assert not _command_imports(CLI / f"{name}.py"), name


def test_no_import_tricks_in_the_cli() -> None:
    for path in CLI.glob("*.py"):
        assert "__import__" not in path.read_text(encoding="utf-8"), path.name


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_and_option_has_help_text() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help for a in sub._choices_actions}
    for name, command in _commands().items():
        assert helps.get(name), f"{name} has no one-line help"
        assert command.description, f"{name} has no description"
        for action in command._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
                continue
            if action.choices and not action.option_strings:
                continue  # a positional of fixed choices (set|status): the choices say it
            if action.dest == "key":
                continue  # `config KEY`: the description says which
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_the_escape_helpers_load_no_heavy_module() -> None:
    code = (
        "import sys, linkratio.render.escape; "
        "print(sorted(m for m in ('pandas', 'numpy', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
