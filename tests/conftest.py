"""Shared fixtures: the corpus, the sample, a library and the fake servers on 127.0.0.1.

Every fake is a context manager; its fixture starts it and stops it after the test.
Helpers to import (paths, fake classes) live in `helpers` and `fakes`, not here.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fakes.links import FakeSite
from fakes.smtp import FakeSmtp
from fakes.social import FakeSocial
from fakes.webhook import FakeWebhook
from fakes.x_api import FakeXApi
from helpers import CORPUS, SAMPLE, credentials_for, small_tmpfs

import linkratio.store.forked as forked
from linkratio.frame import Library
from linkratio.net.x import Credentials

T = TypeVar("T", bound=AbstractContextManager[Any])


@pytest.fixture
def corpus() -> Path:
    """The shared corpus of real API data; skips the test when it is not beside the checkout."""
    if not CORPUS.is_dir():
        pytest.skip(f"../shared/corpus not present at {CORPUS}: real-data tests need it")
    return CORPUS


@pytest.fixture
def sample() -> Path:
    """The bundled sample archive."""
    return SAMPLE


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    """A new library file in the test's own folder."""
    with Library(tmp_path / "lib.sqlite") as library:
        yield library


# -- fake servers --------------------------------------------------------------------


@pytest.fixture
def start_fake() -> Iterator[Callable[..., Any]]:
    """`start_fake(FakeSite, tally=t)`: a started fake server, stopped after the test."""
    with ExitStack() as stack:

        def start(fake: Callable[..., T], *args: Any, **kwargs: Any) -> T:
            return stack.enter_context(fake(*args, **kwargs))

        yield start


@pytest.fixture
def x_credentials() -> Credentials:
    """The keys `fake_x_api` accepts; a test module overrides this fixture for its own."""
    return credentials_for("TEST")


@pytest.fixture
def fake_x_api(start_fake: Callable[..., Any], x_credentials: Credentials) -> FakeXApi:
    """The fake X API v2, accepting `x_credentials`."""
    return start_fake(FakeXApi, **dataclasses.asdict(x_credentials))


@pytest.fixture
def fake_social(start_fake: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> FakeSocial:
    """A fake Bluesky AppView and Mastodon instance on 127.0.0.1, with linkratio pointed at it."""
    server = start_fake(FakeSocial)
    monkeypatch.setenv("LINKRATIO_BSKY_API_URL", server.url)
    monkeypatch.setenv("LINKRATIO_MASTODON_SCHEME", "http")
    monkeypatch.delenv("LINKRATIO_MASTODON_TOKEN", raising=False)
    monkeypatch.delenv("LINKRATIO_MASTODON_INSTANCE", raising=False)
    monkeypatch.setenv("LINKRATIO_CONFIG", "/nonexistent/linkratio-test-config.toml")
    return server


@pytest.fixture
def fake_bluesky(fake_social: FakeSocial) -> FakeSocial:
    """The fake Bluesky AppView (at `url`; it shares its server with `fake_mastodon`)."""
    return fake_social


@pytest.fixture
def fake_mastodon(fake_social: FakeSocial) -> FakeSocial:
    """The fake Mastodon instance (at `host`; it shares its server with `fake_bluesky`)."""
    return fake_social


@pytest.fixture
def fake(fake_social: FakeSocial) -> FakeSocial:
    """`fake_social` under the short name the social tests use."""
    return fake_social


@pytest.fixture
def fake_site(start_fake: Callable[..., Any]) -> FakeSite:
    """One local web site (add routes with `add` and `redirect`)."""
    return start_fake(FakeSite)


@pytest.fixture
def sites(start_fake: Callable[..., Any]) -> tuple[FakeSite, FakeSite, FakeSite]:
    """Two shorteners and a destination site, each on its own port."""
    return start_fake(FakeSite), start_fake(FakeSite), start_fake(FakeSite)


@pytest.fixture
def fake_webhook(start_fake: Callable[..., Any]) -> FakeWebhook:
    """A webhook receiver that answers 200 to every POST."""
    return start_fake(FakeWebhook, 200)


@pytest.fixture
def smtp_server(start_fake: Callable[..., Any]) -> FakeSmtp:
    """An SMTP server that requires AUTH (`fakes.smtp.USER`, `PASSWORD`) over plain TCP."""
    return start_fake(FakeSmtp)


@pytest.fixture
def memory_library() -> Iterator[Library]:
    """A new private in-memory library (`:memory:`): for store tests that need no file."""
    with Library(":memory:") as library:
        yield library


@pytest.fixture(scope="session")
def sample_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample account (2,390 posts) in a library file, frame cache written: copy it
    (`helpers.copied`) before damaging or changing it."""
    from linkratio.sources import read

    path = tmp_path_factory.mktemp("sample-library") / "library.sqlite"
    timeline = read(SAMPLE)
    with Library(path) as library:
        library.save_posts(timeline.account, timeline.posts, origin="archive")
    return path


@pytest.fixture(scope="session")
def sample_cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample account as a cohort dataset, built once: read it, never change it."""
    pytest.importorskip("duckdb")
    pytest.importorskip("pyarrow")
    from linkratio import cohort

    out = tmp_path_factory.mktemp("sample-cohort") / "d"
    cohort.build([SAMPLE], out, workers=1)
    return out


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a small tmpfs (as root) or a plain folder, to be made read-only."""
    if os.geteuid() == 0:
        with small_tmpfs(tmp_path / "ro", "16m") as where:
            yield where
        return
    where = tmp_path / "ro"
    where.mkdir()
    try:
        yield where
    finally:
        where.chmod(0o755)


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config file of this test's own, named by LINKRATIO_CONFIG, and none of the settings'
    environment variables."""
    from linkratio import config

    path = tmp_path / "config.toml"
    monkeypatch.setenv("LINKRATIO_CONFIG", str(path))
    for env in config.KEYS.values():
        monkeypatch.delenv(env, raising=False)
    return path


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the children Forked makes in this test, which forks even though this
    process runs other threads (numpy's BLAS pool, once another test loaded it): the
    work here touches nothing those threads hold."""
    monkeypatch.setattr(forked, "_may_fork", lambda: True)
    pids: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(forked.os, "fork", fork)
    return pids
