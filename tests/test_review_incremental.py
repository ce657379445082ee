"""Review of incremental runs and concurrent runs on one library (rv7).

Each test failed on the code before its fix.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from linkratio.store import Library


def test_a_library_opens_while_another_process_writes_it_in_rollback_journal_mode(
    tmp_path: Path,
) -> None:
    # A first bulk import writes the library in rollback-journal mode (schema.written_once);
    # SQLite answers a switch to WAL with "database is locked" at once, without its busy
    # handler, while that write holds its lock: a second run (a fetch, another import)
    # failed at once saying the library "stayed locked ... for 30 s".
    path = tmp_path / "library.sqlite"
    Library(path).close()
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    assert writer.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE bulk (x)")
    writer.execute("INSERT INTO bulk VALUES (1)")
    opening = threading.Event()

    def finish_the_write() -> None:
        opening.wait()
        time.sleep(0.5)  # the second run is waiting by now
        writer.execute("COMMIT")

    done = threading.Thread(target=finish_the_write)
    done.start()
    try:
        opening.set()
        with Library(path, busy_timeout=20.0) as second:
            assert second.accounts() == []
            assert second.schema_version() > 0
    finally:
        done.join()
        writer.close()
