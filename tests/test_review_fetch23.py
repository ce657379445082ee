"""Review (fetch): what a fetch says it may cost, and what it reads and pays for.

The fake X API is driven through the real tweepy client; `Billed` (from test_cost22)
records every post a timeline answer carried, which is what X bills a read for.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest
from fakes.x_api import timeline
from test_cost22 import CREDS, OWNER, OWNER_ID, X_ENV, Billed

from linkratio.cli import main


@pytest.fixture
def api(start_fake: Any) -> Billed:
    return start_fake(Billed, **dataclasses.asdict(CREDS))


@pytest.fixture
def cli_env(api: Billed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI pointed at the fake, a library of its own and both kinds of X tokens."""
    monkeypatch.setenv("LINKRATIO_X_API_URL", api.base_url)
    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "lib.sqlite"))
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    for name, value in X_ENV.items():
        monkeypatch.setenv(name, value or "")
    return tmp_path / "lib.sqlite"


def test_the_owners_handle_read_with_the_owners_tokens_is_announced_at_the_owned_price(
    api: Billed, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.timelines[OWNER_ID] = timeline(300)
    assert main(["fetch", "--me", "--max-posts", "100", "--quiet"], out=io.StringIO()) == 0
    capsys.readouterr()
    before = len(api.seen())
    assert main(["fetch", f"@{OWNER}"], out=io.StringIO()) == 0
    err = capsys.readouterr().err
    # Read with the owner's tokens (the owned price, $0.001 a post), and said so beforehand.
    assert {r.auth for r in api.seen()[before:]} == {"oauth1"}
    assert "going on with the unfinished backfill of @PhillyNEFL: up to 3,200 posts, " in err
    assert "at most $3.20 in API reads" in err
    api.add_user("42", "someoneelse", timeline(30))
    assert main(["fetch", "@someoneelse"], out=io.StringIO()) == 0
    assert "at most $16.00 in API reads" in capsys.readouterr().err  # anyone else: the app's
