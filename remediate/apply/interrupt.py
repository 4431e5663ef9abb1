"""Ctrl-C and SIGTERM during `apply` (apply.md, "Interruptions and requests").

`timeout`, systemd and CI stop a process with SIGTERM, a terminal with SIGINT: both mean the same
here. The handlers only record what happened (a handler that printed or wrote to a pipe could
interrupt the main thread in the middle of the same write); the scheduler, which looks every
fraction of a second, does the rest: on the first signal it cancels the running hosts (each
signals its command and deletes its shell) and skips the others; on a second one it waits at most
GRACE seconds more for them, then gives up on those still running, so that the result document
and every host's journal line are still written. The exit status of an interrupted run is 5.
"""

from __future__ import annotations

import signal
import threading
import time

GRACE = 5.0         # seconds a second signal still waits for the running hosts' cleanup
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interruption:
    """Installs the handlers for the `with` block; `cancel` is the event the hosts' runs watch."""

    def __init__(self, cancel: threading.Event, grace: float = GRACE):
        self.cancel, self.grace = cancel, grace
        self.signals = 0
        self.give_up_at: float | None = None
        self.abandoned = False           # hosts were left running: the process must not wait for them
        self._previous: dict[int, object] = {}

    def __enter__(self) -> Interruption:
        if threading.current_thread() is threading.main_thread():
            for number in SIGNALS:
                self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]

    def _handle(self, number: int, frame: object) -> None:
        self.signals += 1
        self.cancel.set()
        if self.signals > 1 and self.give_up_at is None:
            self.give_up_at = time.monotonic() + self.grace

    @property
    def interrupted(self) -> bool:
        return self.cancel.is_set()

    def gave_up(self) -> bool:
        """True once a second signal's grace has run out."""
        return self.give_up_at is not None and time.monotonic() >= self.give_up_at
