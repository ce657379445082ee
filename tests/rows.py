"""Hand-made post frames for tests: one row builder shared by the analysis, render,
series and chart tests, with exactly the columns of `linkratio.frame.COLUMNS`."""

from __future__ import annotations

import itertools

import pandas as pd

from linkratio.frame import COLUMNS

KIND_OF = {"conversation": "reply", "link": "url", "retweet": "repost", "other": "post"}
_ids = itertools.count(1)


def post(
    when,
    category="other",
    *,
    kind=None,
    domains=(),
    partners=(),
    author="me",
    pid=None,
    text=None,
    reason="test",
    urls=None,
):
    """One row of the post frame; `when` is a UTC time such as '2024-12-02 10:00'."""
    kind = kind or KIND_OF[category]
    return {
        "platform": "x",
        "id": pid or str(next(_ids)),
        "created_at": when,
        "author": author,
        "text": f"{category} post" if text is None else text,
        "category": category,
        "kind": kind,
        "reason": reason,
        "reply_to": partners[0] if kind == "reply" and partners else None,
        "quoted": None,
        "urls": list(urls) if urls is not None else [f"https://{d}/page" for d in domains],
        "domains": list(domains),
        "mentions": list(partners),
        "partners": list(partners),
        "source": "api",
    }


def frame(*rows):
    """A post frame of `rows` with created_at as tz-aware UTC."""
    df = pd.DataFrame(list(rows), columns=list(COLUMNS))
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True).astype("datetime64[ns, UTC]")
    return df
