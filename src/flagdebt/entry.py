"""The `flagdebt` program: load the command line, run it, leave at once.

Two things only a program (not a library caller of `flagdebt.cli.main`) may do, which
make a pre-commit run about a sixth faster:
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


def run() -> None:
    """The console script and `python -m flagdebt`."""
    gc.disable()
    try:
        from flagdebt.cli import main
    finally:
        gc.freeze()
        gc.enable()
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:  # `main` reported a failing stdout already; the exit code says the rest
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)  # never returns
