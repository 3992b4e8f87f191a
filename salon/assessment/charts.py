"""The trend of units' totals over periods, as inline SVG in the 看板's chart style (and, for
the printed 考核通报, in the bundled font)."""
import re

import pygal
from markupsafe import Markup
from pygal.style import Style

from ..dashboard.charts import _config, _style, render

COLOURS = ("#0b3d91", "#198754", "#dc3545", "#fd7e14", "#6f42c1", "#20c997", "#6c757d",
           "#8c564b")
PRINT_FONT = '"Noto Serif SC", serif'  # the 通报's PDF sees only the bundled fonts


def trend_svg(labels: list[str], series: dict[str, list[float | None]],
              title: str = "考核总分走势", for_print: bool = False) -> Markup:
    """One line per unit; a period without a total is a gap, not a zero."""
    style = _style(COLOURS)
    options = dict(title=title, height=280, range=(0, 100), allow_interruptions=True,
                   show_legend=len(series) > 1, dots_size=4, margin_right=40,
                   value_formatter=lambda v: f"{v:.1f}")
    if for_print:  # no values on the points (eight lines), the legend in four columns
        kept = {k: v for k, v in style.to_dict().items() if not k.endswith("_font_family")}
        style = Style(**{**kept, "font_family": PRINT_FONT, "background": "white",
                         "plot_background": "white"})
        options.update(width=800, height=330, print_values=False, show_legend=True,
                       legend_at_bottom_columns=4)
    chart = pygal.Line(style=style, **_config(**options))
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    svg = render(chart)
    if for_print:  # pygal's random chart id: the same data gives the same bytes
        svg = Markup(re.sub(r"chart-[0-9a-f-]{36}", "chart-trend", str(svg)))
    return svg
