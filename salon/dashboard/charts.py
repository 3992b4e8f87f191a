"""Charts as self-contained SVG (pygal, no script, no external file), for the 看板 and the bulletin.

Each builder takes plain figures and an optional `link(key) -> url` so that every bar or slice
can lead to the list behind it; the result is an SVG string safe to inline in a page or a PDF.
"""
import math
import re
from collections.abc import Callable

import pygal
from markupsafe import Markup
from pygal.style import Style

from ..problems.models import SATISFACTION, STATES
from ..textnorm import printable

STATE_COLOURS = {
    "raised": "#6c757d", "accepted": "#0dcaf0", "assigned": "#0d6efd",
    "in_progress": "#fd7e14", "reported": "#6f42c1", "resolved": "#198754",
    "confirmed": "#146c43",
    "declined": "#495057",
}
SATISFACTION_COLOURS = {"satisfied": "#146c43", "basically": "#20c997",
                        "unsatisfied": "#dc3545"}
FONTS = ('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
         '"WenQuanYi Micro Hei", "Noto Serif SC Bundled", sans-serif')

Link = Callable[[str], str | None] | None


def _style(colours: tuple[str, ...] = ("#0b3d91", "#198754", "#dc3545", "#fd7e14")) -> Style:
    return Style(
        font_family=FONTS, background="transparent", plot_background="transparent",
        foreground="#212529", foreground_strong="#212529", foreground_subtle="#6c757d",
        colors=colours, label_font_size=13, major_label_font_size=13, legend_font_size=13,
        value_font_size=13, title_font_size=16, tooltip_font_size=13,
    )


def _config(**extra) -> dict:
    """No pygal JavaScript (offline intranet, strict CSP), no XML prolog (inline SVG)."""
    options = dict(js=[], disable_xml_declaration=True, width=640, height=320,
                   print_values=True, print_zeroes=False, show_y_guides=True, margin=16,
                   legend_at_bottom=True, truncate_legend=-1, truncate_label=-1)
    options.update(extra)
    return options


def _count_axis(highest: float) -> list[int]:
    """Whole-number ticks for counts (pygal would otherwise show 0.2, 0.4, …)."""
    step = max(1, math.ceil(highest / 6))
    return list(range(0, int(highest) + step + 1, step))


SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
COMMENT = re.compile(r"<!--.*?-->", re.S)


def render(chart) -> Markup:
    """The chart's SVG without pygal's inline config script and credit comments. Labels lose
    control characters first (lxml refuses them; rows stored before input was cleaned)."""
    if getattr(chart, "x_labels", None):
        chart.x_labels = [printable(label) for label in chart.x_labels]
    svg = chart.render(is_unicode=True)
    return Markup(COMMENT.sub("", SCRIPT.sub("", svg)))


def _value(count: float, key: str, link: Link, label: str | None = None) -> dict:
    point = {"value": count, "label": printable(label or "")}
    url = link(key) if link else None
    if url:
        point["xlink"] = {"href": url, "target": "_self"}
    return point


def problems_by_state_svg(counts: dict[str, int], link: Link = None,
                          title: str = "问题状态分布") -> Markup:
    """One bar per state, in workflow order."""
    states = list(STATES)
    chart = pygal.Bar(style=_style(tuple(STATE_COLOURS[s] for s in states)),
                      **_config(title=title, show_legend=False,
                                y_labels=_count_axis(max(counts.values(), default=0))))
    chart.x_labels = [STATES[s] for s in states]
    chart.add("问题数", [
        {**_value(counts.get(s, 0), s, link, STATES[s]), "color": STATE_COLOURS[s]}
        for s in states])
    return render(chart)


def problems_by_unit_svg(rows: list[tuple[str, int, int, int]], link: Link = None,
                         title: str = "责任单位办理情况") -> Markup:
    """Stacked bars per responsible unit: in hand (on time / overdue) and resolved.

    `rows` are (unit name, in hand, resolved, overdue); `link(name)` leads to the unit's list.
    """
    highest = max((done + open_ for _, open_, done, _ in rows), default=0)
    chart = pygal.StackedBar(style=_style(("#198754", "#0d6efd", "#dc3545")),
                             **_config(title=title, y_labels=_count_axis(highest)))
    chart.x_labels = [name for name, *_ in rows]
    chart.add("已办结", [_value(done, name, link) for name, _, done, _ in rows])
    chart.add("办理中", [_value(max(open_ - late, 0), name, link) for name, open_, _, late in rows])
    chart.add("已超期", [_value(late, name, link) for name, _, _, late in rows])
    return render(chart)


def problems_by_salon_svg(rows: list[tuple[str, str, int]], link: Link = None,
                          title: str = "各期沙龙提出问题数") -> Markup:
    """One bar per salon: rows are (month, label, count); `link(month)`."""
    chart = pygal.Bar(style=_style(), **_config(
        title=title, show_legend=False,
        y_labels=_count_axis(max((count for *_, count in rows), default=0))))
    chart.x_labels = [label for _, label, _ in rows]
    chart.add("问题数", [_value(count, month, link, label) for month, label, count in rows])
    return render(chart)


def satisfaction_svg(counts: dict[str, int], link: Link = None,
                     title: str = "提出人评价") -> Markup:
    """A half-donut of the reporters' verdicts."""
    keys = [k for k in SATISFACTION if counts.get(k)]
    chart = pygal.Pie(style=_style(tuple(SATISFACTION_COLOURS[k] for k in keys)),
                      **_config(title=title, inner_radius=0.45, half_pie=True))
    for key in keys:
        chart.add(SATISFACTION[key], [_value(counts[key], key, link, SATISFACTION[key])])
    return render(chart)


def participation_svg(rows: list[tuple[str, float, float, float]],
                      title: str = "各单位人均参与") -> Markup:
    """Per-officer posts, problems raised and attendance, side by side for each unit."""
    chart = pygal.HorizontalBar(style=_style(("#0b3d91", "#fd7e14", "#198754")),
                                **_config(title=title, width=1000, margin_left=48,
                                          height=max(260, 44 * len(rows) + 120),
                                          value_formatter=lambda v: f"{v:g}"))
    chart.x_labels = [name for name, *_ in rows]
    chart.add("人均稿件", [posts for _, posts, _, _ in rows])
    chart.add("人均问题", [problems for _, _, problems, _ in rows])
    chart.add("人均参会", [attended for _, _, _, attended in rows])
    return render(chart)
