"""The unités légales imported on a second connection while the establishments are read (staging and reload)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


class OnSecondConnection:
    """`function()` run in a daemon thread, whose connection to `using` is its own (closed when it ends).

    `result()` waits for it, then returns its value or raises its exception in the caller's thread; `join()` only
    waits (after the caller's own failure, when the thread's outcome no longer matters)."""

    def __init__(self, function: Callable, *, using: str, name: str):
        self._outcome: dict = {}

        def run():
            try:
                self._outcome["value"] = function()
            except BaseException as exc:  # re-raised by result(), in the caller's thread
                self._outcome["error"] = exc
            finally:
                connections[using].close()

        self._thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def result(self):
        self._thread.join()
        if "error" in self._outcome:
            raise self._outcome["error"]
        return self._outcome["value"]
