"""Session 24's notebook user: what a Jupyter user of the public API met (`load`,
`summarize`, `write_report`, `run_week`, `Library`), each a clear one-line error."""

from __future__ import annotations

import gc
import importlib
import re
import sqlite3
import threading
from pathlib import Path

import pytest
from helpers import SAMPLE

import linkratio
from linkratio.cli import main
from linkratio.errors import EmptyDataError, InputError, LibraryClosedError


@pytest.fixture(scope="module")
def sample_frame() -> object:
    return linkratio.load(SAMPLE)


@pytest.mark.parametrize("given", ["data/sample", SAMPLE, None])
def test_summarize_of_a_path_or_none_says_it_takes_a_frame(given: object) -> None:
    # summarize("archive.zip") skips the load step: an AttributeError on `.columns` before
    with pytest.raises(InputError, match=r"^summarize: df .*expected a DataFrame of posts"):
        linkratio.summarize(given)  # type: ignore[arg-type]


def test_summarize_of_a_path_names_the_load_that_reads_it() -> None:
    with pytest.raises(InputError, match=r"linkratio\.load\('data/sample'\) reads them"):
        linkratio.summarize("data/sample")  # type: ignore[arg-type]


def test_summarize_of_one_column_says_it_takes_the_frame(sample_frame: object) -> None:
    with pytest.raises(InputError, match="^summarize: df a Series: expected a DataFrame"):
        linkratio.summarize(sample_frame["category"])  # type: ignore[index]


def test_write_report_of_a_path_names_itself(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="^write_report: df 'data/sample' is a name"):
        linkratio.write_report("data/sample", tmp_path / "out")  # type: ignore[arg-type]
    assert not (tmp_path / "out").exists()


def test_an_empty_period_from_load_is_an_empty_frame_that_summarize_calls_empty() -> None:
    empty = linkratio.load(SAMPLE, tz="UTC", since="2030-01-01", until="2030-01-31")
    assert empty.empty and list(empty.columns) == list(linkratio.COLUMNS)
    # not "no posts between the first post and the last post": the frame has neither
    with pytest.raises(EmptyDataError, match="^no posts to summarize: the frame is empty"):
        linkratio.summarize(empty, tz="UTC")


def test_load_refuses_a_mistyped_zone_without_a_period_too() -> None:
    # load(SAMPLE, tz="Europe/Lisbn") returned the frame: the typo surfaced cells later
    with pytest.raises(InputError, match="unknown time zone 'Europe/Lisbn'"):
        linkratio.load(SAMPLE, tz="Europe/Lisbn")


def test_load_checks_its_period_before_reading_the_files(tmp_path: Path) -> None:
    # a missing archive and a bad day: the day is said first, as no read is needed for it
    with pytest.raises(InputError, match="'2024-13-01' is not a day"):
        linkratio.load(tmp_path / "absent.zip", since="2024-13-01")


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"source": None}, "load: source a NoneType: expected a path or a library account"),
        ({"source": 3}, "load: source a int: expected a path or a library account"),
        ({"source": b"data/sample"}, "load: source a bytes: expected a path"),
        ({"source": "@marenbuilds", "db": 3}, "load: db a int: expected a path"),
    ],
)
def test_load_of_something_that_is_no_path_names_the_argument(
    kwargs: dict[str, object], said: str
) -> None:
    # a TypeError from inside pathlib before ("expected str, bytes or os.PathLike object")
    with pytest.raises(InputError, match=f"^{said}"):
        linkratio.load(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("as_given", [str, Path])
def test_run_week_given_the_library_path_says_to_open_it(
    sample_library: Path, tmp_path: Path, as_given: type
) -> None:
    # an AttributeError ('str' object has no attribute 'run_lock') before
    with pytest.raises(InputError, match=r"^run_week: library a \w+: expected an open library"):
        linkratio.run_week(as_given(sample_library), "@marenbuilds", out_dir=tmp_path / "w")
    assert f"linkratio.Library.open('{sample_library}')" in _said(
        linkratio.run_week, str(sample_library), "@marenbuilds", out_dir=tmp_path / "w"
    )
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"week": 40}, "^run_week: week a int: expected YYYY-Www or a day of that week"),
        ({"destinations": "me@example.org"}, "^run_week: destinations: expected a list of"),
        ({"destinations": ["me@example.org"]}, "^run_week: destinations: expected a list of"),
    ],
)
def test_run_week_names_an_argument_of_the_wrong_kind(
    sample_library: Path, tmp_path: Path, kwargs: dict[str, object], said: str
) -> None:
    with linkratio.Library(sample_library) as lib, pytest.raises(InputError, match=said):
        linkratio.run_week(lib, "@marenbuilds", out_dir=tmp_path / "w", **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "w").exists()


def test_one_address_as_text_is_one_destination() -> None:
    # destinations(emails="me@example.org") read each letter as an address: "'m' is invalid"
    from linkratio.weekly.run import destinations

    (email,) = destinations(emails="me@example.org")
    assert (email.kind, email.target) == ("email", "me@example.org")
    (hook,) = destinations(webhooks="https://hooks.example.org/T0/abc")
    assert (hook.kind, hook.target) == ("webhook", "https://hooks.example.org/T0/abc")


def _said(call: object, *args: object, **kwargs: object) -> str:
    """The message of the InputError `call(*args, **kwargs)` raises."""
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return str(caught.value)


def test_check_of_a_closed_library_is_no_problem_of_the_file(sample_library: Path) -> None:
    # lib.check() after the `with` block returned ['Cannot operate on a closed database.']:
    # a sound file listed as damaged
    with linkratio.Library(sample_library) as lib:
        assert lib.check() == []
    with pytest.raises(LibraryClosedError, match=f"^{sample_library}: this Library is closed"):
        lib.check()


def test_a_closed_library_names_its_file_and_how_to_open_it(sample_library: Path) -> None:
    lib = linkratio.Library(sample_library)
    lib.close()
    lib.close()  # closing again is no mistake
    for use in (lib.accounts, lambda: lib.frame("x", "1"), lambda: lib.query("SELECT 1")):
        with pytest.raises(LibraryClosedError) as caught:
            use()
        assert str(caught.value) == (
            f"{sample_library}: this Library is closed (close() was called, or its `with` "
            "block ended): open it again, e.g. with linkratio.Library.open(path)"
        )
        assert isinstance(caught.value, InputError)  # the caller's mistake, exit 2


def test_tab_completion_offers_the_public_names_not_the_fronts_helpers() -> None:
    # linkratio.<Tab> offered importlib, annotations and TYPE_CHECKING beside load
    names = set(dir(linkratio))
    assert set(linkratio.__all__) <= names
    assert not {"importlib", "annotations", "TYPE_CHECKING", "_FRONT", "_HOMES"} & names
    importlib.import_module("linkratio.charts")  # a loaded submodule is offered, as Python does
    assert "charts" in dir(linkratio)


def test_a_handle_given_as_the_frames_account_id_is_said(
    sample_library: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # lib.frame("x", "marenbuilds") was an empty frame without a word: "no posts?"
    with linkratio.Library(sample_library) as lib:
        (stats,) = lib.accounts()
        assert len(lib.frame("x", stats.id)) == 2390 and not caplog.records
        assert lib.frame("x", "marenbuilds").empty
    (said,) = [r.getMessage() for r in caplog.records]
    assert said == (
        f"{sample_library}: no x account has the id 'marenbuilds': frame() takes its id "
        f"({stats.id!r}; or linkratio.load('@marenbuilds', db=...))"
    )


@pytest.mark.parametrize("as_given", [str, Path])
def test_a_cohort_of_one_input_given_alone_is_that_input(tmp_path: Path, as_given: type) -> None:
    # cohort.build("data/sample", out) read each letter as an input: "/" was the root folder
    from linkratio import cohort

    built = cohort.build(as_given(SAMPLE), tmp_path / "cohort", workers=1)
    assert (built.inputs, built.posts) == (1, 2390)


@pytest.mark.parametrize("render", ["render_text", "render_json", "summary_to_dict"])
def test_rendering_the_frame_instead_of_its_summary_says_to_summarize_it(
    sample_frame: object, render: str
) -> None:
    # print(linkratio.render_text(df)): "'DataFrame' object has no attribute 'account_name'"
    with pytest.raises(InputError) as caught:
        getattr(linkratio, render)(sample_frame)
    assert str(caught.value) == (
        f"{render}: summary a DataFrame: expected a Summary, as linkratio.summarize(df) gives"
    )


def test_a_library_shows_its_file_in_a_notebook(sample_library: Path) -> None:
    # <linkratio.frame.Library object at 0x7f...>: which library was this cell's?
    with linkratio.Library(sample_library) as lib:
        assert repr(lib) == f"linkratio.Library({str(sample_library)!r})"


def test_a_library_left_open_closes_its_file_when_dropped(sample_library: Path) -> None:
    # lib = Library.open() run again in a notebook: each old connection (in a cycle through
    # sqlite3's statement cache) kept the file and its WAL open until the collector ran
    lib = linkratio.Library(sample_library)
    lib.accounts()
    connection = lib._db
    gc.disable()
    try:
        del lib
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            connection.execute("SELECT 1")
    finally:
        gc.enable()


def test_a_library_opened_in_another_thread_is_dropped_without_a_word(
    sample_library: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    # closing it here is sqlite3's ProgrammingError: no "Exception ignored in" traceback
    made: list[object] = []
    worker = threading.Thread(target=lambda: made.append(linkratio.Library(sample_library)))
    worker.start()
    worker.join()
    made.clear()
    gc.collect()
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    ("kwargs", "said"),
    [
        ({"now": "2025-01-01"}, "now a str: expected a datetime, such as datetime.now(UTC)"),
        ({"account": 3}, "account a int: expected the account's name as text"),
        ({"shorteners": "bit.ly"}, "shorteners a str: expected a list of host names"),
    ],
)
def test_summarize_names_an_argument_of_the_wrong_kind(
    sample_frame: object, kwargs: dict[str, object], said: str
) -> None:
    # AttributeErrors ('astimezone', 'startswith') before; a text of shorteners was letters
    with pytest.raises(InputError, match=f"^summarize: {re.escape(said)}"):
        linkratio.summarize(sample_frame, tz="UTC", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (lambda: linkratio.read(None), "read: path a NoneType: expected a path: an X archive"),
        (lambda: linkratio.read(5), "read: path a int: expected a path"),
        (lambda: linkratio.Library.open(5), "Library.open: path a int: expected the library"),
        (lambda: linkratio.Library(b"lib.sqlite"), "Library: path a bytes: expected the library"),
    ],
)
def test_read_and_library_name_a_path_that_is_no_path(call: object, said: str) -> None:
    # "expected str, bytes or os.PathLike object, not NoneType" from inside pathlib before
    with pytest.raises(InputError, match=f"^{re.escape(said)}"):
        call()  # type: ignore[operator]


EMPTY_OUT = (
    "the output folder (--out, out_dir=) is empty text (an unset variable?): expected a "
    "folder, '.' for the current one"
)


def test_a_report_into_an_empty_folder_name_is_refused(
    sample_frame: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # write_report(df, os.environ.get("OUT", "")) wrote report.html etc. into the current
    # folder, and so did `linkratio report --out "$UNSET"`
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        linkratio.write_report(sample_frame, " ")  # type: ignore[arg-type]
    assert str(caught.value) == EMPTY_OUT
    with pytest.raises(InputError, match="^write_report: out_dir a NoneType: expected a"):
        linkratio.write_report(sample_frame, None)  # type: ignore[arg-type]
    assert main(["report", str(SAMPLE), "--out", "", "-q"]) == 2
    assert list(tmp_path.iterdir()) == []


def test_a_weekly_run_into_an_empty_folder_name_is_refused(
    sample_library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with linkratio.Library(sample_library) as lib, pytest.raises(InputError) as caught:
        linkratio.run_week(lib, "@marenbuilds", week="2024-W40", out_dir="")
    assert str(caught.value) == EMPTY_OUT
    assert list(tmp_path.iterdir()) == []
