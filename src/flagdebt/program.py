"""Around every command, with or without click: closed or unencodable output, Ctrl-C,
and the one-line message and exit code of an error."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from flagdebt.model import FlagdebtError
from flagdebt.printable import printable


def run(command: Callable[[], int], program: bool) -> int:
    """Run `command` and return its exit code; an error is one line on stderr, never a
    traceback. `program`: the process is flagdebt itself (not a caller of `cli.main`), so
    Ctrl-C is ignored once the exit code is known."""
    from flagdebt.interrupts import safe_interrupts

    if sys.stdout is None or sys.stderr is None:
        return _closed_stream()
    _escape_unencodable()
    try:
        with safe_interrupts(ignore_after=program):
            code = command()
            sys.stdout.flush()
    except FlagdebtError as error:
        return report_error(error)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM outside a write
        sys.stderr.write("Aborted.\n")
        sys.stderr.flush()
        return 130
    except OSError as error:  # output closed or full, current folder deleted, ...
        return _os_error(error)
    return code


def report_error(error: FlagdebtError) -> int:
    """`flagdebt: error: …` on stderr, a line per line of the message; exit code 2."""
    for line in str(error).split("\n") or ["error"]:
        sys.stderr.write(f"flagdebt: error: {printable(line)}\n")
    sys.stderr.flush()
    return 2


def _cwd_exists() -> bool:
    try:
        os.getcwd()
    except FileNotFoundError:
        return False
    return True


def _silence_stdout() -> None:
    """After a failed write, point stdout at /dev/null so the exit flush cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _escape_unencodable() -> None:
    """A key with a lone surrogate or a file name with a non-UTF-8 byte prints as `\\udcff`."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")


def _closed_stream() -> int:
    if sys.stderr is not None:
        sys.stderr.write("flagdebt: error: standard output is closed\n")
    return 2


def _os_error(error: OSError) -> int:
    """One line on stderr (if it still works) for an OSError no command turned into a message."""
    if isinstance(error, FileNotFoundError) and not _cwd_exists():
        what = "the current folder no longer exists"
    elif error.filename is None:
        what = f"cannot write the output: {error.strerror or error}"
    else:
        what = f"{error.filename}: {error.strerror or error}"
    _silence_stdout()
    try:
        sys.stderr.write(f"flagdebt: error: {what}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    return 2
