"""The trend of units' totals over periods, as inline SVG in the 看板's chart style."""
import pygal
from markupsafe import Markup

from ..dashboard.charts import _config, _style, render


def trend_svg(labels: list[str], series: dict[str, list[float | None]],
              title: str = "考核总分走势") -> Markup:
    """One line per unit; a period without a total is a gap, not a zero."""
    chart = pygal.Line(style=_style(("#0b3d91", "#198754", "#dc3545", "#fd7e14", "#6f42c1",
                                     "#20c997", "#6c757d")),
                       **_config(title=title, height=280, range=(0, 100), allow_interruptions=True,
                                 show_legend=len(series) > 1, dots_size=4,
                                 margin_right=40,
                                 value_formatter=lambda v: f"{v:.1f}"))
    chart.x_labels = labels
    for name, values in series.items():
        chart.add(name, values)
    return render(chart)
