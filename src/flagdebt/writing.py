"""The write phase of `remove` and `fix`: one file at a time, stopping cleanly on Ctrl-C.

Each file is replaced atomically (see `fileio`); between files, SIGINT and SIGTERM only
ask the loop to stop, so an interrupted run has written whole files, and says which.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from flagdebt.fileio import WriteRefused
from flagdebt.removal import Change, write_change

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class Written:
    """What the write phase did: files written, files left alone with the reason, interrupted."""

    written: list[Change] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    interrupted: bool = False


class _StopRequest:
    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


@contextmanager
def deferred_stop() -> Iterator[_StopRequest]:
    """While inside, SIGINT and SIGTERM set a flag instead of stopping the process."""
    stop = _StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def write_changes(changes: Sequence[Change], root: Path | None,
                  after_each: Callable[[Change], None] = lambda change: None) -> Written:
    """Write each change; a signal stops the loop after the file being written."""
    result = Written()
    with deferred_stop() as stop:
        for change in changes:
            if stop.requested:
                break
            try:
                write_change(change, root)
            except WriteRefused as error:
                result.failures.append((change.source.display, str(error)))
                continue
            result.written.append(change)
            after_each(change)
        result.interrupted = stop.requested
    return result
