"""SIGTERM and Ctrl-C for the report runner: raise in the main thread, and remember that they came.

A Python signal handler runs between two bytecodes of the main thread, wherever it is. If that happens to be
inside a weakref callback or a `__del__` (the garbage collector runs them), the exception the handler raises is
printed as "Exception ignored in ..." and lost, and the build would go on as if nothing had been asked. So the
handler records the signal before raising, and the runner's waiting loops call `check()`, which raises again
for a signal that was received but swallowed. While the handlers are installed, Python's report of such a
swallowed interrupt (sys.unraisablehook, which would print a traceback) is silenced: it is acted on instead.
"""

from __future__ import annotations

import signal
import sys
import threading

_received: list[int] = []
_previous_hook: list = []  # sys.unraisablehook before install()


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


def _unraisable(unraisable) -> None:
    """sys.unraisablehook while installed: drop the report of an interrupt that this module's handler raised
    inside a finaliser (check() acts on it); pass anything else to the previous hook."""
    if _received and isinstance(unraisable.exc_value, (Interrupted, KeyboardInterrupt)):
        return
    (_previous_hook[-1] if _previous_hook else sys.__unraisablehook__)(unraisable)


def install() -> dict:
    """Handle SIGTERM and SIGINT in the main thread (elsewhere: nothing); return the old handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    _received.clear()
    _previous_hook.append(sys.unraisablehook)
    sys.unraisablehook = _unraisable
    return {signum: signal.signal(signum, _handler) for signum in (signal.SIGTERM, signal.SIGINT)}


def restore(old: dict) -> None:
    """Put back the handlers (and the unraisable hook) `install` replaced and forget the signals received."""
    for signum, handler in old.items():
        signal.signal(signum, handler)
    if old:
        _received.clear()
        if _previous_hook:
            sys.unraisablehook = _previous_hook.pop()


def check() -> None:
    """Raise Interrupted (or KeyboardInterrupt) if a signal came whose exception may have been swallowed."""
    if _received:
        _raise_for(_received[0])
