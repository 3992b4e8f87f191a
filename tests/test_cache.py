"""The package's one cache: size-bounded, least recently used out first, safe across threads."""
import ast
import threading
from pathlib import Path

from salon.cache import LRUCache

ROOT = Path(__file__).resolve().parent.parent


def test_least_recently_used_goes_first():
    cache = LRUCache(3)
    for key in "abc":
        cache.put(key, key.upper())
    assert cache.get("a") == "A"  # now the most recently used
    cache.put("d", "D")
    assert "b" not in cache and [k in cache for k in "acd"] == [True, True, True]
    assert cache.get("b", "missing") == "missing"
    assert len(cache) == 3


def test_weighed_entries_keep_the_total_under_the_limit_but_never_drop_the_newest():
    cache = LRUCache(10, weigh=len)
    cache.put("a", [0] * 4)
    cache.put("b", [0] * 4)
    cache.put("c", [0] * 4)  # 12 > 10: the oldest goes
    assert "a" not in cache and cache.held == 8
    cache.put("huge", [0] * 50)  # alone over the limit: kept until the next put
    assert len(cache) == 1 and cache.get("huge") is not None and cache.held == 50
    cache.put("b", [0] * 2)
    assert "huge" not in cache and cache.held == 2


def test_replacing_an_entry_counts_its_weight_once():
    cache = LRUCache(10, weigh=len)
    cache.put("a", "xxxxx")
    cache.put("a", "xx")
    assert cache.held == 2 and len(cache) == 1


def test_get_or_compute_computes_once_and_clear_forgets():
    cache, calls = LRUCache(2), []

    def compute():
        calls.append(1)
        return 42

    assert cache.get_or_compute("k", compute) == 42
    assert cache.get_or_compute("k", compute) == 42
    assert len(calls) == 1
    cache.clear()
    assert cache.get_or_compute("k", compute) == 42 and len(calls) == 2 and cache.held == 1


def test_threads_sharing_a_cache_keep_it_consistent():
    cache = LRUCache(50, weigh=len)
    errors = []

    def work(n):
        try:
            for i in range(2000):
                cache.put((n, i % 70), "x" * (i % 5 + 1))
                cache.get((n, (i * 7) % 70))
        except Exception as error:  # pragma: no cover - the assertion below reports it
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert cache.held <= 50
    assert cache.held == sum(len(cache.get(key)) for key in list(cache._items))


# functools caches keep every argument they were ever called with. Allowed only where the
# arguments are a fixed few: HarfBuzz faces and fonts of the bundled font files, which live
# as long as the process.
FIXED_ARGUMENTS = {"salon/bulletin/render/fontmerge.py:_face",
                   "salon/bulletin/render/fontmerge.py:_font"}


def _functools_cached() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in sorted((ROOT / "salon").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                name = target.attr if isinstance(target, ast.Attribute) else getattr(
                    target, "id", "")
                if name in ("cache", "lru_cache"):
                    found.append((f"{path.relative_to(ROOT)}:{node.name}", node))
    return found


def test_every_cache_keyed_by_its_arguments_is_the_bounded_lru():
    """A copy's text (holder, minute, id) is new with each download: a functools cache on it
    grew by one entry per download for the life of the worker."""
    found = _functools_cached()
    assert found  # the scan sees the load-once functions
    keyed = sorted(where for where, node in found
                   if (node.args.args or node.args.kwonlyargs or node.args.vararg)
                   and where not in FIXED_ARGUMENTS)
    assert not keyed, f"use salon.cache.LRUCache for these: {keyed}"
