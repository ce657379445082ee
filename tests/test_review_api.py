"""Review of the Python API as a notebook user meets it: public names, paths, the library."""

from __future__ import annotations

import inspect
import json
import logging
import re
import shutil
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from helpers import SAMPLE, copied

import linkratio


def _missing_docs_and_hints(qualname: str, function: Callable[..., object]) -> list[str]:
    """What `function` lacks of the house rule: a one-line docstring and full type hints."""
    lacking = []
    doc = function.__doc__  # its own: inspect.getdoc would borrow a base class's
    if function.__name__ != "__init__" and (not doc or not doc.strip().splitlines()[0]):
        lacking.append(f"{qualname}: no one-line docstring")
    signature = inspect.signature(function)
    for parameter in signature.parameters.values():
        if parameter.name not in ("self", "cls") and parameter.annotation is parameter.empty:
            lacking.append(f"{qualname}: parameter {parameter.name} has no type hint")
    if function.__name__ != "__init__" and signature.return_annotation is signature.empty:
        lacking.append(f"{qualname}: no return type hint")
    try:  # a notebook's help tools and typed callers resolve the hints: they must name real types
        typing.get_type_hints(function)
    except NameError as e:
        lacking.append(f"{qualname}: type hints do not resolve ({e})")
    return lacking


def _public_methods(cls: type) -> dict[str, Callable[..., object]]:
    """The public methods and properties `cls` defines or inherits from linkratio classes."""
    found: dict[str, Callable[..., object]] = {}
    for base in reversed(cls.__mro__):
        if not base.__module__.startswith("linkratio"):
            continue
        for name, member in vars(base).items():
            if name.startswith("_") and name != "__init__":
                continue
            if isinstance(member, classmethod | staticmethod):
                member = member.__func__
            if isinstance(member, property) and member.fget is not None:
                member = member.fget
            if inspect.isfunction(member):
                found[name] = member
    return found


def test_every_public_name_has_a_docstring_and_type_hints() -> None:
    lacking: list[str] = []
    for name in linkratio.__all__:
        value = getattr(linkratio, name)
        if inspect.isfunction(value):
            lacking += _missing_docs_and_hints(name, value)
        elif inspect.isclass(value):
            if not inspect.getdoc(value):
                lacking.append(f"{name}: no docstring")
            for method, function in _public_methods(value).items():
                if method != "__init__" or "__init__" in vars(value):
                    lacking += _missing_docs_and_hints(f"{name}.{method}", function)
    assert lacking == []


def test_a_path_object_is_always_files_even_when_its_name_starts_with_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pathlib.Path says "files"; only a str can name a library account.
    shutil.copytree(SAMPLE, tmp_path / "@maren")
    monkeypatch.chdir(tmp_path)
    from_path = linkratio.load(Path("@maren"), db=tmp_path / "no-library.sqlite")
    assert len(from_path) == len(linkratio.load(SAMPLE)) > 0
    assert from_path.attrs["account"] == "marenbuilds"
    assert linkratio.read(Path("@maren")).account.handle == "marenbuilds"


def test_library_frame_is_load_before_the_resolved_short_links(tmp_path: Path) -> None:
    # The README: load("@handle") is lib.frame(...) with the sites of resolved short links.
    from archives import write_archive

    from linkratio.loading import import_source
    from linkratio.model import Resolution
    from linkratio.store import links as store_links

    tweet = {
        "id_str": "1",
        "full_text": "read https://t.co/x",
        "created_at": "Wed Oct 10 20:19:24 +0000 2018",
        "entities": {"urls": [{"url": "https://t.co/x", "expanded_url": "https://bit.ly/abc"}]},
    }
    db = tmp_path / "library.sqlite"
    import_source(write_archive(tmp_path / "archive", [{"tweet": tweet}]), db=db)
    hops = ("https://bit.ly/abc", "https://www.nytimes.com/a")
    with linkratio.Library.open(db) as lib:
        store_links.save(lib, [Resolution(hops[0], hops[1], 200, hops, datetime.now(UTC), None)])
        (account,) = lib.accounts()
        cached = lib.frame(account.platform, account.id)
    loaded = linkratio.load("@me", db=db)
    assert cached["domains"].tolist() == [["bit.ly"]]
    assert loaded["domains"].tolist() == [["nytimes.com"]]
    rest = [c for c in linkratio.COLUMNS if c != "domains"]
    assert loaded[rest].equals(cached[rest])
    assert loaded.attrs["account"] == "me" and loaded.attrs["origin"] == "@me"


@pytest.mark.parametrize(
    "day",
    [date(2024, 12, 4), date(2024, 12, 8), datetime(2024, 12, 5, 9, 30, tzinfo=UTC)],
)
def test_run_week_takes_any_day_of_the_week_as_a_date(
    sample_library: Path, tmp_path: Path, day: date
) -> None:
    # week= is typed `str | date`: a day names the ISO week holding it, as its label would.
    now = datetime(2025, 1, 8, 12, tzinfo=UTC)
    with linkratio.Library.open(copied(sample_library, tmp_path)) as lib:
        run = linkratio.run_week(lib, "@marenbuilds", week=day, now=now, out_dir=tmp_path)
    assert run.week == "2024-W49"
    assert run.files.markdown.name == "linkratio-2024-W49.md"


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 27)])
def test_run_week_outside_the_calendar_is_an_input_error(
    sample_library: Path, tmp_path: Path, day: date
) -> None:
    now = datetime(9999, 12, 31, 23, tzinfo=UTC)
    with (
        linkratio.Library.open(copied(sample_library, tmp_path)) as lib,
        pytest.raises(linkratio.InputError, match=f"week {day.isoformat()}") as raised,
    ):
        linkratio.run_week(lib, "@marenbuilds", week=day, now=now, out_dir=tmp_path)
    assert "\n" not in str(raised.value)


def test_run_week_takes_a_naive_datetime_as_its_own_day(
    sample_library: Path, tmp_path: Path
) -> None:
    now = datetime(2025, 1, 8, 12, tzinfo=UTC)
    with linkratio.Library.open(copied(sample_library, tmp_path)) as lib:
        run = linkratio.run_week(
            lib, "@marenbuilds", week=datetime(2024, 12, 8, 23), now=now, out_dir=tmp_path
        )
    assert run.week == "2024-W49"


def test_the_notebook_prose_gives_the_monthly_talk_only_range_its_table_shows() -> None:
    # talk-only-read says "from spring 2024 on (A-B% of posting days each month)": the
    # executed copy's talk-only-month table must hold exactly that range from May on.
    root = Path(__file__).resolve().parents[1]
    source = json.loads((root / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    executed = json.loads((root / "docs" / "explore.ipynb").read_text(encoding="utf-8"))
    prose = next("".join(c["source"]) for c in source["cells"] if c["id"] == "talk-only-read")
    said = re.search(r"spring 2024 on \((\d+)-(\d+)% of posting days", prose)
    assert said is not None
    cell = next(c for c in executed["cells"] if c["id"] == "talk-only-month")
    table = "".join(cell["outputs"][0]["data"]["text/plain"])
    shares = [
        float(share)
        for month, share in re.findall(r"^(\d{4}-\d\d)\s+\d+\s+([\d.]+)%$", table, re.M)
        if month >= "2024-05"
    ]
    assert len(shares) == 8
    assert (int(said[1]), int(said[2])) == (round(min(shares)), round(max(shares)))


@pytest.fixture(scope="module")
def sample_frame() -> pd.DataFrame:
    """The sample archive's frame, loaded once for the report tests."""
    return linkratio.load(SAMPLE)


def test_a_report_of_a_frame_indexed_by_id_shows_the_same_examples(
    sample_frame: pd.DataFrame, tmp_path: Path
) -> None:
    # df.set_index("id") is a natural step in pandas; summarize and the charts take it.
    plain = linkratio.write_report(sample_frame, tmp_path / "plain", tz="Europe/Lisbon")
    indexed = linkratio.write_report(
        sample_frame.set_index("id"), tmp_path / "indexed", tz="Europe/Lisbon"
    )
    assert indexed.markdown.read_text(encoding="utf-8") == plain.markdown.read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("column", ["id", "reason", "text"])
def test_a_report_of_a_frame_without_an_example_column_is_one_line(
    sample_frame: pd.DataFrame, tmp_path: Path, column: str
) -> None:
    with pytest.raises(linkratio.InputFormatError, match=f"lacks the column.*{column}") as e:
        linkratio.write_report(sample_frame.drop(columns=column), tmp_path / "out")
    assert "\n" not in str(e.value)
    assert not (tmp_path / "out").exists()


def test_run_week_for_an_account_without_an_id_is_an_input_error(
    sample_library: Path, tmp_path: Path
) -> None:
    # An Account read from files may have no id; only a library account has a week.
    from linkratio.model import Account

    with (
        linkratio.Library.open(copied(sample_library, tmp_path)) as lib,
        pytest.raises(linkratio.InputError, match="marenbuilds") as raised,
    ):
        linkratio.run_week(lib, Account("x", None, "marenbuilds"), out_dir=tmp_path / "out")
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "out").exists()


def test_an_unknown_frame_column_is_the_callers_error_not_a_damaged_cache(
    sample_library: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = copied(sample_library, tmp_path)
    with linkratio.Library.open(db) as lib:
        (account,) = lib.accounts()
        lib.frame(account.platform, account.id)  # the cache is written and current
        before = lib._db.execute("SELECT segment FROM frame_segments").fetchall()
        caplog.set_level(logging.INFO, logger="linkratio")
        with pytest.raises(ValueError, match="no frame column.*nope"):
            lib.frame(account.platform, account.id, columns=["category", "nope"])
        after = lib._db.execute("SELECT segment FROM frame_segments").fetchall()
    assert caplog.messages == []  # no "damaged ... rebuilt", no "deriving the frame"
    assert after == before


def test_a_report_folder_starting_with_a_tilde_is_in_the_home_folder(
    sample_frame: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As db= and run_week's out_dir are read: "~/reports" is never a folder named "~".
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    files = linkratio.write_report(sample_frame, "~/reports/me", tz="Europe/Lisbon")
    assert files.html == home / "reports" / "me" / "report.html"
    assert files.html.is_file()
    assert list(work.iterdir()) == []
