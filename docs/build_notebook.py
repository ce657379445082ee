"""Execute `notebooks/explore.ipynb` and save it, charts and tables included, as
`docs/explore.ipynb`: what a newcomer browsing the repository sees without running anything.

Run it after changing the notebook (`tests/test_notebook.py` fails until you do):

    python docs/build_notebook.py

It needs nbclient, nbformat and ipykernel (all in the `test` extra). The executed copy
records a hash of the source notebook's cells, which is how the test knows it is fresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks" / "explore.ipynb"
TARGET = ROOT / "docs" / "explore.ipynb"
CELL_TIMEOUT = 300
"""Seconds one cell may run."""


def source_hash(cells: list[dict[str, Any]]) -> str:
    """A hash of what the cells say (type and source), whatever their outputs."""
    said = [(c["cell_type"], "".join(c["source"])) for c in cells]
    return hashlib.sha256(json.dumps(said, ensure_ascii=False).encode()).hexdigest()


def build() -> Any:
    """The source notebook, executed in a clean kernel, with run-specific details removed."""
    import nbclient
    import nbformat

    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    nb = nbformat.read(SOURCE, as_version=4)
    digest = source_hash(nb.cells)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(SOURCE.parent)}},
    )
    client.execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timings: noise in every rebuild's diff
        for output in cell.get("outputs", []):
            _scrub(output)
    nb.metadata["linkratio"] = {"built_from": "notebooks/explore.ipynb", "source_sha256": digest}
    return nb


_TEMP = re.compile(re.escape(tempfile.gettempdir()) + r"/[\w.-]+")


def _scrub(output: Any) -> None:
    """Write this machine's folders as `.` (the repository) and `/tmp/...`."""
    for key in ("text", "data"):
        if key not in output:
            continue
        value = output[key]
        if isinstance(value, str):
            output[key] = _TEMP.sub("/tmp/...", value.replace(str(ROOT), "."))
        else:
            for mime in [m for m in value if m.startswith("text/")]:
                text = value[mime]
                text = text if isinstance(text, str) else "".join(text)
                value[mime] = _TEMP.sub("/tmp/...", text.replace(str(ROOT), "."))


def main() -> int:
    """Build and write `docs/explore.ipynb`."""
    import nbformat

    nbformat.write(build(), TARGET)
    print(f"wrote {TARGET.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
