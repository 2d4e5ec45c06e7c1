"""The server-side SVG charts: a shape per data point, scaled to the largest value, escaped text."""

from __future__ import annotations

import re

from darkhorses.web.charts import HEIGHT, BOTTOM, TOP, line_chart, share_bar, stacked_bars


def test_a_line_chart_has_a_point_per_value_scaled_to_the_top() -> None:
    svg = str(line_chart([("2025-10-01", 10), ("2025-10-02", 40), ("2025-10-03", 20)], "races", "races"))
    ys = [float(y) for y in re.findall(r'<circle class="point" cx="[\d.]+" cy="([\d.]+)"', svg)]
    assert ys == [HEIGHT - BOTTOM - 10 / 40 * (HEIGHT - BOTTOM - TOP), TOP, HEIGHT - BOTTOM - 20 / 40 * (HEIGHT - BOTTOM - TOP)]
    assert "<title>2025-10-02: 40 races</title>" in svg and 'aria-label="races"' in svg


def test_stacked_bars_stack_each_series_and_skip_zeros() -> None:
    svg = str(stacked_bars(["d1", "d2"], {"/v1/results": [3, 0], "/v1/racecards/<pro>": [1, 2]}, "calls"))
    assert svg.count('class="bar"') == 3
    assert "<title>d1 /v1/racecards/&lt;pro&gt;: 1</title>" in svg  # names are escaped
    heights = [float(h) for h in re.findall(r'height="([\d.]+)" fill', svg)]
    assert heights[0] == 3 / 4 * (HEIGHT - BOTTOM - TOP) and '<ul class="legend">' in svg


def test_share_bar_and_empty_charts() -> None:
    svg = str(share_bar([("pro", 3), ("standard", 1), ("none", 0)], "horses"))
    assert svg.count('class="bar"') == 2 and "<title>pro: 3 (75%)</title>" in svg
    assert "nothing to draw yet" in str(line_chart([], "races"))
    assert "nothing to draw yet" in str(stacked_bars([], {}, "calls"))
    assert "nothing to draw yet" in str(share_bar([("pro", 0)], "horses"))
