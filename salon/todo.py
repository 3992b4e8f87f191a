"""我的待办 beyond problems: what other features add to a person's list and to the badge.

The problems feature owns the 我的待办 page and its badge; another feature whose work
waits on a person (a post for its 所长 to review, a public suggestion for the desk, a
bulletin for a leader to sign) registers a `Source` in its `init_app`: a count for the
badge (one COUNT query) and a page of items with the partial that shows them.
"""
from collections.abc import Callable
from dataclasses import dataclass

from .accounts.models import User
from .paging import Paging


@dataclass(frozen=True)
class Source:
    """One kind of work that waits on people."""

    key: str  # the section's anchor and the `kind` of its pages
    title: str  # the section's heading, e.g. "待我审核的稿件"
    count: Callable[[User], int]
    items: Callable[[User, Paging], object]  # a page of items (with .items and .total)
    template: str  # a partial shown with `page` (that page) and `source`


_SOURCES: dict[str, Source] = {}


def register(source: Source) -> None:
    """Add (or, for the same key, replace) a source; features call it from init_app."""
    _SOURCES[source.key] = source


def sources() -> list[Source]:
    return list(_SOURCES.values())


def count_for(user: User) -> int:
    """Everything the registered sources hold for this person."""
    if not user.is_authenticated:
        return 0
    return sum(source.count(user) for source in _SOURCES.values())


def sections_for(user: User, paging_of: Callable[[str], Paging]) -> list[tuple[Source, object]]:
    """The page's sections that hold something for this person, with one page each."""
    return [(source, source.items(user, paging_of(source.key)))
            for source in _SOURCES.values() if source.count(user)]
