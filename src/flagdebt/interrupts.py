"""Ctrl-C and SIGTERM as KeyboardInterrupt, raised only where Python can take it cleanly.

Python's own SIGINT handler raises KeyboardInterrupt wherever the main thread happens to
be. Inside an import, a class body's `__set_name__` or a string `exec` (dataclasses and
namedtuple build their methods that way) that goes wrong: the exception becomes a
RuntimeError (a traceback), is swallowed by a weakref callback, or, having left a string
`exec`, is remembered by CPython as unhandled, so `python -m flagdebt` dies by SIGINT
(exit -2) after flagdebt caught it and chose 130. Here such a signal waits: a short-lived
thread sends it to the main thread again after RETRY_SECONDS, until the main thread is
back in ordinary code; `raise_pending` raises it at the end of a phase. (No SIGALRM, so a
program that runs `main` in-process keeps its own alarms.)
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
RETRY_SECONDS = 0.02
_IMPORTING = "<frozen importlib._bootstrap"
_UNSAFE_FUNCTIONS = frozenset({"__set_name__", "__init_subclass__", "__del__"})


def _can_raise_in(frame: FrameType | None, outermost: FrameType | None) -> bool:
    """Whether a KeyboardInterrupt raised in `frame` reaches flagdebt's handlers intact
    (the frames from `frame` out to `outermost`, the one that entered `safe_interrupts`)."""
    while frame is not None and frame is not outermost:
        code = frame.f_code
        if code.co_filename.startswith(_IMPORTING) or code.co_name in _UNSAFE_FUNCTIONS \
                or (code.co_name == "<module>" and code.co_filename == "<string>"):  # exec("…")
            return False
        frame = frame.f_back
    return True


class _Interrupter:
    """The handler of SIGINT and SIGTERM while `safe_interrupts` is active."""

    def __init__(self, outermost: FrameType | None) -> None:
        self.outermost = outermost
        self.pending: int | None = None
        self.timer: threading.Timer | None = None
        self.resent = False
        self.closed = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.resent and self.pending is None:  # a retry of a signal already raised
            self.resent = False
            return
        self.resent = False
        if _can_raise_in(frame, self.outermost):
            self.clear()
            raise KeyboardInterrupt
        self.pending = signum
        if self.timer is None or not self.timer.is_alive():  # one retry in flight at a time
            self.timer = threading.Timer(RETRY_SECONDS, self._resend, (signum,))
            self.timer.daemon = True
            self.timer.start()

    def _resend(self, signum: int) -> None:
        if not self.closed:
            self.resent = True
            signal.pthread_kill(threading.main_thread().ident or 0, signum)

    def clear(self) -> None:
        self.pending = None
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


_active: list[_Interrupter] = []


def raise_pending() -> None:
    """Raise the KeyboardInterrupt of a signal still waiting for a safe point, if any."""
    if _active and _active[-1].pending is not None:
        _active[-1].clear()
        raise KeyboardInterrupt


@contextmanager
def safe_interrupts(ignore_after: bool = False) -> Iterator[None]:
    """While inside, Ctrl-C and SIGTERM raise KeyboardInterrupt at a safe point.

    With `ignore_after` (the program is about to exit with the code it chose), later ones
    are ignored instead of restoring the previous handlers.
    """
    if threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "pthread_kill"):  # Windows: Python's own handling
        yield
        return
    interrupter = _Interrupter(_caller(sys._getframe(1)))
    previous = {number: signal.signal(number, interrupter) for number in STOP_SIGNALS}
    _active.append(interrupter)
    try:
        yield
        raise_pending()  # it came while the last step was finishing
    finally:
        _active.remove(interrupter)
        interrupter.closed = True
        interrupter.clear()
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_IGN if ignore_after else handler)


def _caller(frame: FrameType | None) -> FrameType | None:
    """The frame of the `with safe_interrupts()` statement, past contextlib's own frames."""
    while frame is not None and frame.f_code.co_filename.endswith("contextlib.py"):
        frame = frame.f_back
    return frame
