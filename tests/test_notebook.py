from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
EXPLORE = NOTEBOOKS / "explore.ipynb"
CELL_TIMEOUT = 120
"""Seconds one cell may run before the test fails."""


def test_explore_notebook_is_committed_without_outputs():
    nb = json.loads(EXPLORE.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, "the notebook has no code cells"
    for cell in code:
        assert cell["outputs"] == [], f"cell {cell.get('id')} was committed with outputs"
        assert cell["execution_count"] is None, f"cell {cell.get('id')} has an execution count"
    source = "".join("".join(c["source"]) for c in code)
    assert "linkratio.load(" in source and "linkratio.summarize(" in source


def test_explore_notebook_runs_from_a_clean_kernel(monkeypatch):
    reason = "executing notebooks needs nbclient, nbformat and ipykernel (the test extra)"
    # jupyter_core warns about its future path scheme unless told which one to use.
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    nbformat = pytest.importorskip("nbformat", reason=reason)
    nbclient = pytest.importorskip("nbclient", reason=reason)
    pytest.importorskip("ipykernel", reason=reason)
    nb = nbformat.read(EXPLORE, as_version=4)
    nbformat.validate(nb)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    # Raises CellExecutionError, naming the cell and its traceback, on the first error.
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    errors = [o for c in code for o in c.outputs if o.output_type == "error"]
    assert errors == []
    # Every chart cell drew its figure inline.
    charts = [c for c in code if c.get("id", "").startswith("chart-")]
    assert len(charts) == 5
    for cell in charts:
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), cell.id


ROOT = NOTEBOOKS.parent
EXECUTED = ROOT / "docs" / "explore.ipynb"
"""The executed copy a newcomer reads on the repository's web page: charts included."""


def _builder():
    spec = importlib.util.spec_from_file_location(
        "build_notebook", ROOT / "docs" / "build_notebook.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_executed_copy_in_docs_is_fresh():
    builder = _builder()
    source = json.loads(EXPLORE.read_text(encoding="utf-8"))
    copy = json.loads(EXECUTED.read_text(encoding="utf-8"))
    digest = builder.source_hash(source["cells"])
    stale = "docs/explore.ipynb is stale: run python docs/build_notebook.py"
    assert copy["metadata"]["linkratio"]["source_sha256"] == digest, stale
    assert builder.source_hash(copy["cells"]) == digest, stale  # and nobody edited the copy
    code = [c for c in copy["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code)
    assert not [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    charts = [c for c in code if c.get("id", "").startswith("chart-")]
    assert len(charts) == 5
    for cell in charts:
        assert any("image/png" in o.get("data", {}) for o in cell["outputs"]), cell["id"]
    assert str(ROOT) not in EXECUTED.read_text(encoding="utf-8")  # no builder's folder in it
