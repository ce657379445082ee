"""The pandas view of a timeline: one row per post with its label, links and partners."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from linkratio.classify import classify, label_and_urls
from linkratio.links import domain
from linkratio.model import Kind, Label, Post
from linkratio.sources import read

COLUMNS: tuple[str, ...] = (
    "platform",
    "id",
    "created_at",
    "author",
    "text",
    "category",
    "kind",
    "reason",
    "reply_to",
    "quoted",
    "urls",
    "domains",
    "mentions",
    "partners",
    "source",
)
"""The stable column set of `load()` / `to_frame()` (documented in the README)."""

_LEADING_HANDLES = re.compile(r"^\s*\.?((?:[@\uff20][\w.\-]+[\s,:;]*)+)")
_HANDLE = re.compile(r"[@\uff20]([\w.\-]+)")


def _partners(post: Post, label: Label) -> list[str]:
    """The accounts this post talks with: the replied-to one, or those it opens by addressing."""
    if label.kind is Kind.REPLY:
        if post.reply_to_handle:
            return [post.reply_to_handle]
        # The data named only the account's id (an archive reply to a since-renamed account).
        return [f"id:{post.reply_to_user_id}"] if post.reply_to_user_id else []
    if label.kind is Kind.MENTION:
        m = _LEADING_HANDLES.match(post.text)
        return [h.rstrip(".-") for h in _HANDLE.findall(m.group(1))] if m else []
    return []


def labelled(posts: Iterable[Post]) -> Iterable[tuple[Post, Label]]:
    """Yield each post with its label."""
    for post in posts:
        yield post, classify(post)


def to_frame(posts: Iterable[Post]) -> pd.DataFrame:
    """Classify `posts` and return them as a DataFrame with the `COLUMNS` columns."""
    cols: dict[str, list] = {name: [] for name in COLUMNS}
    stamps: list[int] = []
    for post in posts:
        label, urls = label_and_urls(post)
        cols["platform"].append(post.platform)
        cols["id"].append(post.id)
        stamps.append(int(post.created_at.timestamp() * 1_000_000))
        cols["author"].append(post.author_handle)
        cols["text"].append(post.text)
        cols["category"].append(label.category.value)
        cols["kind"].append(label.kind.value)
        cols["reason"].append(label.reason)
        cols["reply_to"].append(post.reply_to_handle or post.reply_to_user_id)
        cols["quoted"].append(post.quoted_handle or post.quoted_user_id)
        cols["urls"].append(urls)
        cols["domains"].append([domain(u) for u in urls])
        cols["mentions"].append(list(post.mentions))
        cols["partners"].append(_partners(post, label))
        cols["source"].append(post.source)
    cols["created_at"] = pd.to_datetime(stamps, unit="us", utc=True)  # type: ignore[assignment]
    frame = pd.DataFrame(cols, columns=list(COLUMNS))
    for name in ("platform", "id", "author", "text", "category", "kind", "reason", "source"):
        frame[name] = frame[name].astype(object)
    return frame


def load(
    path: str | Path,
    input_format: str | None = None,
    progress: Callable[[int], None] | None = None,
    skip_invalid: bool = False,
) -> pd.DataFrame:
    """Read, classify and tabulate every post at `path`: one DataFrame row per post."""
    timeline = read(path, input_format=input_format, progress=progress, skip_invalid=skip_invalid)
    frame = to_frame(timeline.posts)
    frame.attrs["account"] = timeline.account.handle or timeline.account.id
    frame.attrs["origin"] = str(path)
    return frame
