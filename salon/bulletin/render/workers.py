"""The render processes: forked from a server that has loaded WeasyPrint and the fonts.

Kept free of heavy imports: the app package may start the server before the app is built.
"""
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor

PRELOAD = "salon.bulletin.render.preload"

_pool: ProcessPoolExecutor | None = None
_pool_size = 0


def worker_context():
    """The render processes' start method: forked from the preloaded fork server (never a
    fork of the web process with its threads and database connections)."""
    context = multiprocessing.get_context("forkserver")
    # The main module too: a worker would otherwise import it anew (the flask script).
    context.set_forkserver_preload(["__main__", PRELOAD])
    return context


def start_workers() -> None:
    """Start the fork server now (it loads WeasyPrint and the fonts) without waiting
    for it, so that its start overlaps other work of this process."""
    from multiprocessing import forkserver

    worker_context()
    forkserver.ensure_running()


def start_early_for_cli() -> None:
    """In `flask ... bulletin build`, start the render server while the app is still being
    imported and built: the first part can then be laid out as soon as it is planned.
    Any other process (web server, tests, other commands) starts it only when it builds."""
    args = sys.argv[1:]
    if any(args[i:i + 2] == ["bulletin", "build"] for i in range(len(args))):
        start_workers()


def pool(workers: int) -> ProcessPoolExecutor:
    """Worker processes kept for the life of this process (fonts stay loaded between builds)."""
    global _pool, _pool_size
    if _pool is None or _pool_size != workers:
        if _pool is not None:
            _pool.shutdown()
        _pool = ProcessPoolExecutor(workers, mp_context=worker_context())
        _pool_size = workers
    return _pool
