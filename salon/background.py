"""Work that runs outside the request (bulletin builds, large ledger exports).

Jobs are rows in the database; each queue has a daemon thread per app process that runs the
queued jobs when woken and also looks now and then, for jobs queued by other processes. The
claim on a job is a conditional UPDATE, so with several processes each job runs once.
"""
import logging
import threading
from collections.abc import Callable

from flask import Flask, current_app

from .extensions import db

log = logging.getLogger(__name__)
POLL_SECONDS = 5


class Queue:
    """`run_pending()` runs the queued jobs of one kind; `wake()` asks for it to run soon.

    Where `manual()` is true (a setting the tests turn on), nothing runs in the background:
    the caller runs `run_pending()` itself."""

    def __init__(self, name: str, run_pending: Callable[[], int],
                 manual: Callable[[], bool]) -> None:
        self.name, self.run_pending, self.manual = name, run_pending, manual
        self._wakeup = threading.Event()
        self._started: set[int] = set()
        self._lock = threading.Lock()

    def wake(self) -> None:
        if self.manual():
            return
        self._ensure_thread(current_app._get_current_object())
        self._wakeup.set()

    def _ensure_thread(self, app: Flask) -> None:
        with self._lock:
            if id(app) in self._started:
                return
            self._started.add(id(app))
        threading.Thread(target=self._work, args=(app,), name=self.name, daemon=True).start()

    def _work(self, app: Flask) -> None:
        while True:
            self._wakeup.wait(timeout=POLL_SECONDS)
            self._wakeup.clear()
            try:
                with app.app_context():
                    self.run_pending()
                    db.session.remove()
            except Exception:
                log.exception("background queue %s", self.name)
