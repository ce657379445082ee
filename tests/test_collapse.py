"""`model.collapse` keeps one post per id and the newest version of each edit chain."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from linkratio.model import Post, collapse, id_key, superseded

T0 = datetime(2024, 11, 9, tzinfo=UTC)


def by_every_post(posts: list[Post]) -> list[Post]:
    """The rule written plainly: each post's chain is its first edit id (or its own id)."""
    by_id = {post.id: post for post in posts}
    latest: dict[str, Post] = {}
    for post in by_id.values():
        chain = min(post.edit_ids, key=id_key) if len(post.edit_ids) > 1 else post.id
        kept = latest.get(chain)
        if kept is None or id_key(post.id) > id_key(kept.id):
            latest[chain] = post
    return sorted(latest.values(), key=lambda p: (p.created_at, id_key(p.id)))


def post(ident: str, minute: int, edits: tuple[str, ...] = ()) -> Post:
    return Post("x", ident, T0 + timedelta(minutes=minute), text=ident, edit_ids=edits)


@pytest.mark.parametrize("seed", range(40))
def test_random_posts_and_chains_collapse_as_the_plain_rule_says(seed: int) -> None:
    rng = random.Random(seed)
    ids = [str(rng.randrange(1, 10 ** rng.randrange(1, 4))) for _ in range(30)]
    posts = []
    for ident in ids:
        edits: tuple[str, ...] = ()
        if rng.random() < 0.4:  # a chain of some of the ids, its own often among them
            edits = tuple(sorted({ident, *rng.sample(ids, rng.randrange(0, 3))}, key=id_key))
        elif rng.random() < 0.3:
            edits = (ident,)
        posts.append(post(ident, rng.randrange(0, 5), edits))
    assert collapse(posts) == by_every_post(posts)


def test_a_chain_drops_its_older_versions_and_the_post_it_began_with() -> None:
    posts = [post("10", 0), post("11", 1, ("10", "11")), post("12", 2, ("10", "11", "12")),
             post("20", 3, ("20", "21")), post("30", 4)]  # fmt: skip
    assert [p.id for p in collapse(posts)] == ["12", "20", "30"]
    chains = [(p.id, p.edit_ids) for p in posts if len(p.edit_ids) > 1]
    assert superseded(chains, {p.id for p in posts}) == {"10", "11"}
    assert superseded([], {"1"}) == set()
