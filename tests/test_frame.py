"""The DataFrame view: stable columns, types, links, domains and partners."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
from helpers import FIXTURES

import linkratio
from linkratio.frame import COLUMNS, to_frame
from linkratio.model import Link, Post
from linkratio.render.text import render_text

WHEN = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)


def make(pid: str, text: str, **fields: object) -> Post:
    values = {"platform": "x", "id": pid, "created_at": WHEN, "text": text, "author_id": "1"}
    values.update(fields)
    return Post(**values)  # type: ignore[arg-type]


def test_columns_and_types() -> None:
    frame = to_frame(
        [
            make(
                "1",
                "see https://t.co/a",
                links=(Link("https://t.co/a", "https://www.bbc.co.uk/news"),),
            ),
            make(
                "2",
                "@ana thanks",
                reply_to_post_id="9",
                reply_to_user_id="2",
                reply_to_handle="ana",
            ),
            make("3", ".@bob @cy hello there"),
            make("4", "thanks", reply_to_post_id="8", reply_to_user_id="77"),
        ]
    )
    assert tuple(frame.columns) == COLUMNS
    assert isinstance(frame.dtypes["created_at"], pd.DatetimeTZDtype)
    assert str(frame.dtypes["created_at"].tz) == "UTC"
    assert frame.loc[0, "created_at"] == pd.Timestamp(WHEN)
    assert frame["category"].tolist() == ["link", "conversation", "conversation", "conversation"]
    assert frame.loc[0, "urls"] == ["https://www.bbc.co.uk/news"]
    assert frame.loc[0, "domains"] == ["bbc.co.uk"]
    assert frame.loc[1, "partners"] == ["ana"]
    assert frame.loc[2, "partners"] == ["bob", "cy"]
    assert frame.loc[3, "partners"] == ["id:77"]
    assert frame.loc[3, "reply_to"] == "77"


def test_partner_known_only_by_id_renders_as_account_id() -> None:
    frame = to_frame(
        [make(str(i), "ok", reply_to_post_id="8", reply_to_user_id="77") for i in range(3)]
    )
    text = render_text(linkratio.summarize(frame, tz="UTC"))
    assert "account id 77" in text
    assert "@id:77" not in text


def test_load_v2_file_sets_attrs() -> None:
    path = FIXTURES / "x_v2" / "withheld_line4_user_timeline.jsonl"
    frame = linkratio.load(path)
    assert len(frame) == 100
    assert frame.attrs["origin"] == str(path)
    assert frame.attrs["account"]
    assert frame["created_at"].is_monotonic_increasing
    assert set(frame["category"]) <= {"conversation", "link", "retweet", "other"}


def test_charts_and_report_are_importable_from_the_package() -> None:
    import subprocess
    import sys

    code = (
        "import sys, linkratio; assert 'matplotlib' not in sys.modules; "
        "from linkratio import all_charts, write_report, sites_chart; "
        "print(all_charts.__module__, write_report.__module__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["linkratio.charts", "linkratio.render.report"]


def test_quoted_comes_from_the_quote_url_when_the_data_has_no_quote_object() -> None:
    frame = to_frame(
        [
            make("1", "so true https://t.co/q", author_handle="me",
                 links=(Link("https://t.co/q", "https://twitter.com/Ana/status/99"),)),
            make("2", "hm", quoted_post_id="5", quoted_handle="bob"),
            make("3", "plain"),
        ]
    )  # fmt: skip
    assert frame["kind"].tolist() == ["quote", "quote", "post"]
    assert frame["quoted"].tolist() == ["Ana", "bob", None]


def test_dtypes_do_not_depend_on_the_data() -> None:
    empty_replies = to_frame([make("1", "plain")])
    with_replies = to_frame([make("1", "@a hi", reply_to_post_id="2", reply_to_handle="a")])
    for name in ("reply_to", "quoted", "author", "text"):
        assert empty_replies.dtypes[name] == np.dtype(object), name
        assert with_replies.dtypes[name] == np.dtype(object), name
    assert empty_replies.loc[0, "reply_to"] is None
