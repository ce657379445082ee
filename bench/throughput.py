"""Issue 13: classify beside every parsing floor, in one run, on one machine.

    python bench/throughput.py                     # 60,000 and 200,000 posts, twarc, library
    python bench/throughput.py --posts 60000 --no-twarc --no-library

Each floor and each command runs in a fresh process (best of --repeat); the floors time the
work inside the process (reading tweets.js, then parsing it), the commands the whole
process with `os.wait4` for its peak RSS. `linkratio classify --output jsonl` is also
compared byte for byte with the general reader's output (`--no-check` skips that).
The library row also times two parts of `import` alone (`IMPORT_PARTS`): linkratio's read
of the archive as the library keeps it; SQLite's insert of the stored rows (the store's
floor: no Python but the binding); and unpickling those rows (what a writer process fed
by another would pay before its insert).
Results go to stdout and to bench/throughput-results.json. Never a test: timings vary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))

# Each floor: (name, code run in a child with `path` (tweets.js) set; it prints seconds).
_READ = "t=time.perf_counter(); data=open(path,'rb').read()\n"
_START = "i=data.index(b'=')+1\n"
FLOORS = {
    "read bytes": _READ + "print(time.perf_counter()-t)",
    "msgspec Structs, GC off": "import msgspec\n"
    "from linkratio.sources.x_archive.typed import Record\ngc.disable()\n" + _READ + _START
    + "n=len(msgspec.json.decode(memoryview(data)[i:],"
    " type=list[Record]))\nprint(time.perf_counter()-t)",
    "orjson per record, GC off": "from linkratio.sources.x_archive.ytd import records\n"
    "gc.disable()\n" + _READ + "n=sum(1 for _ in records(data, path, frozenset({'tweets'})))\n"
    "print(time.perf_counter()-t)",
    "json.loads, GC off": "import json\ngc.disable()\n" + _READ + _START
    + "n=len(json.loads(data[i:].decode().rstrip().rstrip(';')))\nprint(time.perf_counter()-t)",
    "json.loads, GC on": "import json\n" + _READ + _START
    + "n=len(json.loads(data[i:].decode().rstrip().rstrip(';')))\nprint(time.perf_counter()-t)",
}  # fmt: skip


def run(args: list[str], cwd: Path = ROOT) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one child process; exits if it fails."""
    began = time.perf_counter()
    with subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd
    ) as child:
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - began
        err = child.stderr.read().decode() if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{err}")
    return wall, usage.ru_maxrss * 1024


def best(args: list[str], repeat: int, cwd: Path = ROOT) -> tuple[float, int]:
    """The fastest of `repeat` runs and the largest peak RSS among them."""
    runs = [run(args, cwd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs)


def floor(code: str, tweets: Path, repeat: int) -> float:
    """The best seconds a floor's child reports."""
    times = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", f"import gc, time\npath={str(tweets)!r}\n{code}"],
            capture_output=True, text=True, cwd=ROOT, check=True,
        )  # fmt: skip
        times.append(float(done.stdout.split()[-1]))
    return min(times)


def linkratio(*args: str) -> list[str]:
    """The command line of `python -m linkratio ARGS` in this interpreter."""
    return [sys.executable, "-m", "linkratio", *args]


def same_as_general(folder: Path) -> bool:
    """Whether `classify --output jsonl` equals what the general reader's posts give."""
    code = (
        "import sys; from pathlib import Path\n"
        "from linkratio.sources.x_archive import read_archive\n"
        "from linkratio.classify import classify\n"
        "from linkratio.render.listing import write_labels\n"
        f"t = read_archive(Path({str(folder)!r}))\n"
        "write_labels(((p, classify(p)) for p in t.posts), sys.stdout, 'jsonl')\n"
    )
    general = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT)
    fast = subprocess.run(linkratio("classify", str(folder), "--output", "jsonl", "--quiet"),
                          capture_output=True, cwd=ROOT)  # fmt: skip
    return general.returncode == 0 and general.stdout == fast.stdout


def archive_row(posts: int, seed: int, repeat: int, check: bool) -> dict[str, Any]:
    """Every floor and the classify command on one generated archive."""
    from run import archive

    folder, _ = archive(posts, seed, False)
    tweets = folder / "data" / "tweets.js"
    size = sum(p.stat().st_size for p in (folder / "data").iterdir())
    row: dict[str, Any] = {"posts": posts, "archive_bytes": size, "floors": {}}
    for name, code in FLOORS.items():
        seconds = floor(code, tweets, repeat)
        row["floors"][name] = {"seconds": seconds, "posts_per_s": posts / seconds}
    seconds, rss = best(linkratio("classify", str(folder), "--output", "jsonl", "--quiet"), repeat)
    msgspec = row["floors"]["msgspec Structs, GC off"]["posts_per_s"]
    row["classify"] = {
        "seconds": seconds,
        "posts_per_s": posts / seconds,
        "peak_rss": rss,
        "of_msgspec_floor": posts / seconds / msgspec,
        "rss_of_archive": rss / size,
    }
    if check:
        row["classify"]["same_as_general_reader"] = same_as_general(folder)
    return row


def twarc_row(tweets: int, repeat: int) -> dict[str, Any] | None:
    """`linkratio classify FILE --output csv` against `twarc2 csv` on one twarc2 JSONL file."""
    twarc2 = os.environ.get("TWARC2") or shutil.which("twarc2") or "twarc2"
    if shutil.which(twarc2) is None:
        print("twarc2 not found (pip install twarc-csv, or set TWARC2=PATH): skipped")
        return None
    path = OUT / f"twarc-{tweets}" / "twarc2.jsonl"
    if not path.exists():
        _twarc_file(path, tweets)
    ours, _ = best(linkratio("classify", str(path), "--output", "csv", "--quiet"), repeat)
    csv_out = path.with_suffix(".csv")
    os.environ.setdefault("BEARER_TOKEN", "unused")  # twarc2 asks for one before any command
    command = [twarc2, "csv", "--no-inline-referenced-tweets", str(path), str(csv_out)]
    theirs, _ = best(command, repeat, cwd=path.parent)  # it writes twarc.log where it runs
    return {"tweets": tweets, "linkratio_s": ours, "twarc2_csv_s": theirs, "speedup": theirs / ours}


def _twarc_file(path: Path, tweets: int) -> None:
    """One author's tweets as twarc2 JSONL (bench/cohort.py), with the metrics twarc-csv needs."""
    import orjson
    from cohort import generate

    raw = generate(path.parent / "raw", tweets, accounts=1, files=1)[0]
    metrics = {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0}
    with raw.open("rb") as src, path.open("wb") as out:
        for line in src:
            page = orjson.loads(line)
            for tweet in page["data"]:
                tweet.update(public_metrics=metrics, lang="en", conversation_id=tweet["id"])
            for user in page["includes"]["users"]:
                user.update(
                    public_metrics={"followers_count": 1}, created_at="2020-01-01T00:00:00Z"
                )
            out.write(orjson.dumps(page) + b"\n")


# Three parts of `import`, each alone, in a child given the archive `folder` and the library
# `db` the import made (each prints seconds): the archive read as the library keeps it
# (lean posts with their JSON, which a forked child makes meanwhile; no store); SQLite's
# insert of the very rows it stored into a new library in memory (the schema, its indexes
# and foreign keys; no disk); and `pickle.loads` of those rows, what a writer process fed
# by a reader would pay first.
IMPORT_PARTS = {
    "read (lean posts + raw JSON)": "from linkratio.sources.x_archive.paired import read_paired\n"
    "from pathlib import Path\ngc.disable(); t=time.perf_counter()\n"
    "n=len(read_paired(Path(folder)).posts)\nprint(time.perf_counter()-t)",
    "SQLite insert of its rows": "import sqlite3\nfrom linkratio.store import schema\n"
    "from linkratio.store.posts import _INSERT_POST, POST_COLUMNS\n"
    "src=sqlite3.connect(db); cols=', '.join(POST_COLUMNS)\n"
    "rows=src.execute(f'SELECT {cols} FROM posts ORDER BY rowid').fetchall()\n"
    "accounts=src.execute('SELECT * FROM accounts').fetchall()\ngc.disable()\n"
    "mem=sqlite3.connect(':memory:', isolation_level=None)\n"
    "mem.execute('PRAGMA foreign_keys = ON'); schema.migrate(mem); mem.execute('BEGIN')\n"
    "mem.executemany(f'INSERT INTO accounts VALUES ({\",\".join(\"?\" * len(accounts[0]))})',"
    " accounts)\nt=time.perf_counter(); mem.executemany(_INSERT_POST, rows)\n"
    "mem.execute('COMMIT'); print(time.perf_counter()-t)",
    "unpickling its rows": "import pickle, sqlite3\n"
    "from linkratio.store.posts import POST_COLUMNS\ncols=', '.join(POST_COLUMNS)\n"
    "rows=sqlite3.connect(db).execute(f'SELECT {cols} FROM posts ORDER BY rowid').fetchall()\n"
    "data=pickle.dumps(rows, protocol=5); del rows; gc.disable(); t=time.perf_counter()\n"
    "rows=pickle.loads(data); print(time.perf_counter()-t)",
}  # fmt: skip


def import_part(code: str, folder: Path, db: Path, repeat: int) -> float:
    """The best seconds an import part's child reports."""
    times = []
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c",
             f"import gc, time\nfolder={str(folder)!r}\ndb={str(db)!r}\n{code}"],
            capture_output=True, text=True, cwd=ROOT, check=True,
        )  # fmt: skip
        times.append(float(done.stdout.split()[-1]))
    return min(times)


def library_row(posts: int, seed: int, repeat: int) -> dict[str, Any]:
    """`import` against `classify`, `audit @handle` against importing pandas, and `report`."""
    from run import archive

    folder, _ = archive(posts, seed, False)
    db = OUT / f"throughput-{posts}.db"
    classify_s, _ = best(linkratio("classify", str(folder), "--output", "jsonl", "-q"), repeat)
    imports = []
    for _ in range(repeat):
        for leftover in db.parent.glob(db.name + "*"):
            leftover.unlink()
        imports.append(run(linkratio("import", str(folder), "--db", str(db), "-q"))[0])
    parts = {name: import_part(code, folder, db, repeat) for name, code in IMPORT_PARTS.items()}
    handle = "@marenbuilds"
    audit_s, _ = best(linkratio("audit", handle, "--db", str(db)), repeat)
    pandas_s, _ = best([sys.executable, "-c", "import pandas"], repeat)
    report_dir = OUT / "throughput-report"
    report_s, _ = best(linkratio("report", "data/sample", "--out", str(report_dir), "-q"), repeat)
    return {"posts": posts, "classify_s": classify_s, "import_s": min(imports),
            "import_of_classify": min(imports) / classify_s, "import_parts": parts,
            "audit_s": audit_s,
            "import_pandas_s": pandas_s, "audit_of_pandas": audit_s / pandas_s,
            "report_sample_s": report_s}  # fmt: skip


def show(results: dict[str, Any]) -> None:
    """Print the tables of a run."""
    for row in results["archives"]:
        print(f"\n{row['posts']:,} posts, {row['archive_bytes'] / 1e6:,.1f} MB")
        for name, value in row["floors"].items():
            print(f"  {name:<28} {value['seconds']:7.2f} s {value['posts_per_s']:>10,.0f} posts/s")
        c = row["classify"]
        print(
            f"  {'classify --output jsonl':<28} {c['seconds']:7.2f} s {c['posts_per_s']:>10,.0f}"
            f" posts/s = {c['of_msgspec_floor']:.0%} of the msgspec floor; peak RSS"
            f" {c['peak_rss'] / 1e6:,.0f} MB = {c['rss_of_archive']:.2f}x the archive;"
            f" same as the general reader: {c.get('same_as_general_reader', 'not checked')}"
        )
    if results.get("twarc"):
        t = results["twarc"]
        print(
            f"\ntwarc2 JSONL, {t['tweets']:,} tweets: classify --output csv"
            f" {t['linkratio_s']:.2f} s, twarc2 csv {t['twarc2_csv_s']:.2f} s: {t['speedup']:.1f}x"
        )
    if results.get("library"):
        lib = results["library"]
        print(
            f"\nlibrary, {lib['posts']:,} posts: import {lib['import_s']:.2f} s ="
            f" {lib['import_of_classify']:.2f}x classify ({lib['classify_s']:.2f} s);"
            f" audit @handle {lib['audit_s']:.2f} s = {lib['audit_of_pandas']:.2f}x"
            f" import pandas ({lib['import_pandas_s']:.2f} s);"
            f" report data/sample {lib['report_sample_s']:.2f} s"
        )
        for name, seconds in lib.get("import_parts", {}).items():
            print(
                f"  import part alone: {name:<29} {seconds:5.2f} s"
                f" = {seconds / lib['classify_s']:.2f}x classify"
            )


def main(argv: list[str] | None = None) -> int:
    """Run the floors and the targets, print them and write the results file."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--posts", type=int, nargs="+", default=[60_000, 200_000])
    p.add_argument("--seed", type=int, default=20230501)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--twarc-tweets", type=int, default=40_000)
    p.add_argument("--no-twarc", action="store_true")
    p.add_argument("--no-library", action="store_true")
    p.add_argument("--no-check", action="store_true")
    p.add_argument("--results", type=Path, default=ROOT / "bench" / "throughput-results.json")
    ns = p.parse_args(argv)
    results: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}", "load_average": os.getloadavg(),
        "archives": [archive_row(n, ns.seed, ns.repeat, not ns.no_check) for n in ns.posts],
    }  # fmt: skip
    if not ns.no_twarc:
        results["twarc"] = twarc_row(ns.twarc_tweets, ns.repeat)
    if not ns.no_library:
        results["library"] = library_row(max(ns.posts), ns.seed, ns.repeat)
    results["load_average_after"] = os.getloadavg()
    ns.results.write_text(json.dumps(results, indent=2) + "\n")
    show(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
