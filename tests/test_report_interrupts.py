"""The runner's signal handling: a SIGTERM whose exception is swallowed (it arrived inside a finaliser) is
still acted on, because the handler records it and the waiting loops call `interrupts.check()`."""

from __future__ import annotations

import os
import signal
import sys

import pytest

from helpers.report import interrupts


@pytest.fixture
def handlers():
    old = interrupts.install()
    yield
    interrupts.restore(old)


def test_check_does_nothing_without_a_signal(handlers) -> None:
    interrupts.check()


def test_sigterm_swallowed_in_a_finaliser_is_raised_by_check_and_not_printed(monkeypatch) -> None:
    reported = []
    monkeypatch.setattr(
        sys, "unraisablehook", reported.append
    )  # what Python would print ("Exception ignored")
    old = interrupts.install()

    class Finaliser:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(100_000):  # the handler runs at one of these back-edges, inside __del__
                pass

    try:
        Finaliser()  # dropped at once: __del__ runs here and Python ignores what it raised
        assert reported == []  # not printed as a traceback ...
        with pytest.raises(interrupts.Interrupted) as caught:  # ... but acted on
            interrupts.check()
        assert caught.value.signum == signal.SIGTERM
        Finaliser.__del__ = lambda self: [].pop()  # any other exception in a finaliser is still reported
        Finaliser()
        assert [type(u.exc_value) for u in reported] == [IndexError]
    finally:
        interrupts.restore(old)
    assert sys.unraisablehook == reported.append


def test_sigint_is_raised_as_keyboard_interrupt_again(handlers) -> None:
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100_000):
            pass
    with pytest.raises(KeyboardInterrupt):
        interrupts.check()


def test_restore_forgets_signals_and_puts_back_the_old_handlers() -> None:
    before = signal.getsignal(signal.SIGTERM)
    old = interrupts.install()
    with pytest.raises(interrupts.Interrupted):
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100_000):
            pass
    interrupts.restore(old)
    assert signal.getsignal(signal.SIGTERM) is before
    interrupts.check()  # nothing pending any more
