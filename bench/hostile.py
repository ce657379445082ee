"""Every hostile FILE case of issue 12 as a whole `linkratio audit FILE` process, bounded.

    python bench/hostile.py                  # the 3.3 GB zip bomb of the report included
    python bench/hostile.py --bomb-gb 0.3    # a smaller bomb (quicker to build)
    python bench/hostile.py --limit-mb 500 --deadline 60

Each case runs under an address-space limit (`RLIMIT_AS`, default 500 MB, set in the
child before it starts) and a deadline (default 60 s). A case passes when the process
ends with exit != 0 or a warning, writes exactly one line to stderr and no traceback.
The table shows the exit code, the seconds and the peak RSS (`os.wait4` of that child).
The files are built in a temporary folder and removed afterwards; sparse files stand in
for the huge ones, and the bomb is written streaming (it is small on disk).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
GIB = 1024 * MIB
T0 = "Sat Nov 09 12:14:18 +0000 2024"


@dataclass
class Case:
    """One hostile input: how it is called, its path and the extra options."""

    name: str
    path: Path
    options: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What one `linkratio audit` process did."""

    code: int
    seconds: float
    peak_rss: int
    stderr: str

    def ok(self) -> bool:
        """Exit != 0 or a warning, one line on stderr, no traceback."""
        lines = self.stderr.splitlines()
        said = self.code != 0 or "warning:" in self.stderr
        return said and len(lines) == 1 and "Traceback" not in self.stderr


# --- Building the files -----------------------------------------------------------------


def ytd(var: str, records: list[Any]) -> bytes:
    return f"window.YTD.{var}.part0 = {json.dumps(records, indent=2)}".encode()


def account_js(username: Any = "me") -> bytes:
    return ytd("account", [{"account": {"accountId": "100", "username": username}}])


def archive_tweet(tid: str, **fields: Any) -> dict[str, Any]:
    tweet = {"id_str": tid, "id": tid, "created_at": T0, "full_text": "hi https://t.co/a"}
    tweet["entities"] = {"urls": [{"url": "https://t.co/a", "expanded_url": "https://e.org"}]}
    return {"tweet": {**tweet, **fields}}


def folder(root: Path, tweets: bytes | None, account: bytes | None = None) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "account.js").write_bytes(account or account_js())
    if tweets is not None:
        (root / "data" / "tweets.js").write_bytes(tweets)
    return root


def spaces(total: int) -> Iterator[bytes]:
    block = b" " * (4 * MIB)
    for _ in range(total // len(block)):
        yield block


def bomb(path: Path, size: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/account.js", account_js())
        with zf.open("data/tweets.js", "w", force_zip64=True) as fh:
            for block in spaces(size):
                fh.write(block)
    return path


def patch(path: Path, name: str, central: tuple[int, int], local: tuple[int, int] | None) -> None:
    """Overwrite a field (offset, value) of `name`'s central directory record and local header.

    Offset 24 of the central record is the 4-byte uncompressed size; the rest are 2 bytes.
    """
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    if local is not None:
        struct.pack_into("<H", data, info.header_offset + local[0], local[1])
    at = data.find(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(name)] != name.encode():
        at = data.find(b"PK\x01\x02", at + 4)
    struct.pack_into("<I" if central[0] == 24 else "<H", data, at + central[0], central[1])
    path.write_bytes(bytes(data))


def damaged_zip(path: Path, how: str) -> Path:
    good = ytd("tweets", [archive_tweet(str(n)) for n in range(1, 50)])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/tweets.js", good)
        zf.writestr("data/account.js", account_js())
    name = "data/tweets.js"
    if how == "corrupt":
        with zipfile.ZipFile(path) as zf:
            start = zf.getinfo(name).header_offset + 30 + len(name)
        data = bytearray(path.read_bytes())
        data[start : start + 16] = b"\xff" * 16
        path.write_bytes(bytes(data))
    elif how == "encrypted":
        patch(path, name, (8, 1), (6, 1))
    else:
        patch(path, name, (10, 99), (8, 99))
    return path


def liar(path: Path) -> Path:
    """64 MiB of spaces whose zip directory says 1 MiB (under the ratio check's floor)."""
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open("data/tweets.js", "w") as fh,
    ):
        for block in spaces(64 * MIB):
            fh.write(block)
    patch(path, "data/tweets.js", (24, MIB), None)
    return path


def sparse(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.truncate(size)
    return path


def huge_archive(root: Path, size: int) -> Path:
    """An archive folder whose tweets.js is `size` NUL bytes (sparse: nothing is written)."""
    folder(root, None)
    sparse(root / "data" / "tweets.js", size)
    return root


def v2_file(path: Path, bad: dict[str, Any], **top: Any) -> Path:
    good = {"id": "1460323737035677699", "text": "hi", "created_at": "2024-05-01T09:00:00Z"}
    tweet = {"id": "1460323737035677698", "text": "hi", "created_at": "2024-05-01T09:00:00Z"}
    path.write_text(json.dumps({"data": [good, {**tweet, **bad}], "meta": {}, **top}))
    return path


# --- The cases ----------------------------------------------------------------------------


def file_cases(root: Path, bomb_bytes: int) -> list[Case]:
    """The zip, pipe, device and size cases (items 1 to 3)."""
    fifo = root / "pipe.js"
    os.mkfifo(fifo)
    spaced = folder(root / "spaces", None)
    with (spaced / "data" / "tweets.js").open("wb") as fh:
        for block in spaces(24 * MIB):
            fh.write(block)
    return [
        Case(
            f"zip bomb ({bomb_bytes / GIB:.1f} GiB of spaces)", bomb(root / "bomb.zip", bomb_bytes)
        ),
        Case("zip header lying about the size", liar(root / "liar.zip")),
        Case("zip: corrupt deflate data", damaged_zip(root / "corrupt.zip", "corrupt")),
        Case("zip: encrypted entry", damaged_zip(root / "encrypted.zip", "encrypted")),
        Case("zip: compression method 99", damaged_zip(root / "aes.zip", "method99")),
        Case("a named pipe", fifo),
        Case("a named pipe as --input-format x-v2", fifo, ("--input-format", "x-v2")),
        Case("/dev/zero", Path("/dev/zero")),
        Case("/dev/zero as --input-format x-v2", Path("/dev/zero"), ("--input-format", "x-v2")),
        Case("5 GiB tweets.js (sparse)", huge_archive(root / "huge", 5 * GIB)),
        Case(
            "3 GiB of NULs as x-v2 JSON",
            sparse(root / "zeros.json", 3 * GIB),
            ("--input-format", "x-v2"),
        ),
        Case("24 MiB tweets.js of spaces", spaced),
    ]


def record_cases(root: Path) -> list[Case]:
    """The malformed-record cases (items 4 and 5), and two with --skip-invalid."""
    urls = {"entities": {"urls": [{"url": None}]}}
    archive = {
        "archive: entities.urls[].url null": urls,
        "archive: entities.urls[].url a list": {"entities": {"urls": [{"url": ["x"]}]}},
        "archive: reply fields objects": {"in_reply_to_status_id_str": {"a": 1}},
        "archive: created_at in year 1": {"created_at": "Mon Jan 01 00:00:00 +0100 0001"},
    }
    cases = []
    for n, (name, bad) in enumerate(archive.items()):
        tweets = ytd("tweets", [archive_tweet("5"), archive_tweet("6", **bad)])
        cases.append(Case(name, folder(root / f"archive{n}", tweets)))
    tweets = ytd("tweets", [archive_tweet("5")])
    cases.append(
        Case(
            "archive: account.js username an object",
            folder(root / "acct", tweets, account_js({"x": 1})),
        )
    )
    v2 = {
        "v2: entities a string": ({"entities": "x"}, {}),
        "v2: entities.urls[] strings": ({"entities": {"urls": ["x"]}}, {}),
        "v2: mentions[] strings": ({"entities": {"mentions": ["x"]}}, {}),
        "v2: note_tweet a string": ({"note_tweet": "x"}, {}),
        "v2: includes a string": ({}, {"includes": "x"}),
        "v2: includes.users ints": ({}, {"includes": {"users": [1, 2]}}),
        "v2: includes.users object ids": ({}, {"includes": {"users": [{"id": {"a": 1}}]}}),
        "v2: created_at in year 1": ({"created_at": "0001-01-01T00:00:00+01:00"}, {}),
        "v2: 40-digit id, no created_at": ({"id": "1" * 40, "created_at": None}, {}),
    }
    for n, (name, (bad, top)) in enumerate(v2.items()):
        cases.append(Case(name, v2_file(root / f"v2-{n}.json", bad, **top)))
    cases.append(Case("archive: url null, --skip-invalid", cases[0].path, ("--skip-invalid",)))
    cases.append(Case("v2: entities a string, --skip-invalid", cases[5].path, ("--skip-invalid",)))
    return cases


# --- Running --------------------------------------------------------------------------------


def limited(limit: int) -> Callable[[], None]:
    def preexec() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return preexec


def run(case: Case, limit: int, deadline: float, scratch: Path) -> Outcome:
    """Run `linkratio audit` on the case under the memory limit and the deadline."""
    err_path = scratch / "stderr.txt"
    argv = [sys.executable, "-m", "linkratio", "audit", str(case.path), *case.options]
    started = time.monotonic()
    with err_path.open("wb") as err:
        child = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            preexec_fn=limited(limit),
        )  # fmt: skip
        timer = threading.Timer(deadline, child.kill)
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    stderr = err_path.read_text(errors="replace")
    return Outcome(child.returncode, seconds, usage.ru_maxrss * 1024, stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bomb-gb", type=float, default=3.3, help="inflated size of the bomb")
    parser.add_argument("--limit-mb", type=int, default=500, help="RLIMIT_AS of each run")
    parser.add_argument("--deadline", type=float, default=60.0, help="seconds per run")
    args = parser.parse_args(argv)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="linkratio-hostile-") as tmp:
        root = Path(tmp)
        cases = file_cases(root, int(args.bomb_gb * GIB)) + record_cases(root)
        print(f"{'case':46} {'exit':>4} {'seconds':>7} {'peak RSS':>9}  ok  stderr")
        for case in cases:
            outcome = run(case, args.limit_mb * MIB, args.deadline, root)
            failed += not outcome.ok()
            line = outcome.stderr.strip().splitlines()[-1:] or [""]
            shown = line[0].replace(str(root), "…")[:90]
            print(
                f"{case.name:46} {outcome.code:>4} {outcome.seconds:>7.2f} "
                f"{outcome.peak_rss / MIB:>6.0f} MB  {'yes' if outcome.ok() else 'NO ':3} {shown}"
            )
    print(f"{len(cases) - failed} of {len(cases)} cases ended cleanly")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
