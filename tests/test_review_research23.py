"""Review (a researcher's cohort, day 23): the cohort's per-account numbers against `audit` on
the same files."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from archives import ytd

from linkratio import cohort
from linkratio.cli import main

pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")


def _tweet(tid: int, text: str, day: int, urls: list[str] | None = None) -> dict[str, Any]:
    """An archive tweets.js record (no author in it: the archive's account.js names it)."""
    links = [
        {"url": "https://t.co/x", "expanded_url": u, "indices": ["0", "1"]} for u in urls or []
    ]
    return {
        "tweet": {
            "id_str": str(tid),
            "id": str(tid),
            "full_text": text,
            "created_at": f"Mon Mar {day:02d} 10:00:00 +0000 2024",
            "entities": {"urls": links, "user_mentions": [], "hashtags": []},
            "display_text_range": ["0", str(len(text))],
            "favorite_count": "0",
            "retweet_count": "0",
            "lang": "en",
        }
    }


def _audit(path: Path) -> dict[str, Any]:
    out = io.StringIO()
    assert main(["audit", str(path), "--json", "--tz", "UTC"], out=out) == 0
    return json.loads(out.getvalue())


def test_donated_tweets_js_files_without_account_js_stay_one_account_each(
    tmp_path: Path,
) -> None:
    # A data-donation study: each participant gave only their tweets.js (no account.js), so no
    # post names its author. Each file is one person's posts, as `audit FILE` reads it; the
    # cohort lumped every such input into one account named null.
    ann, bob = tmp_path / "p1" / "tweets.js", tmp_path / "p2" / "tweets.js"
    ann.parent.mkdir()
    bob.parent.mkdir()
    ann.write_bytes(
        ytd("tweets", [_tweet(1, "how are you doing?", 4), _tweet(2, "what do you think?", 5)])
    )
    bob.write_bytes(
        ytd(
            "tweets",
            [
                _tweet(11, "RT @x: hi", 4),
                _tweet(12, "read this https://t.co/x", 6, ["https://example.org/a"]),
                _tweet(13, "nice weather", 7),
            ],
        )
    )
    out = tmp_path / "cohort"
    cohort.build([ann, bob], out, workers=1)
    table = cohort.summary(out)
    assert len(table) == 2, table.to_dict("records")
    by_posts = {int(r["posts"]): r for r in table.to_dict("records")}
    for path in (ann, bob):
        audited = _audit(path)
        got = by_posts[audited["posts"]]
        assert round(got["talk_share"], 4) == audited["talk_share"]  # audit says 4 places
        assert got["talk_only_days"] == audited["talk_only"]["count"]
        # the input names the account the data does not (relative to the cohort: session 25)
        assert got["account"] == f"file ../{path.relative_to(tmp_path).as_posix()}"


def test_posts_naming_no_author_in_a_file_of_one_author_are_that_authors(tmp_path: Path) -> None:
    # `audit` counts a post that names no author as the file's main author's (authors_of):
    # the cohort made a second, nameless account of it.
    users = [{"id": "7", "username": "ann", "name": "Ann"}]
    data = [
        {"id": "1", "author_id": "7", "text": "how are you?", "created_at": "2024-03-04T10:00:00Z"},
        {"id": "2", "author_id": "7", "text": "fine day", "created_at": "2024-03-05T10:00:00Z"},
        {"id": "3", "text": "what now?", "created_at": "2024-03-06T10:00:00Z"},
    ]
    path = tmp_path / "ann.json"
    path.write_text(json.dumps({"data": data, "includes": {"users": users}}))
    out = tmp_path / "cohort"
    cohort.build([path], out, workers=1)
    rows = cohort.summary(out).to_dict("records")
    audited = _audit(path)
    assert [(r["account"], r["posts"]) for r in rows] == [("@ann", 3)]
    assert audited["posts"] == 3
    assert round(rows[0]["talk_share"], 4) == audited["talk_share"]


def test_a_glob_beside_the_output_folder_does_not_read_the_dataset(tmp_path: Path) -> None:
    # `cohort build 'data/*' --out data/cohort`: the build made the folder, then the glob took
    # it for an X archive folder ("folder has no data/tweets.js"), on the very first run.
    from test_cohort_build import file_a

    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_bytes(file_a())
    out = data / "cohort"
    for pattern in (str(data / "*"), str(data / "**" / "*")):
        for _ in range(2):  # the first build, and one with the dataset there
            result = cohort.build([pattern], out, workers=1)
            assert result.inputs == 1
    alone = cohort.build([data / "a.jsonl"], tmp_path / "alone", workers=1)
    assert alone.posts > 0
    assert cohort.sql(out, "SELECT count(*) FROM posts")[1] == [(alone.posts,)]


def test_inputs_kept_in_the_output_folder_itself_are_still_inputs(tmp_path: Path) -> None:
    # `--out data` with the inputs in data/: the dataset's own partitions, manifest and lock
    # are no inputs; the files beside them still are, named or matched, build after build.
    from test_cohort_build import file_a

    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_bytes(file_a())
    for inputs in ([str(data / "*")], [str(data / "a.jsonl")], [str(data / "*")]):
        assert cohort.build(inputs, data, workers=1).inputs == 1
    assert cohort.sql(data, "SELECT count(*) FROM posts")[1][0][0] > 0


def test_the_output_folder_named_as_an_input_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `cohort build data/* --out data/cohort` unquoted: the shell names the dataset folder
    # on a rebuild; it was read as an X archive folder ("folder has no data/tweets.js").
    from test_cohort_build import file_a

    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_bytes(file_a())
    out = data / "cohort"
    cohort.build([data / "a.jsonl"], out, workers=1)
    before = sorted(p.name for p in out.rglob("part-*"))
    code = main(["cohort", "build", str(data / "a.jsonl"), str(out), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "is in the output folder" in err, err
    assert sorted(p.name for p in out.rglob("part-*")) == before


def test_a_dataset_whose_build_did_not_finish_says_so_to_its_readers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A build that stopped (a bad input, SIGTERM, a worker lost, a remote cluster's build
    # ended) keeps the inputs it finished and writes its manifest: the folder then read as a
    # finished dataset, its missing inputs not said anywhere (`summary`, `report`, `sql`).
    from test_cohort_build import file_a, file_b

    good, bad = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    good.write_bytes(file_a())
    bad.write_bytes(file_b() + b"{not json\n")
    out = tmp_path / "cohort"
    assert main(["cohort", "build", str(good), str(bad), "--out", str(out), "-q"]) != 0
    capsys.readouterr()
    report = tmp_path / "r.html"
    assert main(["cohort", "report", str(out), "--out", str(report)]) == 0
    err = capsys.readouterr().err  # one line, though the report runs three queries
    assert err.count("\n") == 1 and str(out) in err and "did not finish" in err, err
    for command in (["summary", str(out)], ["sql", str(out), "SELECT count(*) FROM posts"]):
        line = [sys.executable, "-m", "linkratio", "cohort", *command]
        done = subprocess.run(line, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0 and "did not finish" in done.stderr, done.stderr

    bad.write_bytes(file_b())  # fixed: the next build finishes, and readers are quiet again
    assert main(["cohort", "build", str(good), str(bad), "--out", str(out), "-q"]) == 0
    assert main(["cohort", "summary", str(out)]) == 0
    assert capsys.readouterr().err == ""


def test_an_input_rewritten_while_its_task_reads_it_is_read_again_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A collection that rewrites its files in place while a build reads them: the task
    # hashed the file after reading it, so the manifest vouched for the new bytes with the
    # old rows, and every later build took the file as unchanged (same size, same hash).
    from test_cohort_build import file_a

    from linkratio.cohort import builder, tasks

    source, out = tmp_path / "a.jsonl", tmp_path / "cohort"
    source.write_bytes(file_a())
    later = file_a().replace(b"Anyone at PyCon?", b"Anyone at PyCon.")
    assert len(later) == len(file_a()) and later != file_a()
    reading = tasks._posts

    def rewritten_meanwhile(task: Any, *args: Any) -> Any:
        yield from reading(task, *args)
        source.write_bytes(later)  # same size: only the content hash tells

    monkeypatch.setattr(tasks, "_posts", rewritten_meanwhile)
    monkeypatch.setattr(builder, "run", lambda todo, *how: (tasks.run_task(t) for t in todo))
    cohort.build([source], out)
    monkeypatch.undo()
    assert source.read_bytes() == later
    again = cohort.build([source], out, workers=1)
    assert again.rebuilt == [str(source)]
    cohort.build([source], tmp_path / "fresh", workers=1)
    query = "SELECT id, category, kind FROM posts ORDER BY id"
    assert cohort.sql(out, query) == cohort.sql(tmp_path / "fresh", query)


@pytest.mark.parametrize("name", ["cohort[1]", "cohort*", "co?ort"])
def test_a_cohort_folder_named_with_glob_characters_reads_its_own_parts(
    tmp_path: Path, name: str
) -> None:
    # The folder's name went into DuckDB's read_parquet pattern as it is: `cohort[1]`
    # matched the sibling `cohort1` (its summary was another dataset's), or nothing.
    from test_cohort_build import file_a, file_b

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_bytes(file_a())
    b.write_bytes(file_b())
    ours = tmp_path / name
    cohort.build([a], ours, workers=1)
    for sibling in ("cohort1", "cohort"):  # what the name matches as a pattern
        cohort.build([b], tmp_path / sibling, workers=1)
    cohort.build([a], tmp_path / "plain", workers=1)
    query = "SELECT platform, id, account, category FROM posts ORDER BY id"
    assert cohort.sql(ours, query) == cohort.sql(tmp_path / "plain", query)
    assert cohort.summary(ours).equals(cohort.summary(tmp_path / "plain"))


def test_a_build_killed_outright_leaves_a_dataset_that_says_it_is_unfinished(
    tmp_path: Path,
) -> None:
    # SIGKILL (a job's hard limit, the OOM killer) runs no `finally`: the manifest was first
    # written at the end or after 5 s, so the parts renamed by then sat beside the previous
    # build's manifest, which vouched for a finished dataset.
    from test_cohort_build import file_a, file_b

    a, b, out = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "cohort"
    a.write_bytes(file_a())
    b.write_bytes(file_b())
    cohort.build([a], out, workers=1)
    script = tmp_path / "killed.py"
    script.write_text(
        "import os, signal, sys\n"
        "from linkratio import cohort\n"
        "from linkratio.cohort import builder\n"
        "commit = builder._State.commit\n"
        "def killed(self, item, results):\n"
        "    commit(self, item, results)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)  # right after the new input's parts\n"
        "builder._State.commit = killed\n"
        "if __name__ == '__main__':\n"
        f"    cohort.build([{str(a)!r}, {str(b)!r}], {str(out)!r}, workers=1)\n"
    )
    done = subprocess.run([sys.executable, str(script)], timeout=120, check=False)
    assert done.returncode == -9
    assert list(out.rglob(f"part-{cohort.manifest.key_of(str(b))}-*"))  # b's parts are there
    line = [sys.executable, "-m", "linkratio", "cohort", "summary", str(out)]
    read = subprocess.run(line, capture_output=True, text=True, timeout=120, check=False)
    assert read.returncode == 0 and "did not finish" in read.stderr, read.stderr


@pytest.mark.parametrize(
    "options",
    [
        ["--engine", "dask", "--scheduler", "http://127.0.0.1:8787"],  # the dashboard's URL
        ["--engine", "dask", "--scheduler", "tcp://127.0.0.1:port"],
        ["--engine", "dask", "--scheduler", "tcp://[::1"],
        ["--engine", "dask", "--scheduler", ""],  # an unset variable: not a LocalCluster
        ["--scheduler", "tcp://127.0.0.1:8786"],  # without --engine dask
    ],
)
def test_a_scheduler_address_that_cannot_be_one_is_a_one_line_error(
    tmp_path: Path, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # A malformed address was a ValueError traceback from distributed.Client; an empty one
    # built on a LocalCluster instead. The dataset is left as it was, not marked unfinished.
    from test_cohort_build import file_a

    source, out = tmp_path / "a.jsonl", tmp_path / "cohort"
    source.write_bytes(file_a())
    cohort.build([source], out, workers=1)
    source.write_bytes(file_a() + file_a())  # an input to read: the build has work to do
    before = (out / cohort.manifest.NAME).read_bytes()
    code = main(["cohort", "build", str(source), "--out", str(out), *options])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "--scheduler" in err and "Traceback" not in err, err
    assert (out / cohort.manifest.NAME).read_bytes() == before


def test_parts_a_worker_wrote_where_the_build_cannot_see_them_are_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A Dask cluster whose workers do not share the output folder writes the parts on their
    # own disks: the build's rename said only "…/.part-….tmp: No such file or directory".
    from test_cohort_build import file_a

    from linkratio.cohort import builder, tasks

    source, out = tmp_path / "a.jsonl", tmp_path / "cohort"
    source.write_bytes(file_a())

    def elsewhere(todo: Any, *how: Any) -> Any:
        for task in todo:
            result = tasks.run_task(task)
            for part in result.parts:
                Path(part.tmp).unlink()  # on the worker's machine, not this one
            yield result

    monkeypatch.setattr(builder, "run", elsewhere)
    code = main(["cohort", "build", str(source), "--out", str(out), "-q"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and "shared" in err and str(out) in err, err


@pytest.mark.parametrize("where", ["", "a.jsonl"])
def test_an_empty_or_file_output_folder_is_a_one_line_error(
    tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `--out "$OUT"` unset built into the current folder; `--out` naming a file said only
    # "File exists".
    from test_cohort_build import file_a

    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    source = tmp_path / "in" / "b.jsonl"
    source.write_bytes(file_a())
    (tmp_path / "a.jsonl").write_bytes(file_a())
    code = main(["cohort", "build", str(source), "--out", where])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "expected the dataset folder" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "in"]
