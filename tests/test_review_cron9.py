"""Review of the cron user's path: the crontab line as cron really reads it, the config file
a job relies on, a library the job cannot write, and deliveries whose peers misbehave
after accepting the summary (real SMTP and HTTP servers on 127.0.0.1).

The library is the bundled sample; `--now 2024-12-16T08:00:00+00:00` makes "last week"
2024-W50.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from linkratio.weekly.schedule import crontab_line, make_plan

# -- the crontab line, read the way cron reads it ---------------------------------------


def _cron_command(line: str, collapse_backslashes: bool) -> str:
    """The command cron hands to /bin/sh for crontab `line`: `\\%` is a `%`, the first
    other `%` ends the command (the rest is its stdin). cronie keeps every other
    backslash; the BSD and older Vixie crons also turn `\\\\` into one backslash."""
    command = line.split(" ", 5)[5]
    out: list[str] = []
    escaped = False
    for ch in command:
        if escaped:
            escaped = False
            if ch == "%" or (collapse_backslashes and ch == "\\"):
                out[-1] = ch
                continue
            out.append(ch)
            continue
        if ch == "%":
            break
        escaped = ch == "\\"
        out.append(ch)
    return "".join(out)


@pytest.mark.parametrize("collapse", [False, True], ids=["cronie", "bsd-vixie"])
@pytest.mark.parametrize("name", ["a\\%b", "two\\\\back", "100%", "a\\b", "it's \\%u %H"])
def test_a_backslash_or_percent_in_a_path_reaches_the_job_unchanged(
    tmp_path: Path, name: str, collapse: bool
) -> None:
    """A path that holds `\\%` ended cron's command in the middle of a quoted word (a
    shell syntax error every week); `\\\\` lost a backslash under the BSD crons."""
    if shutil.which("sh") is None:
        pytest.skip("needs sh")
    args = tmp_path / "args"
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{args}'\n")
    script.chmod(0o755)
    out = Path("/srv") / name / "weekly"
    plan = make_plan("@me", environ={}, python=str(script), out=out, sync=False)
    plan = dataclasses.replace(plan, log=tmp_path / "log")
    command = _cron_command(crontab_line(plan), collapse)
    done = subprocess.run(
        ["sh", "-c", command], env={"PATH": "/usr/bin:/bin"}, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
    got = args.read_text().splitlines()
    assert got[got.index("--out") + 1] == str(out)
