"""The bulletin's 数据 charts, drawn by pygal as SVG (no hand-drawn graphics)."""
import re

import pygal
from pygal.style import Style

from ..textnorm import printable

FONT = "Noto Serif SC"
STYLE = Style(
    font_family=FONT,
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#111",
    foreground_subtle="#666",
    colors=("#1f4e8c", "#c0392b", "#2e8b57", "#d68910", "#7d3c98", "#5d6d7e", "#17a589"),
    title_font_size=22,
    label_font_size=15,
    major_label_font_size=15,
    legend_font_size=15,
    value_font_size=14,
)


def _config(**extra) -> dict:
    """No scripts (pygal links its tooltip JS by default) and a printable size."""
    return dict(style=STYLE, js=[], width=800, height=360, print_values=True, show_legend=False,
                show_x_guides=False, show_y_guides=False, **extra)


def _whole_numbers(counts: list[int]) -> list[int]:
    """Axis labels 0..max in whole steps (counts of posts are never fractional)."""
    top = max(counts or [1])
    step = max(1, -(-top // 8))
    return list(range(0, top + step, step))


def _label_room(labels: list[str], size: int) -> int:
    """Extra left margin for labels in Chinese: pygal allots 0.6 em a character (Latin), a
    Han character takes a full em, so "城关派出所" lost its first stroke at the edge."""
    longest = max((len(label) for label in labels), default=0)
    return int(longest * size * 0.45) + 12


def posts_by_unit(counts: list[tuple[str, int]]) -> bytes:
    """Horizontal bars: how many posts each unit contributed."""
    names = [printable(name) for name, _ in counts]  # lxml refuses control chars
    chart = pygal.HorizontalBar(**_config(
        title="各单位稿件数", y_labels=_whole_numbers([n for _, n in counts]),
        margin_left=_label_room(names, STYLE.label_font_size)))
    chart.x_labels = names
    chart.add("稿件", [n for _, n in counts])
    return _clean(chart.render(), "posts-by-unit")


def problems_by_state(counts: list[tuple[str, int]]) -> bytes:
    """Bars: how many of the salon's problems stand in each state."""
    chart = pygal.Bar(**_config(title="问题办理状态",
                                y_labels=_whole_numbers([n for _, n in counts])))
    chart.x_labels = [printable(label) for label, _ in counts]
    chart.add("问题", [n for _, n in counts])
    return _clean(chart.render(), "problems-by-state")


def _clean(svg: bytes, name: str) -> bytes:
    """Drop pygal's script, dated comment and random id, so equal data gives equal bytes;
    and its dashed guide lines, which it draws whatever show_*_guides says and which
    struck through the value labels in print."""
    text = svg.decode()
    text = re.sub(r"<script.*?</script>", "", text, flags=re.S)
    text = re.sub(r'<path [^>]*class="guide line"[^>]*/>', "", text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    uuid = re.search(r'id="chart-([0-9a-f-]{36})"', text)
    if uuid:
        text = text.replace(uuid.group(1), name)
    return text.encode()
