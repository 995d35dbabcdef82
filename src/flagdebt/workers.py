"""Work spread over child processes that stop at once when the run is interrupted.

`multiprocessing.Pool` shares one task queue lock between its workers: a worker killed
by a Ctrl-C or SIGTERM sent to the whole process group can die holding it, and the pool's
shutdown then waits forever. Here each child gets its share of the jobs up front and its
own pipe back, ignores Ctrl-C and SIGTERM (the parent decides, see `interrupts`), and is
killed when the parent leaves the `with` block early. The parent waits in short slices,
so a signal that lands on another thread is handled within a tenth of a second.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

from flagdebt.model import FlagdebtError

J = TypeVar("J")
R = TypeVar("R")
POLL_SECONDS = 0.1


class WorkerFailed(FlagdebtError):
    """A child process ended without sending all of its results."""


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def ignore_interrupts() -> None:
    """In a child: leave Ctrl-C and SIGTERM to the parent, which kills the children.

    A child that died of a group SIGTERM while the parent still finished an import would
    leave the parent reading half a message instead of stopping.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while children start, so none is started but not yet known."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _work(function: Callable[[Any], Any], jobs: list[tuple[int, Any]], pipe: Connection) -> None:
    ignore_interrupts()
    for index, job in jobs:
        try:
            pipe.send((index, function(job), None))
        except Exception as error:  # the parent raises it
            pipe.send((index, None, error))
    pipe.close()


class Results(Generic[R]):
    """(job index, result) pairs in the order the children finish them."""

    def __init__(self, pipes: list[Connection], expected: int) -> None:
        self.pipes = pipes
        self.expected = expected

    def __iter__(self) -> Iterator[tuple[int, R]]:
        received = 0
        open_pipes = list(self.pipes)
        while open_pipes:
            for ready in wait(open_pipes, timeout=POLL_SECONDS):
                assert isinstance(ready, Connection)
                try:
                    index, result, error = ready.recv()
                except (EOFError, OSError):  # the child died, perhaps in mid-message
                    open_pipes.remove(ready)
                    continue
                if error is not None:
                    raise error
                received += 1
                yield index, result
        if received != self.expected:
            raise WorkerFailed(f"{self.expected - received} of {self.expected} jobs lost: "
                               "a worker process died")


@contextmanager
def worker_processes(function: Callable[[J], R], jobs: Sequence[J],
                     count: int) -> Iterator[Results[R]]:
    """Run `function` on each job in `count` child processes; killed if left early."""
    method = "fork" if forks() else "spawn"
    context = multiprocessing.get_context(method)
    children = []
    pipes: list[Connection] = []
    try:
        with _signals_held():
            for start in range(min(count, len(jobs))):
                reader, writer = context.Pipe(duplex=False)
                share = [(index, jobs[index]) for index in range(start, len(jobs), count)]
                child = context.Process(  # type: ignore[attr-defined]
                    target=_work, args=(function, share, writer), daemon=True)
                children.append(child)
                pipes.append(reader)
                child.start()
                writer.close()
        yield Results(pipes, len(jobs))
    finally:
        started = [child for child in children if child.pid is not None]
        for child in started:
            if child.is_alive():
                child.kill()
        for child in started:
            child.join()
        for pipe in pipes:
            pipe.close()


def forks() -> bool:
    """Can children be forked (they then share this process's memory, nothing pickled in)?"""
    return "fork" in multiprocessing.get_all_start_methods()


MAX_CLAIMED_JOBS = 8192  # job numbers wait in a pipe, which takes 16 KB anywhere before a write blocks


def claimed(function: Callable[[J], R], jobs: Sequence[J], count: int,
            meanwhile: Callable[[], object]) -> list[tuple[int, R]]:
    """`function` on every job, in `count` forked children and, once `meanwhile()` returns,
    in this process too: (job index, result) pairs in no particular order.

    The job numbers wait in a pipe and each process claims the next one when it is free
    (reads of a pipe are atomic), so a process that was busy elsewhere simply takes fewer.
    Needs `forks()` and at most MAX_CLAIMED_JOBS jobs.
    """
    reader, writer = os.pipe()
    try:
        os.write(writer, b"".join(number.to_bytes(2, "big") for number in range(len(jobs))))
        os.close(writer)
        writer = -1

        def claim_all(_: object) -> list[tuple[int, R]]:
            done = []
            while len(number := os.read(reader, 2)) == 2:
                index = int.from_bytes(number, "big")
                done.append((index, function(jobs[index])))
            return done

        with worker_processes(claim_all, [None] * count, count) as results:
            meanwhile()
            found = claim_all(None)
            for _, part in results:
                found.extend(part)
        return found
    finally:
        os.close(reader)
        if writer >= 0:
            os.close(writer)
