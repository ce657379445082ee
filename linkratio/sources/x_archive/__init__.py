"""Read an X "Download your data" archive (zip, folder or bare tweets.js) into a Timeline.

`files` finds the archive's files, `ytd` parses its `window.YTD` JavaScript files,
`notes` matches long-post bodies to their tweets and `tweets` normalizes the records.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from linkratio.errors import InputError, LinkratioError
from linkratio.model import Timeline
from linkratio.sources.common import collapse, gc_paused
from linkratio.sources.x_archive.files import looks_like_archive, open_layout
from linkratio.sources.x_archive.notes import read_notes
from linkratio.sources.x_archive.tweets import infer_owner, read_account, read_tweets, to_post

__all__ = ["looks_like_archive", "read_archive"]

log = logging.getLogger(__name__)


def read_archive(
    path: Path,
    progress: Callable[[int], None] | None = None,
    keep_raw: bool = False,
    skip_invalid: bool = False,
    lean: bool = False,
) -> Timeline:
    """Read an X archive (.zip, unpacked folder or bare tweets.js) into the owner's Timeline.

    With `keep_raw`, each post's `raw` is its `{"tweet": {...}}` record re-encoded as compact
    JSON (long-post bodies stay in note-tweet.js and are not part of it). A malformed
    record, or a file of the archive that cannot be read, is an InputFormatError naming
    it; with `skip_invalid` it is skipped with a one-line warning instead.

    With `lean` the posts may be `lean.LeanPost`s, cheap Structs with every field of a
    Post (and with `keep_raw`, its JSON: `kept`), for a caller that classifies, lists or
    stores them.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder (expected an X archive)")
    if lean:
        timeline = _read_lean(path, progress, keep_raw)
        if timeline is not None:
            return timeline
    with gc_paused(), open_layout(path) as layout:
        account = read_account(layout.account, skip_invalid) if layout.account else None
        notes = read_notes(layout.notes, skip_invalid)
        rows = read_tweets(layout.tweets, notes, progress, keep_raw, skip_invalid)
        owner = account or infer_owner(rows)
        posts = collapse([to_post(row, owner) for row in rows])
    return Timeline(account=owner, posts=posts, origin=str(path))


def _read_lean(
    path: Path, progress: Callable[[int], None] | None, keep_raw: bool
) -> Timeline | None:
    """The fast reader's Timeline, or None when the archive needs the general reader."""
    from linkratio.sources.x_archive.lean import read_lean
    from linkratio.sources.x_archive.paired import read_paired
    from linkratio.sources.x_archive.typed import Unsupported

    try:
        with gc_paused():
            return read_paired(path, progress) if keep_raw else read_lean(path, progress)
    except (Unsupported, LinkratioError):
        # The general reader refuses it with the right message, or skips what is malformed.
        log.debug("%s: read the general way", path)
        return None
