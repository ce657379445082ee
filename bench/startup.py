"""How long `linkratio --version` and `import linkratio` take next to a bare interpreter.

Issue 11's target: `linkratio --version` takes at most 3x `python -c "import argparse"`,
measured in the same run. Each command runs `--repeat` times as a whole process and the
best time is kept (the least disturbed by the rest of the machine).

    python bench/startup.py              # 20 runs each, prints a table, exits 1 if over 3x
    python bench/startup.py --repeat 50
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

TARGET = 3.0


def best_of(command: list[str], repeat: int) -> float:
    """The fastest of `repeat` wall times of `command` as a whole process, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def commands() -> dict[str, list[str]]:
    """The commands compared: the baseline first, then linkratio's entry points."""
    script = shutil.which("linkratio", path=str(Path(sys.executable).parent))
    found = {
        'python -c "import argparse"': [sys.executable, "-c", "import argparse"],
        'python -c "import linkratio"': [sys.executable, "-c", "import linkratio"],
        "python -m linkratio --version": [sys.executable, "-m", "linkratio", "--version"],
    }
    if script:
        found["linkratio --version"] = [script, "--version"]
    return found


def main() -> int:
    """Time every command, print the table, exit 1 when `--version` misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    times = {name: best_of(cmd, args.repeat) for name, cmd in commands().items()}
    base = next(iter(times.values()))
    print(f"{'command':<34} {'best s':>8} {'x argparse':>11}")
    for name, seconds in times.items():
        print(f"{name:<34} {seconds:8.3f} {seconds / base:10.2f}x")
    version = times.get("linkratio --version", times["python -m linkratio --version"])
    ok = version <= TARGET * base
    print(f"target: --version <= {TARGET:g}x argparse: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
