"""Review tests for the cohort: `cohort sql` only reads the cohort, never files or the network."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cohort_cli import built, run  # noqa: F401  (the fixture)


@pytest.mark.parametrize(
    "query",
    [
        "COPY (SELECT 1) TO '{tmp}/copied.csv'",
        "COPY (SELECT 1) TO '{cohort}/manifest.json'",
        "ATTACH '{tmp}/attached.db' AS a",
        "SELECT 1; COPY (SELECT 1) TO '{tmp}/copied.csv'",
        "EXPORT DATABASE '{tmp}/exported'",
    ],
)
def test_sql_writes_no_file(built: Path, tmp_path: Path, query: str):  # noqa: F811
    manifest = (built / "manifest.json").read_bytes()
    before = sorted(p.name for p in tmp_path.iterdir())
    code, text = run("cohort", "sql", str(built), query.format(tmp=tmp_path, cohort=built))
    assert code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (built / "manifest.json").read_bytes() == manifest


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
    assert len(err.strip().splitlines()) == 1


def test_sql_still_answers_queries_describe_and_explain(built: Path):  # noqa: F811
    code, text = run("cohort", "sql", str(built), "DESCRIBE posts", "--json")
    assert code == 0 and '"column_name": "site"' in text
    code, text = run("cohort", "sql", str(built), "EXPLAIN SELECT count(*) FROM posts")
    assert code == 0
    code, text = run(
        "cohort", "sql", str(built), "WITH p AS (FROM posts) SELECT count(*) AS n FROM p", "--json"
    )
    assert code == 0 and '"n": 8' in text
