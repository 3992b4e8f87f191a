"""A CPU-time limit around a piece of pure-Python work (Markdown rendering, Word conversion).

In the main thread — gunicorn's sync workers, the command line, tests — a CPU timer signal
(SIGPROF) raises `OutOfTime` inside the work once `seconds` of process CPU time have passed,
even in the middle of one long loop. Other threads (the development server) cannot use
signals: there the callers' own checks between steps (and their limits on input size) bound
the work.
"""
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class OutOfTime(Exception):
    """The work used up its CPU time."""


@contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    """Raise OutOfTime inside the block after `seconds` of CPU time (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    armed = True

    def expire(_signum, _frame):
        if armed:
            raise OutOfTime

    previous = signal.signal(signal.SIGPROF, expire)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
