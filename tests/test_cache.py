"""The package's one cache: size-bounded, least recently used out first, safe across threads."""
import threading

from salon.cache import LRUCache


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
