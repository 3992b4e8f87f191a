"""Reading what a user typed: words must all match, "…" is exact, -词 excludes. Never raises."""
import re
from dataclasses import dataclass, field

from .analysis import HAN_RUN, WORD_RUN, fold, query_words

MAX_QUERY = 200  # characters looked at; the rest of a pasted essay adds nothing
MAX_PIECES = 12
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "＂": '"', "「": '"', "」": '"',
                         "－": "-", "—": "-", "\u3000": " "})
_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class ParsedQuery:
    """Folded pieces that must all occur, and pieces that must not."""

    required: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    phrases: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.required

    @property
    def highlights(self) -> tuple[str, ...]:
        """What to mark in snippets: the required pieces and whole phrases, longest first."""
        return tuple(sorted(set(self.required) | set(self.phrases), key=len, reverse=True))


def _pieces(text: str, exact: bool) -> list[str]:
    """Runs of Han characters or letters/digits; unquoted Han runs are split into words."""
    found = []
    for run in WORD_RUN.findall(fold(text).lower()):
        if exact or not HAN_RUN.fullmatch(run) or len(run) <= 2:
            found.append(run)
        else:
            found.extend(query_words(run))
    return found


def parse(text: str | None) -> ParsedQuery:
    """Parse a search box entry; unbalanced quotes and stray operators are simply ignored."""
    text = (text or "")[:MAX_QUERY].translate(_QUOTES)
    if text.count('"') % 2:
        text = text[::-1].replace('"', " ", 1)[::-1]  # drop the unmatched last quote
    required, excluded, phrases = [], [], []
    for match in _TOKEN.finditer(text):
        negated, quoted, bare = match.groups()
        if bare is not None:
            negated, quoted = ("-", bare[1:]) if bare.startswith("-") else ("", bare)
            exact = False
        else:
            exact = True
        pieces = _pieces(quoted, exact)
        if negated:
            excluded.extend(pieces)
        else:
            required.extend(pieces)
            if exact and len(pieces) > 1:
                phrases.append(fold(quoted.strip()).lower())
    required = list(dict.fromkeys(required))[:MAX_PIECES]
    excluded = [p for p in dict.fromkeys(excluded) if p not in required][:MAX_PIECES]
    return ParsedQuery(tuple(required), tuple(excluded), tuple(phrases))
