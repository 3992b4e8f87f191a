"""A CPU-time limit around a piece of pure-Python work (Markdown rendering, Word conversion).

In the main thread — gunicorn's sync workers, the command line, tests — a CPU timer signal
(SIGPROF) raises `OutOfTime` inside the work once `seconds` of process CPU time have passed,
even in the middle of one long loop. Python ignores an exception raised where it cannot
propagate (a weakref callback, a `__del__`), so after the first expiry the timer keeps firing
every few milliseconds, and a block that still ends normally raises `OutOfTime` on leaving.
Other threads (the development server) cannot use signals: there the callers' own checks
between steps (and their limits on input size) bound the work.
"""
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

RETRY_SECONDS = 0.005


class OutOfTime(Exception):
    """The work used up its CPU time."""


@contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    """Raise OutOfTime inside the block after `seconds` of CPU time (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    state = {"armed": True, "expired": False}

    def expire(_signum, _frame):
        if state["armed"]:
            state["expired"] = True
            raise OutOfTime

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds, RETRY_SECONDS)
    try:
        yield
    finally:
        state["armed"] = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
    if state["expired"]:  # every raise was swallowed (or caught by the work): still too long
        raise OutOfTime
