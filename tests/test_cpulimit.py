"""The CPU-time limit holds even where the work swallows the first OutOfTime."""
import time

import pytest

from salon.cpulimit import OutOfTime, cpu_limit


def spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_long_work_is_stopped_inside_the_loop():
    started = time.process_time()
    with pytest.raises(OutOfTime), cpu_limit(0.05):
        spin(5)
    assert time.process_time() - started < 1


def test_a_swallowed_expiry_is_raised_again():
    """Python ignores exceptions in weakref callbacks and __del__: the signal must come back."""
    swallowed = 0
    with pytest.raises(OutOfTime), cpu_limit(0.02):
        for _ in range(1000):
            try:
                spin(0.01)
            except OutOfTime:
                swallowed += 1
                if swallowed == 1:
                    continue
                raise
    assert swallowed == 2


def test_work_that_swallows_every_expiry_fails_on_leaving():
    with pytest.raises(OutOfTime), cpu_limit(0.01):
        try:
            spin(0.05)
        except OutOfTime:
            pass


def test_quick_work_passes_and_leaves_no_timer():
    import signal

    with cpu_limit(1):
        total = sum(range(1000))
    assert total == 499500
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
