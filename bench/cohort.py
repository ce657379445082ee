"""Benchmark `linkratio cohort build`: a synthetic twarc2 cohort through every engine.

    python bench/cohort.py                   # 2,000,000 posts over 10,000 accounts
    python bench/cohort.py --posts 200000    # a smaller run

Generates twarc2-style JSONL files (API pages of 100 tweets with `includes.users`, many
authors per file) into `bench/out/cohort-N/` (reused by later runs), then builds the
Parquet dataset from scratch with the local engine on 1 and 2 processes and with Dask on
a 2-worker LocalCluster, and reports posts/s and the peak RSS of the busiest worker.
Results go to stdout (a Markdown table) and to `bench/cohort-results.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import time
from pathlib import Path
from typing import Any

import orjson

from linkratio import cohort

HERE = Path(__file__).resolve().parent
SITES = ["example.com", "bbc.co.uk", "github.com", "nytimes.com", "arxiv.org", "lwn.net"]
WORDS = ["the", "a", "data", "talk", "link", "python", "cohort", "week", "share", "news", "code"]


def _text(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _tweet(rng: random.Random, tid: int, author: int, talk: float, accounts: int) -> dict[str, Any]:
    """One tweet of `author`; `talk` is the account's propensity to talk."""
    when = f"2024-{1 + tid % 12:02d}-{1 + tid % 28:02d}T{tid % 24:02d}:{tid % 60:02d}:00.000Z"
    t: dict[str, Any] = {"id": str(10**12 + tid), "author_id": str(author), "created_at": when}
    t["edit_history_tweet_ids"] = [t["id"]]
    roll, other = rng.random(), str(rng.randrange(accounts))
    if roll < talk * 0.7:
        t["text"] = f"@u{other} {_text(rng)}"
        t["in_reply_to_user_id"] = other
        t["referenced_tweets"] = [{"type": "replied_to", "id": str(tid + 7)}]
    elif roll < talk:
        t["text"] = _text(rng) + "?"
    elif roll < talk + (1 - talk) * 0.5:
        url = f"https://www.{rng.choice(SITES)}/{tid}"
        t["text"] = _text(rng) + " https://t.co/abc"
        t["entities"] = {"urls": [{"start": 0, "end": 10, "url": "https://t.co/abc",
                                   "expanded_url": url}]}  # fmt: skip
    elif roll < talk + (1 - talk) * 0.8:
        t["text"] = f"RT @u{other}: {_text(rng)}"
        t["referenced_tweets"] = [{"type": "retweeted", "id": str(tid + 3)}]
    else:
        t["text"] = _text(rng)
    return t


def generate(folder: Path, posts: int, accounts: int, files: int, seed: int = 14) -> list[Path]:
    """Write `posts` tweets by `accounts` authors as `files` twarc2 JSONL files."""
    rng = random.Random(seed)
    talk = [rng.betavariate(2, 3) for _ in range(accounts)]
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"cohort-{i:03d}.jsonl" for i in range(files)]
    per_file = -(-posts // files)
    for i, path in enumerate(paths):
        first, last = i * per_file, min(posts, (i + 1) * per_file)
        with path.open("wb") as fh:
            for start in range(first, last, 100):
                ids = range(start, min(last, start + 100))
                authors = [rng.randrange(accounts) for _ in ids]
                data = [
                    _tweet(rng, tid, a, talk[a], accounts)
                    for tid, a in zip(ids, authors, strict=True)
                ]
                users = [
                    {"id": str(a), "username": f"u{a}", "name": f"U {a}"} for a in set(authors)
                ]
                page = {"data": data, "includes": {"users": users}, "meta": {"result_count": 100},
                        "__twarc": {"version": "2.14.0"}}  # fmt: skip
                fh.write(orjson.dumps(page) + b"\n")
    return paths


def measure(paths: list[Path], out: Path, engine: str, workers: int) -> dict[str, Any]:
    """Build from scratch; posts/s and the peak RSS of the busiest worker."""
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    result = cohort.build(paths, out, engine=engine, workers=workers)
    seconds = time.perf_counter() - started
    return {
        "engine": engine,
        "workers": workers,
        "posts": result.posts,
        "tasks": result.tasks,
        "seconds": round(seconds, 2),
        "posts_per_s": round(result.posts / seconds),
        "peak_rss_mb": round(result.peak_rss / 2**20),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2_000_000)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--files", type=int, help="JSONL files (default: one per 100,000 posts)")
    parser.add_argument("--results", type=Path, default=HERE / "cohort-results.json")
    args = parser.parse_args()
    folder = HERE / "out" / f"cohort-{args.posts}"
    files = args.files or max(1, args.posts // 100_000)
    paths = sorted(folder.glob("*.jsonl")) or generate(folder, args.posts, args.accounts, files)
    size = sum(p.stat().st_size for p in paths)
    mb = size / 2**20
    print(f"{args.posts:,} posts, {args.accounts:,} accounts, {len(paths)} files, {mb:.0f} MB")
    runs = [
        measure(paths, folder / "parquet", e, w)
        for e, w in (("local", 1), ("local", 2), ("dask", 2))
    ]
    summary = cohort.summary(folder / "parquet")
    print("| engine | workers | posts/s | seconds | peak RSS per worker |")
    print("| --- | --- | --- | --- | --- |")
    for r in runs:
        cells = (r["engine"], r["workers"], f"{r['posts_per_s']:,}", r["seconds"])
        print("| " + " | ".join(map(str, cells)) + f" | {r['peak_rss_mb']} MB |")
    doc = {"posts": args.posts, "accounts": len(summary), "input_mb": round(size / 2**20),
           "cpus": os.cpu_count(), "python": platform.python_version(), "runs": runs}  # fmt: skip
    args.results.write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
