"""The package front: cheap to import, every public name resolves, none shadows a module."""

from __future__ import annotations

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
