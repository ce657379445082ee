"""Review of day 22b's merges: usage errors name an unzipped archive's folder and a DID."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers import usage_error

from linkratio.cli.app import main

FOLDER = "twitter-2024-12-01-1a2b3c4d5e6f7a8b"  # an X archive unzipped: its folder's name
DID = "bsky:did:plc:ewvi7nxzyoun6zhxrhs64oiz"  # how `accounts` names a Bluesky account


@pytest.mark.parametrize("name", [FOLDER, f"exports/{FOLDER}", DID])
def test_a_folder_or_an_account_typed_without_its_command_is_named(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = usage_error([name], capsys)
    assert f"unknown command '{name}'" in err, err
    err = usage_error(["import", "a.zip", name], capsys)
    assert f"unrecognized arguments: {name}" in err, err


def test_a_token_beside_them_is_still_hidden(capsys: pytest.CaptureFixture[str]) -> None:
    token = "Zk3mQ9vT2xLp8aW4nR7cY1bH6jD0sF5gE"
    err = usage_error(["import", "a.zip", FOLDER, DID, token], capsys)
    assert f"{FOLDER} {DID} <hidden: looks like a secret>" in err, err
    assert token not in err


# -- cohort sql: read-only means read-only ----------------------------------------------


def _sql(dataset: Path, query: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["cohort", "sql", str(dataset), query], io.StringIO())
    return code, capsys.readouterr().err


def test_explain_analyze_cannot_write_into_the_dataset(
    sample_cohort: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """EXPLAIN ANALYZE runs its statement: a COPY under it wrote a file (the dataset's own
    part files included: the folder is the one place the locked connection may write)."""
    target = sample_cohort / "written-by-sql.csv"
    for query in (
        f"EXPLAIN ANALYZE COPY (SELECT 42 AS a) TO '{target}'",
        f"/* x */ explain  analyse COPY posts TO '{target}'",
    ):
        code, err = _sql(sample_cohort, query, capsys)
        assert code == 2 and not target.exists(), err
        assert "not COPY" in err and len(err.splitlines()) == 1, err
    code, err = _sql(sample_cohort, "EXPLAIN ANALYZE SELECT count(*) FROM posts", capsys)
    assert code == 0, err


def test_a_refused_write_after_with_is_not_named_with(
    sample_cohort: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`runs queries only (SELECT, WITH, ...): not WITH` said no and yes at once."""
    code, err = _sql(
        sample_cohort, "WITH t AS (SELECT 1 AS a) INSERT INTO posts SELECT * FROM t", capsys
    )
    assert code == 2 and "not INSERT" in err and "not WITH" not in err, err


def test_an_email_address_after_a_misspelt_option_is_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    address = "firstname.lastname2024@example.com"
    err = usage_error(["weekly", "@me", "--email-to", address], capsys)
    assert f"unrecognized arguments: --email-to {address}" in err, err
    token = "Zk3mQ9vT2xLp8aW4nR7cY1bH6jD0sF5gE"
    err = usage_error(["weekly", "@me", f"--nope={token}@example"], capsys)
    assert token not in err, err
