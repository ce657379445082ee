"""The `linkratio cohort` commands: build, summary (table, JSON, CSV), sql, report; the extra."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_cohort_build import USERS, file_a, page, tweet

from linkratio import cohort
from linkratio.cli import main

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cohort of one twarc2 file, with a handle and a site that try to inject HTML."""
    monkeypatch.setitem(USERS, "9", {"id": "9", "username": EVIL, "name": "x"})
    evil = tweet(
        "501", "9", "=1+1 https://t.co/x", "2024-06-01T08:00:00Z",
        entities={"urls": [{"url": "https://t.co/x", "expanded_url": f"https://{EVIL}.example/"}]},
    )  # fmt: skip
    source = tmp_path / "a.jsonl"
    source.write_bytes(file_a() + page([evil]))
    out = tmp_path / "cohort"
    assert run("cohort", "build", str(source), "--out", str(out), "--workers", "1")[0] == 0
    return out


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def test_build_prints_what_it_did_and_no_progress_off_a_terminal(built: Path, capsys):
    code, text = run(
        "cohort", "build", str(next(built.parent.glob("*.jsonl"))), "--out", str(built)
    )
    assert code == 0 and "1 input (0 read, 1 unchanged, 0 removed)" in text
    assert capsys.readouterr().err == ""


def test_build_needs_an_input():
    assert run("cohort", "build", "--out", "x")[0] == 2


def test_summary_json_has_exactly_the_documented_keys(built: Path):
    code, text = run("cohort", "summary", str(built), "--json")
    records = json.loads(text)
    assert code == 0 and len(records) == 4
    assert all(list(r) == list(cohort.SUMMARY_COLUMNS) for r in records)
    alice = next(r for r in records if r["account"] == "@alice")
    assert alice["talk_to_link"] == 1.0 and alice["top_site"] == "example.com"
    carol = next(r for r in records if r["account"] == "@carol")
    assert carol["talk_to_link"] == 0.0 and isinstance(carol["posts"], int)
    bob = next(r for r in records if r["account"] == "@bob")
    assert bob["talk_only_days"] == 0 and bob["talk_share"] == 0.5


def test_summary_filters_by_period_and_min_posts(built: Path):
    records = json.loads(run("cohort", "summary", str(built), "--json", "--since", "2024-06-01")[1])
    assert {r["account"] for r in records} == {"@carol", f"@{EVIL}"}
    records = json.loads(run("cohort", "summary", str(built), "--json", "--min-posts", "3")[1])
    assert [r["account"] for r in records] == ["@carol"]
    assert run("cohort", "summary", str(built), "--tz", "Mars/Base")[0] == 2


def test_summary_csv_cells_are_formula_safe(built: Path, tmp_path: Path):
    target = tmp_path / "out.csv"
    assert run("cohort", "summary", str(built), "--csv", str(target))[0] == 0
    with target.open(newline="") as fh:
        table = list(csv.DictReader(fh))
    assert {r["account"] for r in table} >= {"'@alice", f"'@{EVIL}"}


def test_summary_table_sanitizes_control_characters(built: Path):
    code, text = run("cohort", "sql", str(built), "SELECT 'a' || chr(27) || '[31m' AS v")
    assert code == 0 and "\x1b" not in text and text.splitlines()[1] == "a"  # sequence dropped


def test_sql_runs_over_the_posts_view(built: Path):
    code, text = run(
        "cohort", "sql", str(built), "SELECT kind, count(*) AS n FROM posts GROUP BY kind "
        "ORDER BY n DESC, kind", "--json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(text)[0] == {"kind": "url", "n": 3}
    assert run("cohort", "sql", str(built), "SELEC nothing")[0] == 2


def test_report_is_self_contained_escaped_and_has_four_sections(built: Path, tmp_path: Path):
    target = tmp_path / "report" / "cohort.html"
    code, text = run("cohort", "report", str(built), "--out", str(target))
    page_ = target.read_text()
    assert code == 0 and str(target) in text
    for section in ("distribution", "trend", "sites", "accounts"):
        assert f'<section id="{section}">' in page_
    assert EVIL not in page_ and "&lt;script&gt;alert(1)&lt;/script&gt;" in page_
    assert page_.count("<script>") == 1 and "Content-Security-Policy" in page_
    assert "data:image/png;base64," in page_ and "http://" not in page_
    assert not list(target.parent.glob(".*.tmp"))


def test_not_a_cohort_folder(tmp_path: Path):
    assert run("cohort", "summary", str(tmp_path))[0] == 2


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_import_loads_no_heavy_module():
    result = _python(
        "import sys, linkratio.cohort, linkratio.cli.cohort\n"
        "print(sorted(m for m in ('pyarrow', 'duckdb', 'dask') if m in sys.modules))"
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_without_the_extra_help_works_and_commands_fail_in_one_line(built: Path):
    block = "import sys; sys.modules.update(pyarrow=None, duckdb=None, dask=None)\n"
    helped = _python(block + "from linkratio.cli import main; main(['cohort', '--help'])")
    assert "summary" in helped.stdout
    failed = _python(
        block
        + f"from linkratio.cli import main; sys.exit(main(['cohort', 'summary', {str(built)!r}]))"
    )
    assert failed.returncode == 2
    assert failed.stderr.strip().splitlines() == [
        "linkratio: error: cohort analysis needs duckdb, which is not installed: "
        "run pip install 'linkratio[cohort]'"
    ]
