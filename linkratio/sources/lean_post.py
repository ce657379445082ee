"""What every lean post shares: a msgspec Struct with the fields of `model.Post`.

The fast readers (`x_archive.lean` for archives, `x_json_lean` for saved X API v2 data)
make these instead of frozen `Post` dataclasses (0.7 us to make instead of 2.9 us); each
adds how it knows the time: an archive post its sort key, a v2 post its `created_at`.
"""

from __future__ import annotations

import msgspec

from linkratio.model import Link


class LeanFields(msgspec.Struct, gc=False, kw_only=True):
    """The fields of `model.Post` after its platform, id and time, with the same defaults."""

    text: str
    author_id: str | None = None
    author_handle: str | None = None
    is_repost: bool = False
    repost_of_handle: str | None = None
    reply_to_post_id: str | None = None
    reply_to_user_id: str | None = None
    reply_to_handle: str | None = None
    quoted_post_id: str | None = None
    quoted_user_id: str | None = None
    quoted_handle: str | None = None
    links: tuple[Link, ...] = ()
    mentions: tuple[str, ...] = ()
    edit_ids: tuple[str, ...] = ()
    source: str = "file"
    raw: bytes | None = None

    @property
    def is_reply(self) -> bool:
        """True for a reply of any kind (to a post or, as in old archives, to an account)."""
        return self.reply_to_post_id is not None or self.reply_to_user_id is not None
