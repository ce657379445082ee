"""The weekly chart: the last 12 weeks' talk share, this week highlighted."""

from __future__ import annotations

from matplotlib.figure import Figure

from linkratio.analysis.weekly import WeekSummary, mean_label
from linkratio.charts.args import checked
from linkratio.charts.style import ChartFigure


@checked
def talk_share_chart(ws: WeekSummary) -> Figure:
    """Bars of the last 12 weeks' talk share, this week highlighted, the 8-week mean dashed."""
    fig = ChartFigure(figsize=(6.4, 2.6), layout="constrained")
    ax = fig.add_subplot()
    labels = [w.week[-3:] for w in ws.history]
    shares = [(w.talk_share or 0.0) * 100 for w in ws.history]
    colors = ["#BBBBBB"] * (len(shares) - 1) + ["#0072B2"]
    ax.bar(range(len(shares)), shares, color=colors)
    for i, w in enumerate(ws.history):
        if w.talk_share is None:
            ax.text(i, 1, "–", ha="center", va="bottom", color="#555555", usetex=False)
    if ws.baseline.talk_share is not None:
        mean = ws.baseline.talk_share * 100
        ax.axhline(mean, color="#555555", linestyle="--", linewidth=1, label=mean_label(ws))
        ax.legend(loc="upper left", frameon=False, fontsize=8)
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("talk share %", usetex=False)
    ax.set_title(f"Talk share, last {len(ws.history)} weeks", fontsize=11, usetex=False)
    return fig
