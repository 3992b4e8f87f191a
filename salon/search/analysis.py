"""Chinese text analysis: script folding, segmentation, Han bigrams and the policing dictionary.

The same functions analyse documents and queries, so both sides always agree. Whoosh's
tokenizer classes that wrap these functions live in `engine.py` (the only Whoosh importer)
and are pickled into the index by their import path, so neither module may move.
"""
import hashlib
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

USERDICT = Path(__file__).with_name("userdict.txt")
DEFAULT_FREQ = 50000  # high enough that a dictionary term wins over the split it would lose to

# Function words that carry no meaning for search: dropped from the segmented fields only.
# The bigram field keeps every character, so nothing a user types is ever unfindable.
STOP_WORDS = frozenset(
    "的 了 和 与 及 或 在 是 对 等 也 就 都 而 并 将 把 被 从 于 以 之 其 为 这 那 有 着 "
    "个 们 我 你 他 她 它 中 上 下 又 还 但 则 即 如 若 由 向 给 让 得 地 吧 吗 呢 啊 "
    "如何 怎么 怎样 什么 哪些 关于 "
    "a an and the of to in on for is are".split()
)

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RUN = re.compile(f"[{_HAN}]+")
# Han runs and runs of letters/digits: the units the bigram field and the query parser see.
WORD_RUN = re.compile(f"[{_HAN}]+|[^\\W{_HAN}_]+")


@cache
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Traditional → Simplified, keeping every character where it was (highlights need that)."""
    if not text:
        return ""
    converted = _converter().convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length: convert character by character instead.
    convert = _converter().convert
    return "".join(ch if len(c := convert(ch)) != 1 else c for ch in text)


def dictionary_lines() -> list[str]:
    """The user dictionary's entries (comments and blank lines left out)."""
    lines = USERDICT.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def dictionary_version() -> str:
    """`version` line plus a digest of the entries: any change to the file triggers a reindex."""
    text = USERDICT.read_text(encoding="utf-8")
    match = re.search(r"^#\s*version:\s*(\S+)", text, re.MULTILINE)
    digest = hashlib.sha256("\n".join(dictionary_lines()).encode()).hexdigest()[:12]
    return f"{match.group(1) if match else '0'}-{digest}"


@cache
def segmenter():
    """rjieba with the policing dictionary loaded (once per process)."""
    import rjieba

    jieba = rjieba.Jieba()
    for line in dictionary_lines():
        word, *rest = line.split()
        freq = int(rest[0]) if rest and rest[0].isdigit() else DEFAULT_FREQ
        jieba.add_word(fold(word), freq, None)
    return jieba


_WORDY = re.compile(r"[^\W_]")


def _meaningful(word: str) -> bool:
    return _WORDY.search(word) is not None


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """Search-mode words of folded text as (word, start, end), lower-cased, stop words out."""
    wordy, stops = _WORDY.search, STOP_WORDS
    for word, start, end in segmenter().tokenize(fold(text).lower(), mode="search"):
        if word not in stops and wordy(word):
            yield word, start, end


def query_words(text: str) -> list[str]:
    """Default-mode words of a query run (no overlapping sub-words), stop words out."""
    found = [w.lower() for w in segmenter().cut(fold(text)) if _meaningful(w)]
    return [w for w in found if w not in STOP_WORDS] or found


def grams(text: str) -> Iterator[tuple[str, int, int]]:
    """Overlapping Han bigrams (plus each run's last character) and whole letter/digit runs.

    Each token is (gram, start, end) with its character offset: the position of a bigram is
    where it starts, so a phrase of consecutive bigrams is exactly a substring.
    """
    folded = fold(text)
    for run in WORD_RUN.finditer(folded):
        value, base = run.group().lower(), run.start()
        if not HAN_RUN.fullmatch(value):
            yield value, base, run.end()
            continue
        for i in range(len(value) - 1):
            yield value[i : i + 2], base + i, base + i + 2
        # The last character alone, so a one-character query finds it at the end of a run too.
        yield value[-1], base + len(value) - 1, base + len(value)


def gram_sequence(piece: str) -> list[str]:
    """The bigrams that a folded Han run must show at consecutive positions."""
    if len(piece) == 1:
        return [piece]
    return [piece[i : i + 2] for i in range(len(piece) - 1)]
