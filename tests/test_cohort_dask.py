"""The Dask engine runs the same tasks as the local one: same rows, same summary."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import local_cluster
from test_cohort_build import inputs, rows  # noqa: F401 (a fixture)

from linkratio import cohort
from linkratio.cli import main
from linkratio.errors import InputError

distributed = pytest.importorskip("distributed")


@pytest.fixture
def dashboard_port_taken() -> Iterator[None]:
    """Port 8787 (Dask's dashboard default) in use, as by another cluster on the machine:
    a cluster that binds it anyway warns, and the suite makes every warning an error."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", 8787))
            sock.listen()
        except OSError:
            pass  # already in use: the same situation
        yield


def test_dask_local_cluster_gives_the_same_output_as_local(
    inputs: list[Path],  # noqa: F811
    tmp_path: Path,
    dashboard_port_taken: None,
):
    local, dask = tmp_path / "local", tmp_path / "dask"
    cohort.build(inputs, local, workers=2)
    code = main(
        ["cohort", "build", *map(str, inputs), "--out", str(dask), "--engine", "dask",
         "--workers", "2", "--quiet"]
    )  # fmt: skip
    assert code == 0
    assert cohort.summary(dask).equals(cohort.summary(local))
    assert rows(dask) == rows(local)
    assert cohort.weekly_trend(dask).equals(cohort.weekly_trend(local))


def test_dask_with_a_running_scheduler(inputs: list[Path], tmp_path: Path):  # noqa: F811
    with local_cluster(1) as cluster:
        result = cohort.build(
            inputs[1:], tmp_path / "out", engine="dask", scheduler=cluster.scheduler_address
        )
    assert result.tasks == 2 and result.posts == 11


def test_engine_options_are_checked(tmp_path: Path, inputs: list[Path]):  # noqa: F811
    with pytest.raises(InputError, match="scheduler= needs engine=.dask."):
        cohort.build(inputs[1:], tmp_path / "o", scheduler="tcp://127.0.0.1:1")
    with pytest.raises(InputError, match="unknown engine"):
        cohort.build(inputs[1:], tmp_path / "o", engine="spark")
