"""Leftovers 22: chart arguments are checked in one place (an InputError naming the parameter)."""

from __future__ import annotations

import gc
import inspect
import os
import re
import signal
import stat
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import orjson  # noqa: E402
import pytest  # noqa: E402
import rows  # noqa: E402

import linkratio  # noqa: E402
from linkratio import charts, config  # noqa: E402
from linkratio.cli import main  # noqa: E402
from linkratio.errors import InputError  # noqa: E402

# --- 1. chart arguments -------------------------------------------------------------------


def _posts():
    return rows.frame(
        rows.post("2024-03-04 12:00", "conversation", partners=["ana"]),
        rows.post("2024-03-05 12:00", "link", domains=["a.org"]),
    )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        # a zone where `top` goes: was "'>' not supported between 'int' and 'str'"
        (lambda df: charts.sites_chart(df, "UTC"), r"^sites_chart: top 'UTC': expected a whole"),
        # a year as text: was "'<=' not supported between 'int' and 'str'"
        (
            lambda df: charts.calendar_chart(df, year="2024"),
            r"^calendar_chart: year '2024': expected a year as a whole number",
        ),
        (lambda df: charts.all_charts(df, "UTC", "2024"), r"^all_charts: year '2024'"),
        (lambda df: charts.partners_chart(df, "5"), r"^partners_chart: top '5'"),
        (lambda df: charts.sites_chart(df, True), r"^sites_chart: top True"),  # an index
        (lambda df: charts.sites_chart(df, -1), r"^sites_chart: top -1"),  # all but the last
        (lambda df: charts.sites_chart(df, narrow="no"), r"^sites_chart: narrow 'no': .*True"),
        (lambda df: charts.activity_chart(df, since=2024), r"^activity_chart: since 2024"),
        (lambda df: charts.hours_chart(df, 5), r"^hours_chart: tz: time zone 5"),
        (lambda df: charts.partners_chart(df, 5, 7), r"^partners_chart: now 7: expected a date"),
        (lambda df: charts.sites_chart(list(df)), r"^sites_chart: df a list: expected a Data"),
        (lambda df: charts.talk_share_chart(df), r"^talk_share_chart: ws a DataFrame: expected"),
    ],
)
def test_a_wrong_chart_argument_is_one_input_error_naming_it(call, match) -> None:
    with pytest.raises(InputError, match=match) as caught:
        call(_posts())
    assert "\n" not in str(caught.value)


def test_chart_arguments_that_were_right_still_draw() -> None:
    df = _posts()
    assert charts.calendar_chart(df, "UTC", np.int64(2024)).axes  # a numpy year is a year
    assert charts.sites_chart(df, np.int64(3), narrow=np.bool_(True)).axes
    assert charts.partners_chart(df, 5, "2024-06-01").axes  # fading_ties takes text
    assert linkratio.activity_chart(df, "UTC", since="2024-03-01").axes


def test_every_public_chart_is_checked() -> None:
    # One check for them all: each public chart function is wrapped by charts.args.checked.
    public = [
        getattr(charts, n) for n in charts.__all__ if n.endswith("_chart") or n == "all_charts"
    ]
    assert len(public) == 7
    for chart in public:
        assert inspect.unwrap(chart) is not chart, chart.__name__
        # ... once: a merge had left each wrapped twice (every argument checked twice)
        assert not hasattr(chart.__wrapped__, "__wrapped__"), chart.__name__


# --- 2. config show / config set and stray keys --------------------------------------------


def test_config_show_prints_nothing_before_failing_on_a_stray_key(config_file, capsys) -> None:
    # It printed "config file: ..." on stdout, then the error: half a listing and a failure.
    config_file.write_text('[weekly]\nemails = "me@example.org"\n')
    assert main(["config", "show"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and str(config_file) in err and "'weekly.emails'" in err


STRAY = """\
note = "top level"
[x]
bearer_token = "tok-1"
extra_retries = 3
[x.limits]
per_hour = 1.5
[mine]
when = 2024-05-01
tags = ["a", "b"]
flag = true
"""


def test_config_set_keeps_stray_keys_of_any_type(config_file) -> None:
    # A table, a decimal, a date or a list that a user added by hand was dropped on rewrite;
    # a stray number or boolean came back as a string.
    config_file.write_text(STRAY)
    config.set_value("smtp.host", "mail.example.org")
    data = tomllib.loads(config_file.read_text())
    before = tomllib.loads(STRAY)
    assert data["smtp"] == {"host": "mail.example.org"}
    assert {k: v for k, v in data.items() if k != "smtp"} == before
    config.set_value("x.bearer_token", "tok-2")
    config.set_value("smtp.host", None)  # unset: the stray ones stay too
    data = tomllib.loads(config_file.read_text())
    assert data["x"]["bearer_token"] == "tok-2" and "smtp" not in data
    before["x"]["bearer_token"] = "tok-2"
    assert data == before
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600


def test_config_set_under_a_name_that_is_no_table_refuses_and_keeps_the_file(config_file) -> None:
    config_file.write_text('smtp = "oops"\n')
    with pytest.raises(InputError, match=r"smtp"):
        config.set_value("smtp.host", "mail.example.org")
    assert config_file.read_text() == 'smtp = "oops"\n'


# --- 3. a large blank cohort input ---------------------------------------------------------


def test_a_blank_input_of_any_size_is_an_input_without_posts(tmp_path, capsys) -> None:
    # Only a blank file of 4 KiB or less was a 0-post input; a larger one stopped the
    # build ('unknown format ... blank bytes').
    from linkratio.cohort import inputs, manifest

    (tmp_path / "blank.jsonl").write_bytes(b"\xef\xbb\xbf" + b" \n\t\r\n" * 40_000)
    (tmp_path / "late.jsonl").write_bytes(b"\n" * 100_000 + b"x")  # blank for 100 KB, then not
    out = tmp_path / "cohort"
    argv = ["cohort", "build", str(tmp_path / "blank.jsonl"), "--out", str(out), "--workers", "1"]
    assert main(argv) == 0
    assert [e.posts for e in manifest.load(out).values()] == [0]
    assert inputs._blank(tmp_path / "late.jsonl") is False
    reads: list[int] = []
    real_open = Path.open

    def counting_open(self, *args, **kwargs):
        f = real_open(self, *args, **kwargs)
        read = f.read
        f.read = lambda n=-1: reads.append(n) or read(n)  # noqa: PLW0108
        return f

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Path, "open", counting_open)
        assert inputs._blank(tmp_path / "blank.jsonl") is True
    assert reads and all(0 < n <= inputs._BLOCK for n in reads)  # in blocks, never whole


# --- 4. SIGTERM stops a cohort build's running tasks -------------------------------------

HANG = """\
import os, time
if os.environ.get("HANG_DIR"):
    import linkratio.cohort.tasks as tasks
    real = tasks.run_task
    def run_task(task):
        result = real(task)  # its part files are written, under temporary names
        here = os.environ["HANG_DIR"]
        open(os.path.join(here, f"started-{os.getpid()}"), "w").close()
        end = time.monotonic() + 300
        while not os.path.exists(os.path.join(here, "release")) and time.monotonic() < end:
            time.sleep(0.05)
        return result
    tasks.run_task = run_task
"""
"""A sitecustomize for the build's worker processes: each task, once it has written its
part files, waits until the test lets it go (as a long task would run on)."""


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_sigterm_stops_a_cohort_build_without_waiting_for_its_tasks(tmp_path, engine) -> None:
    # `cohort build` on SIGTERM waited for each running task to finish (the local pool's
    # shutdown; Dask's close waited 4 seconds a worker and printed its log lines), and the
    # tasks' part files were left under temporary names in the output folder.
    from helpers import FIXTURES, SAMPLE

    if engine == "dask":
        pytest.importorskip("distributed")
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(HANG)
    out = tmp_path / "out"
    path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "HANG_DIR": str(site), "PYTHONPATH": path}
    inputs = [str(SAMPLE), str(FIXTURES / "x_v2" / "two_tweets.jsonl")]
    argv = ["cohort", "build", *inputs, "--out", str(out), "--workers", "2", "--engine", engine]
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkratio", *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(list(site.glob("started-*"))) < 2 and proc.poll() is None:
            assert time.monotonic() < deadline, "the build's tasks never started"
            time.sleep(0.05)
        assert list(out.rglob(".part-*.tmp"))  # half-written output, as a killed build leaves
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=30)  # a bound, not a timing: the tasks never end
        except subprocess.TimeoutExpired:
            pytest.fail("SIGTERM waited for the running tasks to finish")
    finally:
        (site / "release").touch()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143
    assert err == "linkratio: terminated\n"
    assert not list(out.rglob("*.tmp"))  # nothing half-written is left
    assert not list(out.rglob("*.parquet"))  # no input was finished
    for marker in site.glob("started-*"):
        with pytest.raises(ProcessLookupError):  # the workers are gone, not running on
            os.kill(int(marker.name.split("-")[1]), 0)


# --- 5. DuckDB spills to a temporary folder of its own, not the working directory ---------


def test_cohort_queries_spill_to_a_private_temporary_folder_removed_after(
    tmp_path, monkeypatch
) -> None:
    # An in-memory DuckDB spills to `.tmp` in the current directory: a big cohort query run
    # from a home or project folder left `.tmp/duckdb_temp_*` files there.
    pytest.importorskip("duckdb")
    from helpers import SAMPLE

    from linkratio import cohort

    work, temp = tmp_path / "work", tmp_path / "temp"
    work.mkdir(), temp.mkdir()
    out = tmp_path / "cohort"
    cohort.build([SAMPLE], out, workers=1)
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    con = cohort.connect(out)
    where = Path(con.execute("SELECT current_setting('temp_directory')").fetchone()[0])
    assert where.is_absolute() and where.parent.parent == temp
    con.execute("SET memory_limit = '30MB'")
    con.execute("SET threads = 1")
    big = "SELECT i, md5(i::VARCHAR) AS s FROM range(3000000) r(i) ORDER BY s"
    assert len(con.execute(big).fetchmany(5)) == 5  # the sort spilled
    assert list(where.glob("duckdb_temp_*"))
    assert list(work.iterdir()) == []
    assert stat.S_IMODE(where.parent.stat().st_mode) == 0o700
    con.close()
    del con
    gc.collect()
    assert list(temp.iterdir()) == []  # cleaned up
    assert main(["cohort", "sql", str(out), "SELECT current_setting('temp_directory')"]) == 0
    assert list(work.iterdir()) == [] and list(temp.iterdir()) == []


# --- 6. `from linkratio import *` -------------------------------------------------------


def test_star_import_loads_what_the_docs_say_and_no_network_library() -> None:
    # `import *` reads every name of __all__, so the lazy front imports each one: pandas
    # and matplotlib load (Summary is a class of the pandas-based analysis; making it lazy
    # would break the documented names). Documented, and the network libraries stay out.
    probe = (
        "import sys\nfrom linkratio import *\n"
        "print(' '.join(m for m in ('pandas', 'matplotlib', 'tweepy', 'httpx', 'requests')"
        " if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.split() == ["pandas", "matplotlib"]
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    said = "`from linkratio import *` uses every public name at once, so it loads pandas and"
    assert said in readme and "import *" in (linkratio.__doc__ or "")


# --- 7. Bluesky and Mastodon JSONL inputs stream in byte ranges, as X inputs do ------------


def _pages_jsonl(tmp_path: Path, platform: str) -> Path:
    """Saved pages of `platform` as JSONL: the fixture's pages, each a line, three times over
    with their post ids made new (Bluesky rkeys, Mastodon status ids)."""
    from helpers import FIXTURES

    if platform == "bluesky":
        pages = [orjson.loads((FIXTURES / "bluesky" / "getAuthorFeed.json").read_bytes())]
    else:
        folder = FIXTURES / "mastodon"
        pages = [
            orjson.loads((folder / f"get_account_statuses_limit.{i}.body.json").read_bytes())
            for i in (1, 2)
        ]
    lines = []
    for n in range(3):
        for page in pages:
            text = orjson.dumps(page).decode()
            if platform == "bluesky":
                text = text.replace("app.bsky.feed.post/", f"app.bsky.feed.post/{n}")
            else:
                text = re.sub(r'"id":"(\d+)"', rf'"id":"\g<1>{n}"', text)
                text = text.replace("/statuses/", f"/statuses/{n}")
            lines.append(text)
    path = tmp_path / f"{platform}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("platform", ["bluesky", "mastodon"])
def test_bluesky_and_mastodon_jsonl_are_read_in_byte_ranges(tmp_path, monkeypatch, platform):
    # Their JSONL inputs were a task reading the whole file (json_values: read_file, then
    # every value and every post in memory, ~500 MB for a 140 MB file); X JSONL streams.
    from linkratio.cohort import inputs as inputs_mod
    from linkratio.cohort import tasks
    from linkratio.sources import limits, read

    pq = pytest.importorskip("pyarrow.parquet")

    path = _pages_jsonl(tmp_path, platform)
    whole = read(path)
    assert len(whole.posts) > 40
    size = path.stat().st_size
    monkeypatch.setattr(tasks, "CHUNK_BYTES", size // 4)
    [item] = inputs_mod.expand([path])
    assert item.kind == "jsonl" and len(item.ranges) >= 4

    def whole_file(*args, **kwargs):
        raise AssertionError("the cohort task read the whole file")

    monkeypatch.setattr(limits, "read_file", whole_file)
    monkeypatch.setattr("linkratio.sources.jsonpages.read_file", whole_file)
    out = tmp_path / "out"
    out.mkdir()
    reads: list[int] = []
    real = tasks.lines_in_range

    def counted(fh, start, end):
        for line in real(fh, start, end):
            reads.append(len(line))
            yield line

    monkeypatch.setattr(tasks, "lines_in_range", counted)
    results = [tasks.run_task(task) for task in item.tasks(str(out))]
    assert max(reads) < size // 2  # a line (a page) at a time, never the file
    assert sum(r.posts for r in results) == len(whole.posts)  # every post, each once
    ids = set()
    for part in (p for r in results for p in r.parts):
        ids |= set(pq.read_table(part.tmp, columns=["id"]).column("id").to_pylist())
    assert ids == {p.id for p in whole.posts}


def test_a_cohort_of_bluesky_and_mastodon_jsonl_equals_reading_them_whole(tmp_path, monkeypatch):
    from linkratio import cohort
    from linkratio.cohort import tasks

    paths = [_pages_jsonl(tmp_path, p) for p in ("bluesky", "mastodon")]
    monkeypatch.setattr(tasks, "CHUNK_BYTES", 20_000)  # several ranges each
    whole, ranged = tmp_path / "whole", tmp_path / "ranged"
    cohort.build(paths, ranged, workers=1)
    monkeypatch.setattr(tasks, "JSONL_FORMATS", {"x-v2": b"{"})  # as before: read whole
    cohort.build(paths, whole, workers=1)
    assert len(list(ranged.rglob("part-*.parquet"))) > len(list(whole.rglob("part-*.parquet")))
    assert cohort.summary(ranged).equals(cohort.summary(whole))
    assert cohort.weekly_trend(ranged).equals(cohort.weekly_trend(whole))
