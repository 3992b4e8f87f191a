"""Snippets: the window of a post's text with most query pieces, the matches marked."""
from dataclasses import dataclass

from markupsafe import Markup, escape

from .analysis import fold

WIDTH = 110
LEAD = 24  # characters shown before the first match in the window


@dataclass
class Marked:
    """Text cut into (part, is_match) pairs; rendered as HTML or as plain text."""

    parts: list[tuple[str, bool]]

    def html(self) -> Markup:
        return Markup("").join(
            Markup("<mark>%s</mark>") % part if hit else escape(part) for part, hit in self.parts
        )

    def text(self, before: str = "【", after: str = "】") -> str:
        return "".join(f"{before}{part}{after}" if hit else part for part, hit in self.parts)

    def __html__(self) -> str:
        return self.html()


def _spans(folded: str, needles: tuple[str, ...]) -> list[tuple[int, int, str]]:
    spans = []
    for needle in needles:
        start = folded.find(needle)
        while start != -1:
            spans.append((start, start + len(needle), needle))
            start = folded.find(needle, start + len(needle))
    return sorted(spans)


def mark(text: str, needles: tuple[str, ...], start: int = 0, end: int | None = None) -> Marked:
    """Mark every needle in text[start:end]; folding keeps offsets, so either script matches."""
    end = len(text) if end is None else end
    folded = fold(text).lower()
    parts, cursor = [], start
    for s, e, _needle in _spans(folded, needles):
        if s < cursor or e > end:
            continue
        if s >= start:
            parts.append((text[cursor:s], False))
            parts.append((text[s:e], True))
            cursor = e
    parts.append((text[cursor:end], False))
    return Marked([p for p in parts if p[0]])


def _best_window(spans: list[tuple[int, int, str]]) -> int:
    """Start of the window holding the most distinct needles (the earliest on ties)."""
    best, best_start = -1, 0
    for s, _e, _n in spans:
        distinct = {n for s2, e2, n in spans if s <= s2 and e2 <= s + WIDTH - LEAD}
        if len(distinct) > best:
            best, best_start = len(distinct), s
    return max(0, best_start - LEAD)


def snippet(plain: str, needles: tuple[str, ...]) -> Marked:
    """A ~110-character excerpt of the post's stored plain text around the best group of
    matches (the text was made when the post was written: no Markdown is parsed here)."""
    text = plain[:20000]
    spans = _spans(fold(text).lower(), needles) if needles else []
    start = _best_window(spans[:200]) if spans else 0
    end = min(len(text), start + WIDTH)
    marked = mark(text, needles, start, end)
    if start > 0:
        marked.parts.insert(0, ("…", False))
    if end < len(text):
        marked.parts.append(("…", False))
    return marked
