"""Leftovers 22: chart arguments are checked in one place (an InputError naming the parameter)."""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import rows  # noqa: E402

import linkratio  # noqa: E402
from linkratio import charts  # noqa: E402
from linkratio.errors import InputError  # noqa: E402

# --- 1. chart arguments -------------------------------------------------------------------


def _posts():
    return rows.frame(
        rows.post("2024-03-04 12:00", "conversation", partners=["ana"]),
        rows.post("2024-03-05 12:00", "link", domains=["a.org"]),
    )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        # a zone where `top` goes: was "'>' not supported between 'int' and 'str'"
        (lambda df: charts.sites_chart(df, "UTC"), r"^sites_chart: top 'UTC': expected a whole"),
        # a year as text: was "'<=' not supported between 'int' and 'str'"
        (
            lambda df: charts.calendar_chart(df, year="2024"),
            r"^calendar_chart: year '2024': expected a year as a whole number",
        ),
        (lambda df: charts.all_charts(df, "UTC", "2024"), r"^all_charts: year '2024'"),
        (lambda df: charts.partners_chart(df, "5"), r"^partners_chart: top '5'"),
        (lambda df: charts.sites_chart(df, True), r"^sites_chart: top True"),  # an index
        (lambda df: charts.sites_chart(df, -1), r"^sites_chart: top -1"),  # all but the last
        (lambda df: charts.sites_chart(df, narrow="no"), r"^sites_chart: narrow 'no': .*True"),
        (lambda df: charts.activity_chart(df, since=2024), r"^activity_chart: since 2024"),
        (lambda df: charts.hours_chart(df, 5), r"^hours_chart: tz: time zone 5"),
        (lambda df: charts.partners_chart(df, 5, 7), r"^partners_chart: now 7: expected a date"),
        (lambda df: charts.sites_chart(list(df)), r"^sites_chart: df a list: expected a Data"),
        (lambda df: charts.talk_share_chart(df), r"^talk_share_chart: ws a DataFrame: expected"),
    ],
)
def test_a_wrong_chart_argument_is_one_input_error_naming_it(call, match) -> None:
    with pytest.raises(InputError, match=match) as caught:
        call(_posts())
    assert "\n" not in str(caught.value)


def test_chart_arguments_that_were_right_still_draw() -> None:
    df = _posts()
    assert charts.calendar_chart(df, "UTC", np.int64(2024)).axes  # a numpy year is a year
    assert charts.sites_chart(df, np.int64(3), narrow=np.bool_(True)).axes
    assert charts.partners_chart(df, 5, "2024-06-01").axes  # fading_ties takes text
    assert linkratio.activity_chart(df, "UTC", since="2024-03-01").axes


def test_every_public_chart_is_checked() -> None:
    # One check for them all: each public chart function is wrapped by charts.args.checked.
    public = [
        getattr(charts, n) for n in charts.__all__ if n.endswith("_chart") or n == "all_charts"
    ]
    assert len(public) == 7
    for chart in public:
        assert inspect.unwrap(chart) is not chart, chart.__name__
