"""The library as a notebook user calls it (session 25): `to_frame` of what is no posts, a
day in any form a notebook holds, and cohort errors that name the keyword, not the option."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import SAMPLE, copied

import linkratio
from linkratio.cli.app import main
from linkratio.errors import InputError


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return linkratio.load(SAMPLE)


# -- 1. to_frame of something that is no posts --------------------------------------------


def test_to_frame_of_a_frame_says_it_is_one_already(frame: pd.DataFrame) -> None:
    """`to_frame(df)` iterated the column names and raised AttributeError: 'str' object
    has no attribute 'platform'."""
    with pytest.raises(InputError) as caught:
        linkratio.to_frame(frame)
    said = str(caught.value)
    assert said.startswith("to_frame: posts a DataFrame: expected Post objects")
    assert "use it as it is" in said and "\n" not in said


def test_to_frame_of_a_timeline_or_a_path_names_what_to_pass() -> None:
    timeline = linkratio.read(SAMPLE)
    with pytest.raises(InputError, match=r"posts a Timeline: .* pass its \.posts"):
        linkratio.to_frame(timeline)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"'archive\.zip' is a name, not posts.*load\("):
        linkratio.to_frame("archive.zip")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="posts a int: expected Post objects"):
        linkratio.to_frame(3)  # type: ignore[arg-type]
    # what it takes still works: a list, and a generator read once
    assert len(linkratio.to_frame(timeline.posts[:5])) == 5
    assert len(linkratio.to_frame(p for p in timeline.posts[:3])) == 3


# -- 2. a day in any form a notebook holds --------------------------------------------------


DAYS = [
    "2024-10-01",
    date(2024, 10, 1),
    datetime(2024, 10, 1, 15),
    pd.Timestamp("2024-10-01"),
    pd.Timestamp("2024-10-01 12:00", tz="UTC"),
    np.datetime64("2024-10-01"),
    np.datetime64("2024-10-01T23:30"),
    np.datetime64("2024-10-01T12:00:00.000000000"),
    "2024-10-01T12:00:00+00:00",
    "2024-10-01 12:00",
]


@pytest.mark.parametrize("day", DAYS, ids=repr)
def test_every_form_of_a_day_is_that_day(frame: pd.DataFrame, day: object) -> None:
    """np.datetime64 (what `df.created_at.values` holds) was "not a day" for load,
    summarize and the charts; an ISO moment as a Timestamp prints was one too."""
    expected = linkratio.summarize(frame, tz="UTC", since=date(2024, 10, 1))
    summary = linkratio.summarize(frame, tz="UTC", since=day)  # type: ignore[arg-type]
    assert summary.posts == expected.posts
    loaded = linkratio.load(SAMPLE, tz="UTC", until=day)  # type: ignore[arg-type]
    assert loaded["created_at"].max() < pd.Timestamp("2024-10-02", tz="UTC")
    assert loaded["created_at"].max() >= pd.Timestamp("2024-09-01", tz="UTC")
    linkratio.calendar_chart(frame, tz="UTC", since=day)  # type: ignore[arg-type]


def test_numpy_epoch_is_a_day_not_no_day(frame: pd.DataFrame) -> None:
    """np.datetime64('1970-01-01') is falsy: a week given so was read as no week at all."""
    from linkratio.weekly.run import week_start

    now = datetime(2025, 1, 8, 12, tzinfo=UTC)
    assert week_start(np.datetime64("1970-01-07"), tz="UTC", now=now) == date(1970, 1, 5)
    assert week_start(np.datetime64("2024-12-04"), tz="UTC", now=now) == date(2024, 12, 2)
    assert week_start("2024-12-04", tz="UTC", now=now) == date(2024, 12, 2)  # a day as text
    assert week_start("2024-W49", tz="UTC", now=now) == date(2024, 12, 2)
    with pytest.raises(InputError, match="invalid week 'W49'"):
        week_start("W49", tz="UTC", now=now)
    assert len(linkratio.load(SAMPLE, tz="UTC", since=np.datetime64("1970-01-01"))) == len(frame)


def test_run_week_takes_numpy_s_day(sample_library: Path, tmp_path: Path) -> None:
    now = datetime(2025, 1, 8, 12, tzinfo=UTC)
    with linkratio.Library.open(copied(sample_library, tmp_path)) as lib:
        run = linkratio.run_week(
            lib, "@marenbuilds", week=np.datetime64("2024-12-04"), now=now, out_dir=tmp_path
        )
        assert run.week == "2024-W49"
        with pytest.raises(InputError, match="run_week: week a list: expected YYYY-Www"):
            linkratio.run_week(lib, "@marenbuilds", week=[2024], now=now, out_dir=tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "day", [np.datetime64("NaT"), pd.NaT, "2024-W40", 20241001, "yesterday"], ids=repr
)
def test_what_is_no_day_is_still_refused(frame: pd.DataFrame, day: object) -> None:
    with pytest.raises(InputError, match="is not a day: expected YYYY-MM-DD"):
        linkratio.summarize(frame, since=day)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="calendar_chart: since .*expected a day"):
        linkratio.calendar_chart(frame, tz="UTC", since=day)  # type: ignore[arg-type]


def test_a_cohort_takes_the_same_days(sample_cohort: Path) -> None:
    """cohort.summary passed a datetime64 or a Timestamp to DuckDB as it was, and raised
    ValueError (not InputError) for text that is no day."""
    from linkratio import cohort

    expected = cohort.summary(sample_cohort, since=date(2024, 10, 1))["posts"].tolist()
    for day in (np.datetime64("2024-10-01"), pd.Timestamp("2024-10-01 08:00", tz="UTC")):
        assert cohort.summary(sample_cohort, since=day)["posts"].tolist() == expected  # type: ignore[arg-type]
    with pytest.raises(InputError, match="'2024-13-01' is not a day"):
        cohort.summary(sample_cohort, since="2024-13-01")


def test_the_cohort_report_shows_a_timestamp_as_its_day(
    sample_cohort: Path, tmp_path: Path
) -> None:
    from linkratio import cohort

    page = cohort.write_report(
        sample_cohort, tmp_path / "r.html", since=np.datetime64("1970-01-01")
    ).read_text(encoding="utf-8")
    assert "from 1970-01-01 to the last post." in page  # not "from the first post"


# -- 3. cohort errors name the keyword in Python, the option on the command line ---------


def test_cohort_build_errors_name_keywords(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    from linkratio import cohort

    cases = [
        ({"out_dir": " "}, "out_dir= is empty"),
        ({"workers": 0}, "workers= must be at least 1, not 0"),
        ({"scheduler": "tcp://127.0.0.1:1"}, "scheduler= needs engine='dask'"),
        ({"scheduler": " ", "engine": "dask"}, "scheduler= is empty"),
        ({"scheduler": "tcp://127.0.0.1:1", "workers": 2, "engine": "dask"}, "or workers=, not"),
    ]
    for kwargs, said in cases:
        call = {"out_dir": tmp_path / "out", **kwargs}
        with pytest.raises(InputError) as caught:
            cohort.build([SAMPLE], **call)  # type: ignore[arg-type]
        assert said in str(caught.value) and "--" not in str(caught.value), kwargs
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match=r"expected the dataset folder \(out_dir=\)"):
        cohort.build([SAMPLE], tmp_path / "file")
    with pytest.raises(InputError, match="name it with db= or LINKRATIO_DB"):
        cohort.build(["@marenbuilds"], tmp_path / "o", db=tmp_path / "none.sqlite")


def test_cohort_query_errors_name_keywords(sample_cohort: Path) -> None:
    from linkratio import cohort

    with pytest.raises(InputError) as caught:
        cohort.summary(sample_cohort, since="2024-05-01", until="2024-04-01")
    assert str(caught.value) == "since='2024-05-01' is after until='2024-04-01'"


def test_the_cohort_commands_still_name_their_options(
    tmp_path: Path, sample_cohort: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pyarrow")
    build = ["cohort", "build", str(SAMPLE), "--out", str(tmp_path / "o")]
    assert main([*build, "--workers", "1", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--scheduler needs --engine dask" in capsys.readouterr().err
    assert main(["cohort", "build", str(SAMPLE), "--out", " "]) == 2
    assert "--out is empty" in capsys.readouterr().err
    assert main(["cohort", "build", "@a", "--out", str(tmp_path / "o"), "--db", "x.db"]) == 2
    assert "name it with --db or LINKRATIO_DB" in capsys.readouterr().err
    period = ["--since", "2024-05-01", "--until", "2024-04-01"]
    assert main(["cohort", "summary", str(sample_cohort), *period]) == 2
    assert "--since 2024-05-01 is after --until 2024-04-01" in capsys.readouterr().err


# -- 5. what a new user of the README meets --------------------------------------------------


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_import_linkratio_alone_reaches_the_modules_the_readme_names() -> None:
    """`import linkratio; linkratio.cohort.summary(...)` and `linkratio.charts.talk_share_chart`
    (the README's spelling) were AttributeError unless something had imported the module."""
    probe = (
        "import sys, linkratio\n"
        "assert callable(linkratio.cohort.summary)\n"
        "print('pandas' in sys.modules, 'matplotlib' in sys.modules)\n"
        "assert callable(linkratio.charts.talk_share_chart)\n"
        "print('matplotlib' in sys.modules)\n"
    )
    done = _run(probe)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "True"]  # each module on its own use


def test_a_private_or_unknown_name_is_still_no_attribute() -> None:
    done = _run(
        "import linkratio\n"
        "for name in ('__main__', '_version_x', 'no_such_module'):\n"
        "    assert not hasattr(linkratio, name), name\n"
        "print('ok')\n"
    )
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr  # no usage printed


def test_a_folder_that_is_no_cohort_says_how_to_build_one_in_python_too(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    from linkratio import cohort

    with pytest.raises(InputError) as caught:
        cohort.summary(tmp_path)
    said = str(caught.value)
    assert f"cohort.build(inputs, {str(tmp_path)!r})" in said
    assert f"linkratio cohort build INPUT... --out {tmp_path}" in said
