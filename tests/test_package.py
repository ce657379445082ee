"""The package front: cheap to import, every public name resolves, none shadows a module."""

from __future__ import annotations

import contextlib
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import linkratio

HEAVY = ("pandas", "numpy", "matplotlib", "tweepy", "httpx", "requests")


def _modules_after(code: str) -> list[str]:
    probe = f"{code}; import sys; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.split()


def test_import_linkratio_loads_no_heavy_library() -> None:
    assert _modules_after("import linkratio") == []
    assert _modules_after("import linkratio; linkratio.__version__; linkratio.Post") == []


def test_first_use_of_a_lazy_name_imports_its_home() -> None:
    assert "pandas" in _modules_after("import linkratio; linkratio.summarize")


def test_every_public_name_resolves() -> None:
    for name in linkratio.__all__:
        assert getattr(linkratio, name) is not None, name
    assert set(linkratio.__all__) <= set(dir(linkratio))


def test_no_public_name_shadows_a_module() -> None:
    shadowing = [
        name for name in linkratio.__all__ if importlib.util.find_spec(f"linkratio.{name}")
    ]
    assert shadowing == []


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        linkratio.no_such_name  # noqa: B018
    except AttributeError as e:
        assert "no_such_name" in str(e)
    else:
        raise AssertionError("expected AttributeError")


def test_the_version_has_one_home() -> None:
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert "version" in pyproject["project"]["dynamic"]
    attr = pyproject["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "linkratio._version.__version__"
    from linkratio._version import __version__

    assert linkratio.__version__ == __version__


def test_all_lists_exactly_the_lazy_names() -> None:
    assert sorted(linkratio.__all__) == sorted([*linkratio._HOMES, "__version__"])


def _loaded_by_cli(*argv: str) -> list[str]:
    probe = (
        "import sys\nfrom linkratio.cli import main\n"
        f"try:\n    main({list(argv)!r})\nexcept SystemExit:\n    pass\n"
        "print('LOADED', ' '.join(sorted(m for m in sys.modules if m.startswith('linkratio.cli.')"
        f" or m in {HEAVY!r} or m in ('sqlite3', 'logging', 'orjson'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.split("LOADED", 1)[1].split()


def test_version_and_help_load_no_command_module_and_nothing_heavy() -> None:
    for argv in (["--version"], ["--help"], ["no-such-command"]):
        assert _loaded_by_cli(*argv) == ["linkratio.cli.app", "linkratio.cli.options"], argv


def test_a_command_loads_only_its_own_module() -> None:
    loaded = _loaded_by_cli("audit", "--help")
    assert "linkratio.cli.files" in loaded
    assert not {"linkratio.cli.fetch", "linkratio.cli.weekly", "linkratio.cli.cohort"} & set(loaded)


def test_help_lists_every_command_without_loading_them(capsys) -> None:  # noqa: ANN001
    from linkratio.cli import main
    from linkratio.cli.options import COMMANDS

    with contextlib.suppress(SystemExit):
        main(["--help"])
    listing = capsys.readouterr().out
    for name, (_, line) in COMMANDS.items():
        assert name in listing and line[:40] in listing.replace("\n", " ").replace("  ", " ")
