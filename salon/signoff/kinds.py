"""The kinds of document a leader signs (签发): a name, a title and a link for each.

A feature registers its kind in its `init_app`:

    register_kind("bulletin", label="专刊", title_of=lambda id: "…第3期专刊",
                  url_of=lambda id: "/bulletin/2026-11", fingerprint_of=lambda id: "…")

`title_of(subject_id)` names one document in messages and 我的待办; `titles_of(ids)`
(optional) names many in one query for the lists; `url_of(subject_id)` is a site-relative
link to the page where it is signed; `fingerprint_of(subject_id)` (optional) is the
content's fingerprint now: the generic buttons record it at 送审 and check it at 签发.
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..errors import Missing


@dataclass(frozen=True)
class Kind:
    """One kind of signed document."""

    key: str
    label: str
    title_of: Callable[[int], str]
    url_of: Callable[[int], str]
    fingerprint_of: Callable[[int], str] | None = None
    titles_of: Callable[[list[int]], dict[int, str]] | None = None

    def titles(self, ids: Iterable[int]) -> dict[int, str]:
        """The titles of many documents (one query where the kind gives `titles_of`)."""
        ids = list(dict.fromkeys(ids))
        if self.titles_of is not None:
            return self.titles_of(ids)
        return {i: self.title_of(i) for i in ids}


_KINDS: dict[str, Kind] = {}


def register_kind(key: str, *, label: str, title_of: Callable[[int], str],
                  url_of: Callable[[int], str], fingerprint_of=None, titles_of=None) -> Kind:
    """Add (or, for the same key, replace) a kind of document that needs 签发."""
    if not key or len(key) > 30:
        raise ValueError("kind key must be 1–30 characters")
    kind = Kind(key, label, title_of, url_of, fingerprint_of, titles_of)
    _KINDS[key] = kind
    return kind


def kind_of(key: str) -> Kind:
    """The registered kind (404 for an unknown one)."""
    kind = _KINDS.get(key)
    if kind is None:
        raise Missing("没有这类需要签发的文件。")
    return kind


def registered() -> list[Kind]:
    return list(_KINDS.values())
