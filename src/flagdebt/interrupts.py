"""Ctrl-C and SIGTERM as KeyboardInterrupt, raised only where Python can take it cleanly.

Python's own SIGINT handler raises KeyboardInterrupt wherever the main thread happens to
be. Inside an import, a class body's `__set_name__` or a string `exec` (dataclasses and
namedtuple build their methods that way) that goes wrong: the exception becomes a
RuntimeError (a traceback), is swallowed by a weakref callback, or, having left a string
`exec`, is remembered by CPython as unhandled, so `python -m flagdebt` dies by SIGINT
(exit -2) after flagdebt caught it and chose 130. Here such a signal waits: it is tried
again every RETRY_SECONDS (SIGALRM) until the main thread is back in ordinary code, or
raised by `raise_pending` at the end of a phase.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
RETRY_SECONDS = 0.02
_UNSAFE_FILES = ("<frozen importlib._bootstrap", "<string>")
_UNSAFE_FUNCTIONS = frozenset({"__set_name__", "__init_subclass__", "__del__"})


def _can_raise_in(frame: FrameType | None) -> bool:
    """Whether a KeyboardInterrupt raised in `frame` reaches flagdebt's own handlers intact."""
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith(_UNSAFE_FILES) or code.co_name in _UNSAFE_FUNCTIONS:
            return False
        frame = frame.f_back
    return True


class _Interrupter:
    """The handler of SIGINT and SIGTERM (and of SIGALRM, which retries a deferred one)."""

    def __init__(self) -> None:
        self.pending: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGALRM:
            if self.pending is None:
                return
            signum, self.pending = self.pending, None
            handler = signal.getsignal(signum)  # the write phase may have its own by now
            if handler is not self and callable(handler):
                handler(signum, frame)
                return
            if handler is not self:
                return
        if _can_raise_in(frame):
            self.pending = None
            raise KeyboardInterrupt
        self.pending = signum
        signal.setitimer(signal.ITIMER_REAL, RETRY_SECONDS)


_active: list[_Interrupter] = []


def raise_pending() -> None:
    """Raise the KeyboardInterrupt of a signal still waiting for a safe point, if any."""
    if _active and _active[-1].pending is not None:
        _active[-1].pending = None
        signal.setitimer(signal.ITIMER_REAL, 0)
        raise KeyboardInterrupt


@contextmanager
def safe_interrupts(ignore_after: bool = False) -> Iterator[None]:
    """While inside, Ctrl-C and SIGTERM raise KeyboardInterrupt at a safe point.

    With `ignore_after` (the program is about to exit with the code it chose), later ones
    are ignored instead of restoring the previous handlers.
    """
    if threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):  # Windows: Python's own handling
        yield
        return
    interrupter = _Interrupter()
    numbers = (*STOP_SIGNALS, signal.SIGALRM)
    previous = {number: signal.signal(number, interrupter) for number in numbers}
    _active.append(interrupter)
    try:
        yield
        raise_pending()  # it came while the last step was finishing
    finally:
        _active.remove(interrupter)
        if ignore_after:
            for number in STOP_SIGNALS:
                signal.signal(number, signal.SIG_IGN)
        signal.setitimer(signal.ITIMER_REAL, 0)
        interrupter.pending = None
        for number, handler in previous.items():
            if not (ignore_after and number in STOP_SIGNALS):
                signal.signal(number, handler)
