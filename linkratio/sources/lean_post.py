"""What every lean post shares: a msgspec Struct with the fields of `model.Post`.

The fast readers (`x_archive.lean` for archives, `x_json_lean` for saved X API v2 data)
make these instead of frozen `Post` dataclasses (0.7 us to make instead of 2.9 us); each
adds how it knows the time: an archive post its sort key, a v2 post its `created_at`.

The fields are made from `Post`'s own, names, types and defaults, so the two cannot drift
apart: a field added to `Post` is a field of every lean post.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any, get_type_hints

import msgspec

from linkratio.model import Post

OWN = ("platform", "id", "created_at")
"""The `Post` fields each fast reader declares itself (the time, as it knows it)."""


def _fields() -> list[tuple[str, Any] | tuple[str, Any, Any]]:
    """`Post`'s fields after `OWN`, as `msgspec.defstruct` takes them: name, type, default."""
    hints = get_type_hints(Post)
    return [
        (f.name, hints[f.name]) if f.default is MISSING else (f.name, hints[f.name], f.default)
        for f in fields(Post)
        if f.name not in OWN
    ]


LeanFields: Any = msgspec.defstruct(
    "LeanFields",
    _fields(),
    module=__name__,
    namespace={"is_reply": Post.is_reply, "__doc__": "The fields of `model.Post` but `OWN`."},
    kw_only=True,
    gc=False,
)
"""The base Struct of the lean posts: `Post`'s fields but `OWN`, and its `is_reply`."""
