"""The library as a notebook user calls it (session 25): `to_frame` of what is no posts, a
day in any form a notebook holds, and cohort errors that name the keyword, not the option."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import SAMPLE

import linkratio
from linkratio.errors import InputError


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return linkratio.load(SAMPLE)


# -- 1. to_frame of something that is no posts --------------------------------------------


def test_to_frame_of_a_frame_says_it_is_one_already(frame: pd.DataFrame) -> None:
    """`to_frame(df)` iterated the column names and raised AttributeError: 'str' object
    has no attribute 'platform'."""
    with pytest.raises(InputError) as caught:
        linkratio.to_frame(frame)
    said = str(caught.value)
    assert said.startswith("to_frame: posts a DataFrame: expected Post objects")
    assert "use it as it is" in said and "\n" not in said


def test_to_frame_of_a_timeline_or_a_path_names_what_to_pass() -> None:
    timeline = linkratio.read(SAMPLE)
    with pytest.raises(InputError, match=r"posts a Timeline: .* pass its \.posts"):
        linkratio.to_frame(timeline)  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"'archive\.zip' is a name, not posts.*load\("):
        linkratio.to_frame("archive.zip")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="posts a int: expected Post objects"):
        linkratio.to_frame(3)  # type: ignore[arg-type]
    # what it takes still works: a list, and a generator read once
    assert len(linkratio.to_frame(timeline.posts[:5])) == 5
    assert len(linkratio.to_frame(p for p in timeline.posts[:3])) == 3
