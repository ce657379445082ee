"""Benchmark `linkratio classify` and `linkratio audit` on large generated X archives.

    python bench/run.py                    # 200,000 posts, plus 400,000 for the scaling check
    python bench/run.py --posts 50000 --no-scaling
    python bench/run.py --floor-only       # archives and the json.loads floor, no linkratio

Archives are generated once into bench/out/ (gitignored) with data/make_sample.py and
reused. Results are printed and written to bench/results.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "results.json"

# The targets from the project brief.
MIN_POSTS_PER_SECOND = 100_000
MAX_VS_JSON_LOADS = 2.0
MAX_MEMORY_VS_ARCHIVE = 3.0
MAX_SCALING = 2.2
MAX_REPORT_VS_AUDIT = 3.0


def _make_sample() -> ModuleType:
    """Import data/make_sample.py (a script, not part of the package)."""
    path = ROOT / "data" / "make_sample.py"
    spec = importlib.util.spec_from_file_location("make_sample", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_sample"] = module
    spec.loader.exec_module(module)
    return module


def archive(posts: int, seed: int, regenerate: bool) -> tuple[Path, float | None]:
    """The archive folder for `posts` posts, generated unless already there.

    Returns the folder and the generation time (None when it was reused).
    """
    folder = OUT / f"x_archive_{posts}_seed{seed}"
    tweets = folder / "data" / "tweets.js"
    if _complete(tweets) and not regenerate:
        return folder, None
    print(f"generating {posts:,} posts into {folder.relative_to(ROOT)} ...", flush=True)
    began = time.perf_counter()
    _make_sample().generate(folder, posts, seed=seed)
    return folder, time.perf_counter() - began


def _complete(tweets: Path) -> bool:
    """True when tweets.js exists and its array is closed (generation was not cut short)."""
    if not tweets.exists():
        return False
    with tweets.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"]"


def archive_bytes(folder: Path) -> int:
    """Total size of the archive's files."""
    return sum(p.stat().st_size for p in (folder / "data").iterdir() if p.is_file())


# Run in a fresh interpreter so the bench process's own heap does not slow the parse.
_FLOOR = """
import gc, json, sys, time
text = open(sys.argv[1], encoding="utf-8").read()
body = text[text.index("=") + 1:]
del text
best = {"gc": float("inf"), "no_gc": float("inf")}
for _ in range(int(sys.argv[2])):
    for mode in best:
        gc.collect()
        if mode == "no_gc":
            gc.disable()
        began = time.perf_counter()
        records = json.loads(body)
        best[mode] = min(best[mode], time.perf_counter() - began)
        gc.enable()
        count = len(records)
        del records
print(json.dumps({**best, "count": count}))
"""


def json_floor(folder: Path, repeat: int) -> dict[str, float]:
    """Best times of plain `json.loads` on tweets.js (prefix stripped), with GC on and off.

    Returns {"gc": seconds, "no_gc": seconds, "count": records}.
    """
    done = subprocess.run(
        [sys.executable, "-c", _FLOOR, str(folder / "data" / "tweets.js"), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _maxrss_bytes(kib_or_bytes: int) -> int:
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    return kib_or_bytes if sys.platform == "darwin" else kib_or_bytes * 1024


def run_once(args: list[str]) -> tuple[float, int, int, str]:
    """Run one command with stdout to /dev/null; wall seconds, peak RSS bytes, exit code, stderr.

    `os.wait4` reports the resource use of exactly this child, so each command's peak
    memory is measured on its own.
    """
    began = time.perf_counter()
    with subprocess.Popen(
        args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
    ) as proc:
        assert proc.stderr is not None
        err = proc.stderr.read().decode("utf-8", "replace")
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, _maxrss_bytes(usage.ru_maxrss), proc.returncode, err


def measure(args: list[str], repeat: int) -> dict[str, object]:
    """Best wall time and highest peak RSS over `repeat` runs (stops at the first failure)."""
    best, peak = float("inf"), 0
    for _ in range(repeat):
        seconds, rss, code, err = run_once(args)
        if code != 0:
            tail = " | ".join(err.strip().splitlines()[-3:])
            return {"command": _show(args), "error": f"exit code {code}: {tail}"}
        best, peak = min(best, seconds), max(peak, rss)
    return {"command": _show(args), "seconds": round(best, 3), "peak_rss_bytes": peak}


def _show(args: list[str]) -> str:
    shown = ["python" if a == sys.executable else a for a in args]
    return " ".join(str(Path(a).relative_to(ROOT)) if a.startswith(str(ROOT)) else a for a in shown)


def linkratio(*args: str) -> list[str]:
    """The installed package's command line, run with this interpreter."""
    return [sys.executable, "-m", "linkratio", *args]


def bench_size(posts: int, ns: argparse.Namespace) -> dict[str, object]:
    """Everything measured on one archive size."""
    folder, generated = archive(posts, ns.seed, ns.regenerate)
    size = archive_bytes(folder)
    print(f"json.loads floor on {posts:,} posts ...", flush=True)
    timings = json_floor(folder, ns.repeat)
    floor, count = timings["gc"], int(timings["count"])
    result: dict[str, object] = {
        "posts": count,
        "archive_dir": str(folder.relative_to(ROOT)),
        "archive_bytes": size,
        "tweets_js_bytes": (folder / "data" / "tweets.js").stat().st_size,
        "generate_seconds": None if generated is None else round(generated, 2),
        "json_loads_seconds": round(floor, 3),
        "json_loads_gc_disabled_seconds": round(timings["no_gc"], 3),
    }
    if ns.floor_only:
        return result
    print(f"linkratio classify on {posts:,} posts ...", flush=True)
    classify = measure(linkratio("classify", str(folder), "--output", "jsonl"), ns.repeat)
    result["classify"] = classify
    if "seconds" in classify:
        secs = float(classify["seconds"])  # type: ignore[arg-type]
        result["posts_per_second"] = round(count / secs)
        result["classify_vs_json_loads"] = round(secs / floor, 2)
        result["peak_memory_vs_archive"] = round(int(classify["peak_rss_bytes"]) / size, 2)  # type: ignore[call-overload]
    if ns.audit:
        print(f"linkratio audit on {posts:,} posts ...", flush=True)
        result["audit"] = measure(linkratio("audit", str(folder)), ns.repeat)
        print(f"linkratio report on {posts:,} posts ...", flush=True)
        out = OUT / f"report_{posts}"
        result["report"] = measure(linkratio("report", str(folder), "--out", str(out)), ns.repeat)
        audit, rep = result["audit"], result["report"]
        if "seconds" in audit and "seconds" in rep:  # type: ignore[operator]
            result["report_vs_audit"] = round(
                float(rep["seconds"]) / float(audit["seconds"]),
                2,  # type: ignore[index]
            )
    return result


def _check(value: object, ok: Callable[[float], bool], target: str) -> dict[str, object]:
    if not isinstance(value, (int, float)):
        return {"value": None, "target": target, "met": None}
    return {"value": value, "target": target, "met": ok(float(value))}


def verdicts(base: dict[str, object], double: dict[str, object] | None) -> dict[str, object]:
    """Compare the measurements with the targets."""
    scaling = None
    if double is not None:
        one, two = base.get("classify", {}), double.get("classify", {})
        if (
            isinstance(one, dict)
            and isinstance(two, dict)
            and "seconds" in one
            and "seconds" in two
        ):
            scaling = round(float(two["seconds"]) / float(one["seconds"]), 2)
    return {
        "posts_per_second": _check(
            base.get("posts_per_second"),
            lambda v: v >= MIN_POSTS_PER_SECOND,
            f">= {MIN_POSTS_PER_SECOND:,}",
        ),
        "classify_vs_json_loads": _check(
            base.get("classify_vs_json_loads"),
            lambda v: v <= MAX_VS_JSON_LOADS,
            f"<= {MAX_VS_JSON_LOADS}x",
        ),
        "peak_memory_vs_archive": _check(
            base.get("peak_memory_vs_archive"),
            lambda v: v < MAX_MEMORY_VS_ARCHIVE,
            f"< {MAX_MEMORY_VS_ARCHIVE}x",
        ),
        "time_2x_posts_vs_1x": _check(scaling, lambda v: v <= MAX_SCALING, f"<= {MAX_SCALING}x"),
        "report_vs_audit": _check(
            base.get("report_vs_audit"),
            lambda v: v <= MAX_REPORT_VS_AUDIT,
            f"<= {MAX_REPORT_VS_AUDIT}x",
        ),
    }


def environment() -> dict[str, object]:
    """Where the numbers come from."""
    version = subprocess.run(linkratio("--version"), capture_output=True, text=True, cwd=ROOT)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    )
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "linkratio": version.stdout.strip() or f"unavailable: {version.stderr.strip()[-200:]}",
        "git_commit": commit.stdout.strip() or None,
    }


def report(results: dict[str, object]) -> None:
    """Print the headline numbers and the verdicts."""
    base: dict = results["base"]  # type: ignore[assignment]
    print(
        f"\nposts {base['posts']:,}; archive {base['archive_bytes'] / 1e6:,.1f} MB; "
        f"json.loads {base['json_loads_seconds']}s "
        f"({base['json_loads_gc_disabled_seconds']}s with GC off)"
    )
    for name in ("classify", "audit"):
        m = base.get(name)
        if isinstance(m, dict):
            shown = m.get("error") or (
                f"{m['seconds']}s, peak {int(m['peak_rss_bytes']) / 1e6:,.0f} MB"
            )
            print(f"{name:8} {shown}")
    double = results.get("double")
    if isinstance(double, dict):
        c = double.get("classify")
        extra = f", classify {c['seconds']}s" if isinstance(c, dict) and "seconds" in c else ""
        print(f"x2: {double['posts']:,} posts, json.loads {double['json_loads_seconds']}s{extra}")
    for name, v in results["targets"].items():  # type: ignore[union-attr]
        met = {True: "ok", False: "MISSED", None: "n/a"}[v["met"]]
        print(f"  {name:26} {v['value']!s:>10}  target {v['target']:>10}  {met}")


def main(argv: list[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description="Benchmark linkratio on generated archives.")
    parser.add_argument("--posts", type=int, default=200_000, help="posts (default: 200000)")
    parser.add_argument("--seed", type=int, default=20230501, help="generator seed")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing, best kept")
    parser.add_argument(
        "--no-scaling", dest="scaling", action="store_false", help="skip the 2x-posts archive"
    )
    parser.add_argument(
        "--no-audit", dest="audit", action="store_false", help="skip `linkratio audit`"
    )
    parser.add_argument(
        "--floor-only",
        action="store_true",
        help="only generate archives and time json.loads (no linkratio)",
    )
    parser.add_argument("--regenerate", action="store_true", help="rebuild the archives")
    parser.add_argument("--results", type=Path, default=RESULTS, help="JSON results file")
    ns = parser.parse_args(argv)
    base = bench_size(ns.posts, ns)
    double = None
    if ns.scaling:
        ns_double = argparse.Namespace(**{**vars(ns), "audit": False})
        double = bench_size(2 * ns.posts, ns_double)
    results = {
        "environment": environment(),
        "base": base,
        "double": double,
        "targets": verdicts(base, double),
    }
    ns.results.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    report(results)
    print(f"\nwrote {ns.results}")
    failed = [
        m for m in (base.get("classify"), base.get("audit")) if isinstance(m, dict) and "error" in m
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
