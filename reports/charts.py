"""Geometry of the statistics charts, drawn by the templates as SVG (classes for colours: no inline styles).

Only numbers are computed here; the templates escape every label. Horizontal bars are one small SVG per table row
(``viewBox="0 0 100 …"``: widths are per cent of the row), so the names stay HTML text that wraps and reads well.
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Segment:
    css: str
    x: float
    width: float
    value: int | float
    title: str


def segments(parts: list[tuple[str, int | float, str]], scale: float) -> list[Segment]:
    """Stack ``(css class, value, title)`` parts left to right; ``scale`` is the value of the full width."""
    out, x = [], 0.0
    for css, value, title in parts:
        width = round(100 * value / scale, 2) if scale else 0.0
        if width > 0:
            out.append(Segment(css=css, x=round(x, 2), width=width, value=value, title=title))
        x += width
    return out


def axis(value: int, *, most_ticks: int = 5) -> tuple[int, int]:
    """A round step (1, 2 or 5 × 10ⁿ) and the axis top (a multiple of it, at least ``value``), ≤ ``most_ticks``."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            count = -(-max(value, 1) // step)
            if count <= most_ticks:
                return step, step * count
        magnitude *= 10


@dataclass(frozen=True)
class Bar:
    month: date
    x: float
    width: float
    label_x: float
    total: int
    rects: list[dict]


@dataclass(frozen=True)
class MonthChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    ticks: list[dict]
    bars: list[Bar]
    show_every: int


WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 44
STACK = ("online", "counter", "post")


def month_chart(months, titles: dict[str, str]) -> MonthChart:
    """Stacked columns of dossiers received per month, one colour per channel (``titles``: channel → label)."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step, top = axis(max((m.total for m in months), default=0))
    ticks = [
        {"value": value, "y": round(TOP + plot_height - plot_height * value / top, 2)}
        for value in range(0, top + 1, step)
    ]
    slot = plot_width / max(len(months), 1)
    width = round(slot * 0.7, 2)
    bars = []
    for index, month in enumerate(months):
        x = round(LEFT + slot * index + (slot - width) / 2, 2)
        y = TOP + plot_height
        rects = []
        for channel in STACK:
            value = getattr(month, channel)
            height = plot_height * value / top
            if value:
                y -= height
                rects.append(
                    {
                        "css": f"chart-{channel}",
                        "y": round(y, 2),
                        "height": round(height, 2),
                        "value": value,
                        "title": titles[channel],
                    }
                )
        bars.append(
            Bar(month=month.month, x=x, width=width, label_x=round(x + width / 2, 2), total=month.total, rects=rects)
        )
    return MonthChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        plot_top=TOP,
        plot_bottom=TOP + plot_height,
        ticks=ticks,
        bars=bars,
        show_every=1 if len(months) <= 12 else (len(months) + 11) // 12,
    )
