"""The campaign page's chart as plain geometry for a server-rendered SVG (no script, no CDN):
one stacked bar per run, oldest on the left: sent, failed, excluded, still queued."""

from __future__ import annotations

from dataclasses import dataclass

from gql.resolvers.campaign_stats import RunStats
from kupon.timeutil import format_seoul

WIDTH, HEIGHT, AXIS = 640, 180, 24
MAX_BARS = 30
# (counter, colour, legend)
PARTS = (("sent", "#2e7d32", "Sent"), ("failed", "#c62828", "Failed"), ("excluded_total", "#9e9e9e", "Excluded"),
         ("queued", "#64b5f6", "Queued"))


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    rects: list[Rect]
    labels: list[tuple[float, str]]
    top: int


def run_chart(runs: list[RunStats]) -> Chart | None:
    """Bars for the latest runs (at most 30); None without runs."""
    shown = list(reversed(runs[:MAX_BARS]))
    if not shown:
        return None
    top = max(max(r.counts.targets for r in shown), 1)
    slot = WIDTH / len(shown)
    bar = max(2.0, slot * 0.7)
    plot = HEIGHT - AXIS
    rects: list[Rect] = []
    labels: list[tuple[float, str]] = []
    for i, item in enumerate(shown):
        x = i * slot + (slot - bar) / 2
        base = float(plot)
        when = format_seoul(item.run.scheduled_for)
        for attribute, fill, _legend in PARTS:
            value = getattr(item.counts, attribute)
            if value:
                height = plot * value / top
                base -= height
                rects.append(Rect(round(x, 1), round(base, 1), round(bar, 1), round(height, 1), fill,
                                  f"{when} {attribute}: {value:,}"))
        if len(shown) <= 10 or i % max(1, len(shown) // 6) == 0:
            labels.append((round(x + bar / 2, 1), when[5:10]))
    return Chart(WIDTH, HEIGHT, rects, labels, top)
