"""Review tests for the cohort: `cohort sql` only reads the cohort, never files or the network."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import one_line
from test_cohort_cli import built, run  # noqa: F401  (the fixture)


@pytest.mark.parametrize(
    "query",
    [
        "COPY (SELECT 1) TO '{tmp}/copied.csv'",
        "COPY (SELECT 1) TO '{cohort}/_manifest.json'",
        "ATTACH '{tmp}/attached.db' AS a",
        "SELECT 1; COPY (SELECT 1) TO '{tmp}/copied.csv'",
        "EXPORT DATABASE '{tmp}/exported'",
    ],
)
def test_sql_writes_no_file(built: Path, tmp_path: Path, query: str):  # noqa: F811
    manifest = (built / "_manifest.json").read_bytes()
    before = sorted(p.name for p in tmp_path.iterdir())
    code, text = run("cohort", "sql", str(built), query.format(tmp=tmp_path, cohort=built))
    assert code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (built / "_manifest.json").read_bytes() == manifest


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM read_text('{secret}')",
        "SELECT * FROM read_csv('{secret}')",
        "INSTALL httpfs",
        "SET enable_external_access = true",
        "SELECT * FROM read_parquet('https://127.0.0.1:9/x.parquet')",
    ],
)
def test_sql_reads_no_other_file_and_installs_nothing(
    built: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    query: str,
):
    secret = tmp_path / "secret.txt"
    secret.write_text("token,abc123\n", encoding="utf-8")
    code, text = run("cohort", "sql", str(built), query.format(secret=secret))
    err = capsys.readouterr().err
    assert code == 2
    assert "abc123" not in text + err
    assert "Traceback" not in err
    one_line(err)


def test_sql_still_answers_queries_describe_and_explain(built: Path):  # noqa: F811
    code, text = run("cohort", "sql", str(built), "DESCRIBE posts", "--json")
    assert code == 0 and '"column_name": "site"' in text
    code, text = run("cohort", "sql", str(built), "EXPLAIN SELECT count(*) FROM posts")
    assert code == 0
    code, text = run(
        "cohort", "sql", str(built), "WITH p AS (FROM posts) SELECT count(*) AS n FROM p", "--json"
    )
    assert code == 0 and '"n": 8' in text


def _limited_fsize() -> None:
    """In the child: files may not grow past 120 bytes (a disk that fills up mid-write)."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (120, 120))


def test_summary_csv_that_cannot_be_written_leaves_the_previous_file(
    built: Path,  # noqa: F811
    tmp_path: Path,
):
    target = tmp_path / "accounts.csv"
    target.write_text("previous\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "linkratio", "cohort", "summary", str(built), "--csv", str(target)]
    done = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=_limited_fsize)
    assert done.returncode == 74, done.stderr
    assert "Traceback" not in done.stderr
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "accounts.csv", "cohort"]


def test_sql_json_takes_every_duckdb_type(built: Path, capsys: pytest.CaptureFixture[str]):  # noqa: F811
    query = (
        "SELECT 100.0 * count(*) AS pct, sum(length(id))::HUGEINT * 10000000000000000000 AS big, "
        "'\\x01'::BLOB AS raw, INTERVAL 1 DAY AS span, [1.5::DECIMAL(3,1)] AS nested, "
        "'nan'::DOUBLE AS nan FROM posts"
    )
    code, text = run("cohort", "sql", str(built), query, "--json")
    assert code == 0, capsys.readouterr().err
    (row,) = json.loads(text)
    assert row["pct"] == 800.0
    assert int(row["big"]) > 2**64
    assert isinstance(row["raw"], str) and isinstance(row["span"], str)
    assert row["nested"] == [1.5]
    assert row["nan"] is None


@pytest.mark.parametrize("query", ["", "   ", "-- a comment only", ";"])
def test_sql_without_a_statement_is_a_one_line_error(
    built: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    query: str,
):
    assert run("cohort", "sql", str(built), query)[0] == 2
    err = capsys.readouterr().err
    one_line(err)


@pytest.mark.parametrize("zone", ["right/UTC", "posix/Europe/Berlin", "localtime", "posixrules"])
@pytest.mark.parametrize("command", ["summary", "report"])
def test_a_zone_python_knows_but_duckdb_does_not_is_a_one_line_error(
    built: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    zone: str,
    command: str,
):
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(zone)  # the system's tz database has more files than ICU has zones
    except Exception:
        pytest.skip(f"this system's zoneinfo has no {zone}")
    extra = ["--out", str(tmp_path / "r.html")] if command == "report" else []
    assert run("cohort", command, str(built), "--tz", zone, *extra)[0] == 2
    err = capsys.readouterr().err
    one_line(err)
    assert zone in err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize("command", ["summary", "report"])
def test_a_damaged_part_is_a_one_line_error_naming_it(
    built: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
):
    part = sorted(built.glob("platform=*/month=*/part-*.parquet"))[0]
    part.write_bytes(part.read_bytes()[:100])  # cut short: a full disk, a copy stopped halfway
    extra = ["--out", str(tmp_path / "r.html")] if command == "report" else []
    assert run("cohort", command, str(built), *extra)[0] == 2
    err = capsys.readouterr().err
    one_line(err)
    assert part.name in err
    assert not (tmp_path / "r.html").exists()


def test_a_library_input_with_an_empty_db_file_is_refused_and_the_file_left_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A cohort only reads the library: opening an empty file would write a schema into it.
    empty = tmp_path / "library.sqlite"
    empty.touch()
    out = tmp_path / "cohort"
    code, _ = run("cohort", "build", "@marenbuilds", "--db", str(empty), "--out", str(out))
    assert code == 2
    err = one_line(capsys.readouterr().err)
    assert f"no library at {empty} (an empty file)" in err, err
    assert empty.stat().st_size == 0
