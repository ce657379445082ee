"""The week's files on disk: written to `--out`, never over another account's week."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from linkratio.errors import InputError
from linkratio.model import Account

if TYPE_CHECKING:
    from linkratio.analysis.weekly import WeekSummary
    from linkratio.render.weekly import WeeklyFiles


def write_week(ws: WeekSummary, out_dir: str | Path, account: Account) -> WeeklyFiles:
    """Write the week's files; refuse to replace another account's files of that week."""
    from linkratio.render.weekly import OWNER_MARK, file_stem, write_files

    owner = hashlib.sha256(f"{account.platform}:{account.id}".encode()).hexdigest()[:16]
    md = Path(out_dir).expanduser() / f"{file_stem(ws)}.md"
    try:  # not held by a FIFO, nor reading a device without end: a file's last 256 bytes
        with os.fdopen(os.open(md, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise OSError("no file: written over as before")
            f.seek(max(f.seek(0, os.SEEK_END) - 256, 0))
            tail = f.read(256).decode("utf-8", "replace")
    except OSError:  # none yet (or unreadable: writing it then says what is wrong)
        tail = ""
    mark = tail.rfind(OWNER_MARK)
    if mark >= 0 and not tail[mark + len(OWNER_MARK) :].startswith(owner):
        raise InputError(
            f"{md}: holds another account's week {ws.week}, not {ws.account}'s: give each "
            "account's weekly run its own --out"
        )
    return write_files(ws, Path(out_dir).expanduser(), owner)
