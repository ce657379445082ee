"""Benchmark the SQLite library (linkratio.store) on a large generated X archive.

    python bench/library.py                    # 200,000 posts
    python bench/library.py --posts 50000 --repeat 3
    python bench/library.py --no-cli           # the library API only

On the archive bench/run.py generates (reused when present in bench/out/), measures:

- classify: `python -m linkratio classify DIR --output jsonl`, the yardstick;
- import: a fresh `python` reads the archive with `keep_raw=True` and stores it with
  `Library.save_posts` in batches (`--batch`); and `python -m linkratio import DIR`;
- audit: `Library.frame()` + `analysis.summarize()` in a fresh process, and warm (best
  of R in one process), the first `frame()` after a classifier change (every cached row
  stale), and `python -m linkratio audit @handle --db LIBRARY`;
- size: the library file after close against the archive's `data/` files.

Wall times, interpreter start-up included for the commands, best of R. Results go to
bench/library_results.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import run  # noqa: E402  (bench/run.py: the archives, shared with the classify benchmark)

RESULTS = ROOT / "bench" / "library_results.json"
MAX_IMPORT_VS_CLASSIFY = 2.0
MAX_AUDIT_SECONDS = 1.0
MAX_SIZE_VS_ARCHIVE = 2.0

_IMPORT = """
import sys, time
from linkratio.sources import read
from linkratio.frame import Library
began = time.perf_counter()
timeline = read(sys.argv[1], keep_raw=True)
read_s = time.perf_counter() - began
batch = int(sys.argv[3])
with Library(sys.argv[2]) as library:
    for start in range(0, len(timeline.posts), batch):
        library.save_posts(timeline.account, timeline.posts[start:start + batch], origin="archive")
print(len(timeline.posts), read_s, time.perf_counter() - began - read_s)
"""

_AUDIT = """
import sys, time
began = time.perf_counter()
from linkratio.analysis import summarize
from linkratio.frame import Library
imported = time.perf_counter()
with Library(sys.argv[1]) as library:
    account = library.accounts()[0]
    start = time.perf_counter()
    table = library.frame(account.platform, account.id)
    middle = time.perf_counter()
    summarize(table, tz="UTC")
    end = time.perf_counter()
print(imported - began, middle - start, end - middle)
"""


def wall(command: list[str], repeat: int) -> tuple[float, str]:
    """Best wall time of `command` over `repeat` runs, and the stdout of that run."""
    best, out = float("inf"), ""
    for _ in range(repeat):
        began = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - began
        if seconds < best:
            best, out = seconds, done.stdout
    return best, out


def fresh(db: Path) -> Path:
    """`db` with no library file (nor -wal, -shm, .lock) left from an earlier run."""
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()
    return db


def time_import(archive: Path, db: Path, batch: int, repeat: int) -> dict[str, float]:
    """Import the archive into a fresh library file through the library API, best of R."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        command = [sys.executable, "-c", _IMPORT, str(archive), str(fresh(db)), str(batch)]
        seconds, out = wall(command, 1)
        posts, read_s, save_s = out.split()
        if not best or seconds < best["seconds"]:
            best = {"seconds": seconds, "posts": int(posts), "read": float(read_s),
                    "save": float(save_s)}  # fmt: skip
    return best


def time_cli_import(archive: Path, db: Path, repeat: int) -> float:
    """`linkratio import DIR --db DB` into a fresh library file, best of R."""
    best = float("inf")
    for _ in range(repeat):
        command = [sys.executable, "-m", "linkratio", "import", str(archive), "--db",
                   str(fresh(db)), "-q"]  # fmt: skip
        best = min(best, wall(command, 1)[0])
    return best


def time_fresh_audit(db: Path, repeat: int) -> dict[str, float]:
    """frame() + summarize() as a command would run them: in a new process, best of R."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        imports, frame_s, summary_s = map(
            float, wall([sys.executable, "-c", _AUDIT, str(db)], 1)[1].split()
        )
        if not best or frame_s + summary_s < best["frame+summarize"]:
            best = {"imports": imports, "frame": frame_s, "summarize": summary_s,
                    "frame+summarize": frame_s + summary_s}  # fmt: skip
    return best


def time_warm_audit(db: Path, repeat: int) -> dict[str, Any]:
    """frame() + summarize() in this process, best of R; then a relabelling frame()."""
    from dataclasses import replace

    from linkratio.analysis import summarize
    from linkratio.frame import DERIVER, Library

    with Library(db) as library:
        account = library.accounts()[0]
        frame_s = summary_s = total = float("inf")
        for _ in range(repeat):
            began = time.perf_counter()
            table = library.frame(account.platform, account.id)
            middle = time.perf_counter()
            summarize(table, tz="UTC")
            end = time.perf_counter()
            frame_s, summary_s = min(frame_s, middle - began), min(summary_s, end - middle)
            total = min(total, end - began)
        # A classifier change: every cached row is stale and frame() derives them all again.
        library.deriver = replace(DERIVER, fingerprint=lambda: "bench-changed")
        try:
            began = time.perf_counter()
            library.frame(account.platform, account.id)
            relabel = time.perf_counter() - began
        finally:
            library.deriver = DERIVER
        library.frame(account.platform, account.id)  # cached for the real fingerprint again
    return {
        "frame": frame_s,
        "summarize": summary_s,
        "frame+summarize": total,
        "rows": len(table),
        "relabel_frame": relabel,
        "handle": account.handle or "",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=run._make_sample().DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--no-cli", action="store_true", help="skip the linkratio commands")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    archive, _ = run.archive(args.posts, args.seed, regenerate=False)
    archive_bytes = run.archive_bytes(archive)
    db = run.OUT / f"library_{args.posts}_seed{args.seed}.sqlite"
    linkratio = [sys.executable, "-m", "linkratio"]
    classify, _ = wall([*linkratio, "classify", str(archive), "--output", "jsonl"], args.repeat)
    imported = time_import(archive, db, args.batch, args.repeat)
    size = db.stat().st_size
    warm = time_warm_audit(db, max(args.repeat, 5))
    cold = time_fresh_audit(db, args.repeat)
    results: dict[str, Any] = {
        "posts": imported["posts"],
        "archive_bytes": archive_bytes,
        "library_bytes": size,
        "size_vs_archive": size / archive_bytes,
        "classify_seconds": classify,
        "import_seconds": imported["seconds"],
        "import_read_seconds": imported["read"],
        "import_save_seconds": imported["save"],
        "import_vs_classify": imported["seconds"] / classify,
        "audit_fresh_process": cold,
        "audit_warm": warm,
    }
    if not args.no_cli:
        handle = f"@{warm['handle']}"
        audit, _ = wall([*linkratio, "audit", handle, "--db", str(db), "--tz", "UTC"], args.repeat)
        cli_db = db.with_name(db.stem + "_cli.sqlite")
        results["cli_import_seconds"] = time_cli_import(archive, cli_db, args.repeat)
        results["cli_audit_seconds"] = audit
        fresh(cli_db)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    report(results, classify)
    return 0


def report(results: dict[str, Any], classify: float) -> None:
    """Print the figures and whether each target is met."""
    cold, warm = results["audit_fresh_process"], results["audit_warm"]
    cold_total = cold["frame"] + cold["summarize"]
    lines = [
        ("posts", f"{results['posts']:,}"),
        ("archive", f"{results['archive_bytes'] / 1e6:,.0f} MB"),
        ("library", f"{results['library_bytes'] / 1e6:,.0f} MB "
                    f"({results['size_vs_archive']:.2f}x the archive)"),
        ("classify (command)", f"{classify:.2f} s"),
        ("import (library API)", f"{results['import_seconds']:.2f} s (read "
                                 f"{results['import_read_seconds']:.2f} s, save "
                                 f"{results['import_save_seconds']:.2f} s; "
                                 f"{results['import_vs_classify']:.2f}x classify)"),
        ("frame + summarize, new process", f"{cold_total:.3f} s (frame {cold['frame']:.3f} s, "
         f"summarize {cold['summarize']:.3f} s; imports before them {cold['imports']:.2f} s)"),
        ("frame + summarize, warm", f"{warm['frame+summarize']:.3f} s (frame "
                                    f"{warm['frame']:.3f} s, summarize {warm['summarize']:.3f} s)"),
        ("frame after a classifier change", f"{warm['relabel_frame']:.2f} s"),
    ]  # fmt: skip
    if "cli_import_seconds" in results:
        cli_import = results["cli_import_seconds"]
        ratio = cli_import / classify
        lines.append(("linkratio import (command)", f"{cli_import:.2f} s ({ratio:.2f}x classify)"))
        lines.append(("linkratio audit @handle", f"{results['cli_audit_seconds']:.2f} s"))
    for name, value in lines:
        print(f"{name:33} {value}")
    checks = [
        ("import <= 2x classify", results["import_vs_classify"] <= MAX_IMPORT_VS_CLASSIFY),
        ("frame + summarize < 1 s (new process)", cold_total < MAX_AUDIT_SECONDS),
        ("library < 2x archive", results["size_vs_archive"] < MAX_SIZE_VS_ARCHIVE),
    ]
    for name, ok in checks:
        print(f"{'met' if ok else 'MISSED':6} {name}")


if __name__ == "__main__":
    raise SystemExit(main())
