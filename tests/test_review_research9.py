"""Review (a researcher's cohort): worker processes that die, a build whose process is killed,
and the README's Python example run as a script."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from test_cohort_build import file_a, file_b, rows

from linkratio import cohort
from linkratio.cohort import manifest
from linkratio.cohort.engines import IMPORTED_AGAIN, LOST
from linkratio.errors import LinkratioError

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def many_tasks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Two twarc2 files cut into many small byte-range tasks (one page a task)."""
    folder = tmp_path / "in"
    folder.mkdir()
    a, b = folder / "a.jsonl", folder / "b.jsonl"
    a.write_bytes(file_a() * 20)
    b.write_bytes(file_b() * 20)
    monkeypatch.setattr(cohort.tasks, "CHUNK_BYTES", 200)
    return [a, b]


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for its reaper counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.fixture
def reaped() -> Iterator[list[int]]:
    """Pids the test's builds started; any still running at the end are killed."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


# --- a worker process that dies ----------------------------------------------------------


def test_a_killed_worker_is_a_one_line_error_and_the_next_build_finishes(
    many_tasks: list[Path], tmp_path: Path, reaped: list[int]
) -> None:
    """A worker killed (the OOM killer, kill -9) was a BrokenProcessPool traceback."""
    killed: list[int] = []

    def kill_a_worker(progress: cohort.Progress) -> None:
        if progress.tasks_done == 1 and not killed:
            workers = [p.pid for p in multiprocessing.active_children() if p.pid]
            reaped.extend(workers)
            killed.append(workers[0])
            os.kill(workers[0], signal.SIGKILL)

    out = tmp_path / "cohort"
    with pytest.raises(LinkratioError) as caught:
        cohort.build(many_tasks, out, workers=1, progress=kill_a_worker)
    message = str(caught.value)
    assert "\n" not in message and "worker" in message and "again" in message
    assert killed
    again = cohort.build(many_tasks, out, workers=1)
    assert again.rebuilt  # the unfinished inputs
    clean = tmp_path / "clean"
    cohort.build(many_tasks, clean, workers=1)
    assert rows(out) == rows(clean)


# --- the build's own process killed --------------------------------------------------------

_KILLS_ITSELF = """
import multiprocessing, os, signal, sys
from pathlib import Path
from linkratio import cohort
import linkratio.cohort.tasks as tasks

def main() -> None:
    tasks.CHUNK_BYTES = 200
    pids = Path(sys.argv[1])
    def progress(p: cohort.Progress) -> None:
        if p.tasks_done == 1:
            pids.write_text(" ".join(str(c.pid) for c in multiprocessing.active_children()))
            os.kill(os.getpid(), signal.SIGKILL)  # as a job scheduler or the OOM killer
    cohort.build(sys.argv[2:4], sys.argv[4], workers=2, progress=progress)

if __name__ == "__main__":
    main()
"""


def test_a_killed_build_leaves_no_worker_process_behind(
    many_tasks: list[Path], tmp_path: Path, reaped: list[int]
) -> None:
    """Its workers stayed blocked on the task queue forever, each holding its memory."""
    script, pids = tmp_path / "kills_itself.py", tmp_path / "pids"
    script.write_text(_KILLS_ITSELF)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, str(script), str(pids), *map(str, many_tasks), str(tmp_path / "o")]
    log = tmp_path / "stderr"
    with log.open("wb") as err:  # a file, not a pipe: the orphans would hold a pipe open
        done = subprocess.run(command, env=env, stdout=err, stderr=err, timeout=120)
    assert done.returncode == -signal.SIGKILL, log.read_text()
    workers = [int(p) for p in pids.read_text().split()]
    reaped.extend(workers)
    assert workers
    waited = 0.0
    while any(map(_alive, workers)) and waited < 30:  # a bound on the wait, not a timing test
        time.sleep(0.2)
        waited += 0.2
    assert not [pid for pid in workers if _alive(pid)]


# --- the README's Python example, as a script ------------------------------------------------

_UNGUARDED = """
from linkratio import cohort

result = cohort.build({inputs!r}, {out!r}, workers=1)
print("built", result.posts)
"""


def test_build_at_a_scripts_top_level_is_a_one_line_error_not_a_hang(
    many_tasks: list[Path], tmp_path: Path
) -> None:
    """Spawned workers import the script again: its second `build` waited for the first's
    lock forever (no output, no end)."""
    script = tmp_path / "analysis.py"
    out = tmp_path / "o"
    script.write_text(_UNGUARDED.format(inputs=[str(p) for p in many_tasks], out=str(out)))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        done = subprocess.run(
            [sys.executable, str(script)], env=env, capture_output=True, timeout=120, cwd=tmp_path
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the script hangs")
    err = done.stderr.decode()
    assert done.returncode != 0
    assert err.count("linkratio: error: cohort.build ran again in a worker") == 1, err
    assert 'if __name__ == "__main__":' in err
    assert err.rstrip().endswith(f"InputError: {IMPORTED_AGAIN}")  # the script's own exception
    guarded = "def main() -> None:\n" + textwrap.indent(script.read_text(), "    ")
    script.write_text(guarded + '\n\nif __name__ == "__main__":\n    main()\n')
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().startswith("built ")


# --- a recursive glob over a folder with symlink loops ----------------------------------------


def test_a_recursive_glob_does_not_follow_symlink_loops(tmp_path: Path) -> None:
    """`**` went into every symlinked folder: two links back up made it endless (2^40 paths)."""
    root = tmp_path / "data"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.jsonl").write_bytes(file_a())
    (root / "sub" / "up").symlink_to("..")
    (root / "sub" / "again").symlink_to("../sub")
    (root / ".cache").mkdir()
    (root / ".cache" / "b.jsonl").write_bytes(file_b())  # hidden: not matched, as before
    (root / "top.jsonl").write_bytes(file_b())
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "c.jsonl").write_bytes(file_a())
    (root / "sub" / "linked").symlink_to(tmp_path / "elsewhere")  # still followed
    out = tmp_path / "o"
    command = [sys.executable, "-m", "linkratio", "cohort", "build", f"{root}/**/*.jsonl",
               "--out", str(out), "--workers", "1"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    try:
        done = subprocess.run(command, env=env, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the glob never ends")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().split(": ", 1)[1].startswith("3 inputs (3 read")
    inputs = orjson.loads((out / "_manifest.json").read_bytes())["inputs"].values()
    expected = [root / "sub" / "a.jsonl", tmp_path / "elsewhere" / "c.jsonl", root / "top.jsonl"]
    assert sorted(e["source"] for e in inputs) == sorted(map(str, expected))


def test_a_dask_worker_killed_for_good_is_a_one_line_error(
    many_tasks: list[Path], tmp_path: Path, reaped: list[int]
) -> None:
    """Dask's KilledWorker (a task whose workers all died) came out as a traceback."""
    dask = pytest.importorskip("dask")
    pytest.importorskip("distributed")
    killed: list[int] = []

    def kill_the_workers(progress: cohort.Progress) -> None:
        if progress.tasks_done == 1 and not killed:
            killed.extend(p.pid for p in multiprocessing.active_children() if p.pid)
            reaped.extend(killed)
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    out = tmp_path / "cohort"
    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        pytest.raises(LinkratioError) as caught,
    ):
        cohort.build(many_tasks, out, engine="dask", workers=1, progress=kill_the_workers)
    assert killed
    assert str(caught.value) == LOST


# --- a damaged manifest ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "inputs",
    [
        [],
        {"k": 5},
        {"k": {"source": "x"}},
        {"k": {"source": "x", "kind": "file", "extra": 1}},
        {"k": {"source": "x", "kind": "file", "parts": [1]}},
        {"k": {"source": "x", "kind": "file", "size": "12"}},
        {"k": {"source": "x", "kind": "file", "parts": "platform=x/a.parquet"}},
    ],
)
def test_a_manifest_of_the_wrong_shape_is_a_one_line_error(
    tmp_path: Path, inputs: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """Valid JSON of the wrong shape was a TypeError or AttributeError traceback."""
    from linkratio.cli import main

    source = tmp_path / "a.jsonl"
    source.write_bytes(file_a())
    out = tmp_path / "cohort"
    out.mkdir()
    (out / "manifest.json").write_bytes(orjson.dumps({"format": manifest.FORMAT, "inputs": inputs}))
    code = main(["cohort", "build", str(source), "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and f"{out / 'manifest.json'}: not a cohort manifest" in err


# --- a file whose name has glob characters --------------------------------------------------


def test_an_existing_file_named_with_brackets_is_an_input(tmp_path: Path) -> None:
    """`tweets [2024].jsonl` was read as a pattern ('no file matches'), though `audit` reads it."""
    named = tmp_path / "tweets [2024].jsonl"
    named.write_bytes(file_a())
    (tmp_path / "tweets 2.jsonl").write_bytes(file_b())  # what the pattern would match
    result = cohort.build([named], tmp_path / "o", workers=1)
    assert result.rebuilt == [str(named)]
    pattern = cohort.build([tmp_path / "tweets [0-9].jsonl"], tmp_path / "p", workers=1)
    assert pattern.rebuilt == [str(tmp_path / "tweets 2.jsonl")]  # a pattern is still one


# --- a new classifier --------------------------------------------------------------------------


def test_a_changed_classifier_rebuilds_every_input(
    many_tasks: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade that changed the rules kept the old labels of every unchanged input, beside
    new labels for new inputs: one dataset, two classifiers."""
    import linkratio.frame

    out = tmp_path / "o"
    cohort.build(many_tasks, out, workers=1)
    assert cohort.build(many_tasks, out, workers=1).rebuilt == []
    monkeypatch.setattr(linkratio.frame, "classifier_fingerprint", lambda: "another classifier")
    again = cohort.build(many_tasks, out, workers=1)
    assert again.rebuilt == [str(p) for p in many_tasks]
    assert cohort.build(many_tasks, out, workers=1).rebuilt == []  # and then it is current


# --- a library account whose post was updated in place -----------------------------------------


def test_a_library_post_updated_in_place_is_read_again(tmp_path: Path) -> None:
    """The account's fingerprint was its post count, first/last post and last sync: an
    import that updated a post (an edit) changed none, so the dataset kept the old row."""
    import json

    from linkratio.cli import main

    statuses = REPO / "tests" / "fixtures" / "mastodon" / "get_account_statuses_limit.1.body.json"
    db, out = tmp_path / "lib.sqlite", tmp_path / "cohort"
    assert main(["import", str(statuses), "--db", str(db), "-q"]) == 0
    assert main(["cohort", "build", "--all-accounts", "--db", str(db), "--out", str(out),
                 "--workers", "1", "-q"]) == 0  # fmt: skip
    edited = json.loads(statuses.read_text())
    edited[0]["content"] = (
        '<p>see <a href="https://brand-new.example/x">brand-new.example/x</a></p>'
    )
    edited[0]["edited_at"] = "2025-06-25T00:00:00.000Z"
    again = tmp_path / "edited.json"
    again.write_text(json.dumps(edited))
    assert main(["import", str(again), "--db", str(db), "-q"]) == 0
    result = cohort.build([], out, db=db, all_accounts=True, workers=1)
    assert len(result.rebuilt) == 1
    query = f"SELECT site FROM posts WHERE id LIKE '%/{edited[0]['id']}'"  # ids are URIs
    _, found = cohort.sql(out, query)
    assert found == [("brand-new.example",)]


# --- warnings from worker processes --------------------------------------------------------------


def _with_an_api_error(path: Path) -> Path:
    """A twarc2 file with an X error response whose detail carries terminal escapes."""
    error = {"errors": [{"title": "Not Found", "detail": "\x1b]0;pwned\x07\x1b[31mred \u202egnp"}]}
    path.write_bytes(file_a() + orjson.dumps(error) + b"\n")
    return path


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_worker_warnings_are_inert_lines_and_quiet_silences_them(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], engine: str
) -> None:
    """Workers logged through Python's last-resort handler: the file's escapes reached the
    terminal raw, without the 'linkratio: warning:' prefix, and --quiet did not stop them."""
    from linkratio.cli import main

    if engine == "dask":
        pytest.importorskip("distributed")
    source = _with_an_api_error(tmp_path / "a.jsonl")
    build = ["cohort", "build", str(source), "--workers", "1", "--engine", engine]
    assert main([*build, "--out", str(tmp_path / "q"), "-q"]) == 0
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert main([*build, "--out", str(tmp_path / "o")]) == 0
    err = capfd.readouterr().err
    assert err.startswith("linkratio: warning: ") and "skipped an X API error response" in err
    assert err.count("\n") == 1
    assert not {"\x1b", "\x07", "\u202e"} & set(err)


# --- two builds of one folder --------------------------------------------------------------------

_HOLDS_THE_LOCK = """
import sys, time
from filelock import FileLock
with FileLock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(3)
"""


def test_a_build_waiting_for_another_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A second build of the same folder waited for the first one's lock without a word."""
    source = tmp_path / "a.jsonl"
    source.write_bytes(file_a())
    out = tmp_path / "cohort"
    out.mkdir()
    command = [sys.executable, "-c", _HOLDS_THE_LOCK, str(out / ".lock")]
    with subprocess.Popen(command, stdout=subprocess.PIPE) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        with caplog.at_level("WARNING"):
            result = cohort.build([source], out, workers=1)
    assert result.posts == 7
    said = [r.getMessage() for r in caplog.records if "another build" in r.getMessage()]
    assert said == [f"{out}: another build is writing this folder: waiting for it to finish"]
