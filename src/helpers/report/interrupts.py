"""SIGTERM and Ctrl-C for the report runner: raise in the main thread, and remember that they came.

A Python signal handler runs between two bytecodes of the main thread, wherever it is. If that happens to be
inside a weakref callback or a `__del__` (the garbage collector runs them), the exception the handler raises is
printed as "Exception ignored in ..." and lost, and the build would go on as if nothing had been asked. So the
handler records the signal before raising, and the runner's waiting loops call `check()`, which raises again
for a signal that was received but swallowed.
"""

from __future__ import annotations

import signal
import threading

_received: list[int] = []


class Interrupted(BaseException):
    """Raised in the main thread on SIGTERM (Ctrl-C raises KeyboardInterrupt)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_for(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Interrupted(signum)


def _handler(signum: int, _frame) -> None:
    _received.append(signum)
    _raise_for(signum)


def install() -> dict:
    """Handle SIGTERM and SIGINT in the main thread (elsewhere: nothing); return the old handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    _received.clear()
    return {signum: signal.signal(signum, _handler) for signum in (signal.SIGTERM, signal.SIGINT)}


def restore(old: dict) -> None:
    """Put back the handlers `install` replaced and forget the signals received."""
    for signum, handler in old.items():
        signal.signal(signum, handler)
    if old:
        _received.clear()


def check() -> None:
    """Raise Interrupted (or KeyboardInterrupt) if a signal came whose exception may have been swallowed."""
    if _received:
        _raise_for(_received[0])
