"""The one in-memory cache of the package: a size-bounded LRU map, safe to share by threads.

Eviction rule: every entry weighs `weigh(value)` (1 unless told otherwise); when the entries
together weigh more than `limit`, the least recently used ones are dropped, oldest first,
but never the one just put (so one oversized value is still kept until the next put).
Reading an entry makes it the most recently used.
"""
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any


def _one(_value: Any) -> int:
    return 1


class LRUCache:
    """Up to `limit` in weight of the most recently used entries."""

    def __init__(self, limit: int, weigh: Callable[[Any], int] = _one):
        self.limit, self.weigh = limit, weigh
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            if key in self._items:
                self._held -= self.weigh(self._items.pop(key))
            self._items[key] = value
            self._held += self.weigh(value)
            while len(self._items) > 1 and self._held > self.limit:
                _key, dropped = self._items.popitem(last=False)
                self._held -= self.weigh(dropped)

    def get_or_compute(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The kept value, or `compute()` kept. Computed outside the lock: two threads
        missing at once may both compute, and the later one is kept (values must be equal)."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._held = 0

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    @property
    def held(self) -> int:
        """The weight of what is kept now."""
        return self._held
