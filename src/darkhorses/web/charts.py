"""Charts drawn on the server as inline SVG: no JavaScript library, no CDN, works offline.

Every data point is an element with a ``<title>`` (the browser shows it on hover), so a chart is
also readable by a test or a screen reader. Colours and fonts come from the page's stylesheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
PALETTE = ("#2f6db5", "#d9822b", "#3a9a5b", "#b8434a", "#7d5ba6", "#8c6d46", "#c564a8", "#6b7280")


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.2f}".rstrip("0")


def _frame(label: str, body: list[str], top: float) -> Markup:
    """Axes, three y ticks (0, half, top) and the plotted ``body``, as one ``<svg>``."""
    plot_bottom, plot_right = HEIGHT - BOTTOM, WIDTH - RIGHT
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">',
             f"<title>{escape(label)}</title>"]
    for share in (0.0, 0.5, 1.0):
        y = plot_bottom - share * (plot_bottom - TOP)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{plot_right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(top * share)}</text>')
    return Markup("".join(parts + body + ["</svg>"]))


def _x_labels(labels: Sequence[str], xs: Sequence[float]) -> list[str]:
    """The first, middle and last labels under the axis (more would overlap on a long range)."""
    shown = sorted({0, len(labels) // 2, len(labels) - 1})
    anchors = {0: "start", len(labels) - 1: "end"}
    return [f'<text class="tick" x="{xs[i]:.1f}" y="{HEIGHT - 8}" text-anchor="{anchors.get(i, "middle")}">'
            f"{escape(labels[i])}</text>" for i in shown]


def _legend(names: Sequence[str]) -> Markup:
    """A colour key, in palette order."""
    items = "".join(f'<li><svg viewBox="0 0 10 10" width="10" height="10"><rect width="10" height="10" fill="{colour}"/>'
                    f"</svg>{escape(name)}</li>" for colour, name in zip(PALETTE * 4, names, strict=False))
    return Markup(f'<ul class="legend">{items}</ul>')


def _empty(label: str) -> Markup:
    return Markup(f'<p class="no-data">{escape(label)}: nothing to draw yet.</p>')


def line_chart(points: Sequence[tuple[str, float]], label: str, unit: str = "") -> Markup:
    """One series over time: a line through a dot per point."""
    if not points:
        return _empty(label)
    top = max(max(value for _, value in points), 1)
    span = WIDTH - LEFT - RIGHT
    step = span / (len(points) - 1) if len(points) > 1 else 0
    xs = [LEFT + (i * step if len(points) > 1 else span / 2) for i in range(len(points))]
    ys = [HEIGHT - BOTTOM - value / top * (HEIGHT - BOTTOM - TOP) for _, value in points]
    body = [f'<polyline class="line" fill="none" stroke="{PALETTE[0]}" points="'
            + " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True)) + '"/>']
    body += [f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{PALETTE[0]}">'
             f"<title>{escape(name)}: {_number(value)} {escape(unit)}</title></circle>"
             for (name, value), x, y in zip(points, xs, ys, strict=True)]
    return _frame(label, body + _x_labels([name for name, _ in points], xs), top)


def stacked_bars(labels: Sequence[str], series: dict[str, Sequence[float]], label: str) -> Markup:
    """A bar per label, stacked by series (for example calls per day, split by endpoint), with a legend."""
    if not labels or not series:
        return _empty(label)
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    top = max(max(totals), 1)
    slot = (WIDTH - LEFT - RIGHT) / len(labels)
    width = max(slot * 0.7, 1)
    scale = (HEIGHT - BOTTOM - TOP) / top
    body, xs = [], []
    for i, name in enumerate(labels):
        x, base = LEFT + i * slot + (slot - width) / 2, HEIGHT - BOTTOM
        xs.append(x + width / 2)
        for colour, (part, values) in zip(PALETTE * 4, series.items(), strict=False):
            if values[i]:
                height = values[i] * scale
                base -= height
                body.append(f'<rect class="bar" x="{x:.1f}" y="{base:.1f}" width="{width:.1f}" height="{height:.1f}" '
                            f'fill="{colour}"><title>{escape(name)} {escape(part)}: {_number(values[i])}</title></rect>')
    return _frame(label, body + _x_labels(labels, xs), top) + _legend(list(series))


def share_bar(parts: Sequence[tuple[str, int]], label: str) -> Markup:
    """One horizontal bar split into named shares (for example horses by profile)."""
    total = sum(value for _, value in parts)
    if not total:
        return _empty(label)
    body, x = [], 0.0
    for colour, (name, value) in zip(PALETTE, parts, strict=False):
        width = value / total * WIDTH
        if value:
            body.append(f'<rect class="bar" x="{x:.1f}" y="0" width="{width:.1f}" height="24" fill="{colour}">'
                        f"<title>{escape(name)}: {value:,} ({value / total:.0%})</title></rect>")
        x += width
    return Markup(f'<svg class="chart share" viewBox="0 0 {WIDTH} 24" role="img" aria-label="{escape(label)}">'
                  f'<title>{escape(label)}</title>{"".join(body)}</svg>') + _legend([f"{n} {v:,}" for n, v in parts])
