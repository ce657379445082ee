"""The lean posts' fields are made from `model.Post`'s: same names, types and defaults."""

from __future__ import annotations

import dataclasses
from typing import get_type_hints

import msgspec

from linkratio.model import Post
from linkratio.sources.lean_post import OWN, LeanFields
from linkratio.sources.x_archive.lean import LeanPost
from linkratio.sources.x_json_lean import LeanTweet


def test_every_lean_post_has_every_post_field_with_its_type_and_default() -> None:
    hints = get_type_hints(Post)
    shared = {f.name: f for f in dataclasses.fields(Post) if f.name not in OWN}
    lean = {f.name: f for f in msgspec.structs.fields(LeanFields)}
    assert lean.keys() == shared.keys()
    for name, field in shared.items():
        assert lean[name].type == hints[name], name
        expected = msgspec.NODEFAULT if field.default is dataclasses.MISSING else field.default
        assert lean[name].default == expected, name
    for cls in (LeanPost, LeanTweet):
        names = {f.name for f in msgspec.structs.fields(cls)}
        assert names >= {f.name for f in dataclasses.fields(Post)} - {"created_at"}, cls


def test_a_lean_post_answers_is_reply_as_a_post_does() -> None:
    for reply in ({}, {"reply_to_post_id": "1"}, {"reply_to_user_id": "2"}):
        lean = LeanPost(platform="x", id="9", key="k", text="hi", **reply)
        assert lean.is_reply == bool(reply)
        assert lean.links == () and lean.source == "file" and lean.raw is None
