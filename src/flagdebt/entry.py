"""The `flagdebt` program: load the command line, run it, leave at once.

Three things only a program (not a library caller of `flagdebt.cli.main`) may do, which
together make a pre-commit run about twice as fast:
- A plain `flagdebt check [OPTION…] PATH…` (what pre-commit runs) is parsed by
  `flagdebt.quickcheck` and run without importing click; any other command line goes to
  click (`flagdebt.cli`).
- The cyclic garbage collector is off while the modules load (they create objects that
  live as long as the process, never garbage), and those objects are then frozen out of
  later collections.
- Once the command has finished and its output is flushed, the process exits directly:
  the interpreter's teardown of every module and object changes nothing on disk (files are
  written and closed, the cache saved, worker processes joined by then).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from typing import NoReturn


def run() -> None:
    """The console script and `python -m flagdebt`."""
    gc.disable()
    try:
        command = _command(sys.argv[1:])
    except KeyboardInterrupt:  # Ctrl-C while the modules load, before `program.run` takes over
        _leave("Aborted.\n", 130)
    finally:
        gc.freeze()
        gc.enable()
    code = command()
    for stream in (sys.stdout, sys.stderr):
        try:  # `main` reported a failing stdout already; the exit code says the rest
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)  # never returns


def _leave(message: str, code: int) -> NoReturn:
    try:
        sys.stderr.write(message)
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    os._exit(code)


def _command(argv: list[str]) -> Callable[[], int]:
    """The command line, parsed and with its modules loaded, ready to run."""
    from flagdebt import quickcheck

    params = quickcheck.parse(argv)
    if params is None:
        from flagdebt.cli import main

        return main
    import flagdebt.check  # noqa: F401  loaded with the collector off, like the rest

    return lambda: quickcheck.run(params, program=True)
