"""Whose post each post is: the authors of a file's posts, and one author's posts of them.

A search export or a hashtag timeline holds many people's posts; every figure is about
one account, so a file with several authors is split (import) or narrowed to one
(`--author`), never summarized as a whole. An X archive has one author: its replies and
retweets are the owner's posts (TAXONOMY.md, "Whose post it is").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from linkratio.accounts import SHOWN, account_name, ascii_instance, is_id_name, parse_name
from linkratio.errors import InputError
from linkratio.model import Account, Post, Timeline

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Author:
    """One author of a timeline's posts, and those posts (in the timeline's order)."""

    account: Account
    posts: list[Post]

    @property
    def name(self) -> str:
        """The account as a command takes it: `@handle`, `bsky:handle`, `mastodon:@user@host`."""
        return account_name(self.account)


def _key(post: Post) -> str | None:
    """What tells the post's author apart: the author id, else the handle."""
    return post.author_id or post.author_handle


def authors_of(timeline: Timeline) -> list[Author]:
    """Each author of the timeline's posts, most posts first (then by name).

    Posts that name no author count as the timeline owner's (the file's main author),
    and so does every post of an X archive.
    """
    owner = timeline.account
    owner_key = owner.id or owner.handle
    groups: dict[str | None, list[Post]] = {}
    for post in timeline.posts:
        key = owner_key if post.source == "archive" else (_key(post) or owner_key)
        groups.setdefault(key, []).append(post)
    authors = [Author(_account(timeline, key, posts), posts) for key, posts in groups.items()]
    return sorted(authors, key=lambda a: (-len(a.posts), a.name.lower()))


def _account(timeline: Timeline, key: str | None, posts: list[Post]) -> Account:
    """The account of the author `key` whose posts these are."""
    owner = timeline.account
    if key is None or key == (owner.id or owner.handle):
        return owner
    if key in timeline.authors:
        return timeline.authors[key]
    handle = next((p.author_handle for p in posts if p.author_handle), None)
    return Account(posts[0].platform, posts[0].author_id, handle)


def author_name(timeline: Timeline) -> str | None:
    """The account name of the timeline's owner; None when the data does not say."""
    owner = timeline.account
    return account_name(owner) if owner.id or owner.handle else None


def only_author(timeline: Timeline, name: str, option: str = "--author NAME") -> Timeline:
    """The timeline of the author `name` (`@handle`, `handle`, `bsky:…`, `mastodon:@…`, or id).

    InputError naming the timeline's authors when none of them is `name`.
    """
    authors = authors_of(timeline)
    for author in authors:
        if names(author.account, name):
            return Timeline(author.account, author.posts, timeline.origin, timeline.authors)
    if len(authors) == 1 and not (authors[0].account.id or authors[0].account.handle):
        raise InputError(
            f"{timeline.origin or 'the data'} holds no posts by {name}: it does not say who "
            f"wrote its {len(authors[0].posts):,} posts (no author id): without "
            f"{option.split()[0].removesuffix('NAME')} it is read as one account's"
        )
    raise InputError(
        f"{timeline.origin or 'the data'} holds no posts by {name}: it holds posts by "
        f"{_count(authors)} ({_listing(authors)})"
    )


def one_author(
    timeline: Timeline, name: str | None = None, *, option: str = "--author NAME"
) -> Timeline:
    """The timeline of its only author, or of the author `name` picks.

    InputError naming the top authors when there are several and `name` is None, and
    `option` to pick one with (`author=NAME` for a Python caller).
    """
    if name is not None:
        return only_author(timeline, name, option)
    authors = authors_of(timeline)
    if len(authors) <= 1:
        return timeline
    raise InputError(
        f"{timeline.origin or 'the data'} holds posts by {_count(authors)} "
        f"({_listing(authors)}): pick one with {option}, "
        "or use 'linkratio cohort build' for many accounts"
    )


def names(account: Account, name: str) -> bool:
    """Whether `name` names `account`: its handle (with or without `@` or prefix) or id.

    `id 123`, as an X account without a handle is listed, names it by its id.
    """
    parsed = parse_name(name)
    if parsed is not None and parsed[0] != account.platform:
        return False
    if is_id_name(name.strip()):
        return account.platform == "x" and account.id == name.strip()[3:]
    wanted = (parsed[1] if parsed else name).strip().removeprefix("@")
    if account.platform == "mastodon" and "@" in wanted:  # `bücher.example` is `xn--…`
        user, _, instance = wanted.partition("@")
        wanted = f"{user}@{ascii_instance(instance)}"
    wanted = wanted.casefold()
    known = (account.handle, account.id)
    return bool(wanted) and any(k is not None and k.casefold() == wanted for k in known)


def _count(authors: list[Author]) -> str:
    return f"{len(authors):,} account" + ("" if len(authors) == 1 else "s")


def _listing(authors: list[Author]) -> str:
    """`@a 3, @b 2, …`: the top authors and their post counts."""
    shown = ", ".join(f"{a.name} {len(a.posts):,}" for a in authors[:SHOWN])
    return shown + (", …" if len(authors) > SHOWN else "")


def note_no_author(source: str | Path, timeline: Timeline) -> None:
    """Warn when saved data names no author, so that its posts are all taken for one
    account's (an archive is one account's by nature: it needs no word)."""
    owner = timeline.account
    if owner.id is None and owner.handle is None and timeline.posts[0].source != "archive":
        log.warning(
            "%s: the data names no author (no author_id): every post is read as one "
            "account's posts",
            source,
        )


def note_assumed_timeline(source: str | Path, account: Account) -> None:
    """Warn that saved data of one author, which does not say what request saved it, is
    filed as that account's own timeline (so a fetch of it reads only newer posts)."""
    log.warning(
        "%s: one author and no twarc2 record of the request: filed as %s's own timeline "
        "(a fetch of it reads only newer posts)",
        source,
        account_name(account),
    )
