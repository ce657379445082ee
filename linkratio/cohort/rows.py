"""One post -> one cohort row, and rows -> Parquet part files (one per platform and month)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linkratio.accounts import account_name
from linkratio.classify import label_and_urls
from linkratio.cohort.disk import sync
from linkratio.errors import DiskError
from linkratio.frame import _quoted
from linkratio.links import site
from linkratio.model import Account, Post

COLUMNS: tuple[str, ...] = (
    "platform",
    "id",
    "author_id",
    "account",
    "created_at",
    "category",
    "kind",
    "site",
    "reply_to",
    "quoted_account",
)
"""The columns of a cohort row, as the `posts` view shows them."""
FILE_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c != "platform")
"""The columns stored in a part file: `platform` and `month` live in the folder names."""
TMP_SUFFIX = ".tmp"
"""Part files are written under `.NAME.<random>.tmp` and renamed when their input is done."""


@dataclass(frozen=True, slots=True)
class Part:
    """One written part file: its temporary name and the name it takes on commit."""

    tmp: str
    final: str
    rows: int


def _name(platform: str, handle: str | None, user_id: str | None) -> str | None:
    if not handle and not user_id:
        return None
    return account_name(Account(platform=platform, id=user_id, handle=handle))


def _quoted_account(post: Post, quoted: str | None) -> str | None:
    if quoted is None:
        return None
    if quoted == post.quoted_user_id and not post.quoted_handle:
        return _name(post.platform, None, quoted)
    return _name(post.platform, quoted, None)


def row(post: Post, unnamed: tuple[str | None, str | None] = (None, None)) -> tuple[Any, ...]:
    """The cohort row of `post` in `COLUMNS` order, judged from the post's own author;
    `unnamed` is the (author_id, account) of a post that names no author."""
    label, urls = label_and_urls(post)
    author_id, account = post.author_id, _name(post.platform, post.author_handle, post.author_id)
    if account is None:
        author_id, account = unnamed
    first_site = site(urls[0], post.platform) or None if urls else None
    return (
        post.platform,
        post.id,
        author_id,
        account,
        post.created_at,
        label.category.value,
        label.kind.value,
        first_site,
        _name(post.platform, post.reply_to_handle, post.reply_to_user_id),
        _quoted_account(post, _quoted(post, label)),
    )


def _schema() -> Any:
    import pyarrow as pa

    string = pa.string()
    types = {name: string for name in FILE_COLUMNS}
    types["created_at"] = pa.timestamp("us", tz="UTC")
    return pa.schema([(name, types[name]) for name in FILE_COLUMNS])


def write_parts(rows: Iterable[tuple[Any, ...]], out_dir: str, stem: str) -> list[Part]:
    """Write `rows` as one temporary Parquet file per platform and month under `out_dir`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    groups: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for r in rows:
        groups.setdefault((r[0], r[4].strftime("%Y-%m")), []).append(r[1:])
    schema = _schema()
    parts = []
    for (platform, month), group in sorted(groups.items()):
        folder = Path(out_dir, f"platform={platform}", f"month={month}")
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{stem}.parquet"
        tmp = folder / f".{stem}.{uuid.uuid4().hex}{TMP_SUFFIX}"
        columns = dict(zip(FILE_COLUMNS, map(list, zip(*group, strict=True)), strict=True))
        table = pa.Table.from_pydict(columns, schema=schema)
        try:
            pq.write_table(table, tmp, compression="zstd")
            sync(tmp)  # on disk before the manifest that lists it: a power cut spares it
        except OSError as e:  # a full disk: pyarrow's error names no file
            tmp.unlink(missing_ok=True)
            raise DiskError(f"{final}: could not be written ({e.strerror or e})") from None
        parts.append(Part(tmp=os.fspath(tmp), final=os.fspath(final), rows=len(group)))
    return parts
