"""Readers that turn files and API responses into `Post` objects, one module per format."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from linkratio.accounts import id_hint, is_id_name
from linkratio.errors import InputError, InputFormatError
from linkratio.model import Timeline
from linkratio.sources.limits import check_input, check_path

FORMATS: tuple[str, ...] = ("x-archive", "x-v2", "bluesky", "mastodon")
"""The input formats `read` understands (`--input-format`)."""


_EXPECTED = (
    "expected an X archive (.zip, folder or .js) or saved X API v2, Bluesky or Mastodon JSON/JSONL"
)

# Keys only these platforms' JSON has, as keys (an escaped quote inside a string never matches).
_BLUESKY_KEY = re.compile(rb'"feed"\s*:\s*\[')
_MASTODON_KEY = re.compile(rb'"(?:spoiler_text|in_reply_to_account_id)"\s*:')


def _sniff_json(path: Path) -> str:
    from linkratio.sources.jsonpages import BOM  # loaded only when a file may be JSON

    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    head = head.removeprefix(BOM)  # as every JSON reader skips it
    start = head.lstrip()[:1]
    if start in (b"{", b"["):
        if _BLUESKY_KEY.search(head):
            return "bluesky"
        if _MASTODON_KEY.search(head):
            return "mastodon"
        return "x-v2"
    if head.lstrip().startswith(b"window.YTD."):
        return "x-archive"
    raise InputFormatError(f"{path}: unknown format: {_EXPECTED}")


def detect_format(path: Path) -> str:
    """Tell which of `FORMATS` the file or folder at `path` holds, or raise InputError."""
    from linkratio.sources.x_archive import looks_like_archive
    from linkratio.sources.x_archive.files import looks_like_zip

    if not path.exists():
        raise InputError(f"{path}: no such file or folder ({_account_hint(str(path))})")
    check_input(path, _EXPECTED)
    if path.is_file() and path.suffix.lower() != ".js" and looks_like_zip(path):
        return "x-archive"  # a zip, even one cut short: its reader says what is wrong with it
    if path.is_dir() or path.suffix.lower() in (".zip", ".js"):
        if looks_like_archive(path) or _is_zip(path):
            # A zip is only ever an archive: its reader says what the zip lacks.
            return "x-archive"
        if path.is_dir():
            raise InputError(f"{path}: folder has no data/tweets.js: expected an X archive folder")
    return _sniff_json(path)


def _is_zip(path: Path) -> bool:
    import zipfile  # only here: a folder (or a file with an archive in it) needs no zipfile

    return zipfile.is_zipfile(path)


_BARE_HANDLE = re.compile(r"[A-Za-z0-9_]{1,30}")


def _account_hint(text: str) -> str:
    """How to name the account `text` may mean: `id 100` (as `accounts` lists it) is @100."""
    if is_id_name(text):
        return id_hint(text)
    handle = text if _BARE_HANDLE.fullmatch(text) else "handle"
    return f"for an account in the library, write @{handle}"


def read(
    path: str | Path,
    input_format: str | None = None,
    progress: Callable[[int], None] | None = None,
    skip_invalid: bool = False,
    keep_raw: bool = False,
    lean: bool = False,
) -> Timeline:
    """Read every post at `path` (format detected unless `input_format` names one).

    With `keep_raw` every post carries its JSON as received in `Post.raw` (for the library).
    With `lean`, an X archive's or v2 JSONL file's posts may be cheap stand-ins with every
    Post field, for a caller that only classifies and lists them (`read_archive`,
    `x_json_lean`).
    """
    check_path(path, "read: path", "a path: an X archive, a saved API file or a folder")
    if not str(path).strip():  # an unset shell variable: not the current folder
        raise InputError("an empty PATH: expected an X archive, a saved API file or @handle")
    path = Path(path).expanduser()
    if input_format in (None, "auto"):
        input_format = detect_format(path)
    elif not path.exists():
        raise InputError(f"{path}: no such file or folder")
    check_input(path, _EXPECTED)
    try:
        if input_format == "x-archive" and lean:
            from linkratio.sources.x_archive import read_archive

            return read_archive(path, progress, keep_raw, skip_invalid, lean=True)
        if input_format == "x-v2" and lean and not keep_raw:
            from linkratio.sources.x_json_lean import read_v2_lean

            timeline = read_v2_lean(path, progress)  # None: the general reader decides
            if timeline is not None:
                return timeline
        return _read(path, input_format, progress, skip_invalid, keep_raw)
    except MemoryError:
        # Within the size caps, but not within this machine's (or ulimit's) memory.
        raise InputError(f"{path}: too large to read in the memory available") from None


def _read(
    path: Path,
    input_format: str,
    progress: Callable[[int], None] | None,
    skip_invalid: bool,
    keep_raw: bool,
) -> Timeline:
    if input_format == "x-archive":
        from linkratio.sources.x_archive import read_archive

        return read_archive(path, progress=progress, skip_invalid=skip_invalid, keep_raw=keep_raw)
    if input_format == "x-v2":
        from linkratio.sources.x_json import read_v2

        return read_v2(path, progress=progress, skip_invalid=skip_invalid, keep_raw=keep_raw)
    if input_format == "bluesky":
        from linkratio.sources.bluesky import read_bluesky

        return read_bluesky(path, progress=progress, skip_invalid=skip_invalid, keep_raw=keep_raw)
    if input_format == "mastodon":
        from linkratio.sources.mastodon import read_mastodon

        return read_mastodon(path, progress=progress, skip_invalid=skip_invalid, keep_raw=keep_raw)
    raise InputError(f"unknown input format {input_format!r}: expected one of {', '.join(FORMATS)}")
