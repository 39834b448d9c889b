"""Worker processes that end with their parent, and Ctrl-C as one line.

A worker (the study's selection process, joblib/loky workers of the cross-validations) runs
:func:`watch_parent` as its initializer: a daemon thread that ends the worker as soon as its parent is gone (the
parent id changes when the parent dies, even by kill -9). :func:`workers_die_with_parent` makes joblib's loky
workers do so inside a ``with`` block.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator

POLL_S = 0.5


def watch_parent(parent: int | None = None, poll_s: float = POLL_S) -> None:
    """Initializer of a worker process: exit (without cleanup, as the parent can no longer receive anything)
    when the parent process is gone. ``parent`` is the pid the parent passed (``initargs=(os.getpid(),)``): a
    worker whose parent died while it was still starting up sees a different parent at once and exits."""
    parent = os.getppid() if parent is None else parent
    if os.getppid() != parent:
        os._exit(1)

    def loop() -> None:
        while True:
            time.sleep(poll_s)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=loop, name="rmbase-parent-watch", daemon=True).start()


@contextlib.contextmanager
def workers_die_with_parent() -> Iterator[None]:
    """joblib (hence scikit-learn's ``n_jobs``) starts its loky workers with :func:`watch_parent` in the block."""
    import joblib

    with joblib.parallel_config(backend="loky", initializer=watch_parent, initargs=(os.getpid(),)):
        yield


def fork_executor(max_workers: int):
    """A process pool whose workers end with their parent (:func:`watch_parent`) and leave Ctrl-C to it, started
    by ``fork`` where the platform has it: a forked worker inherits the modules its parent imported (numpy,
    pandas, scikit-learn...), so it starts in milliseconds instead of re-importing them for a second or more, as a
    spawned (loky) worker does. Elsewhere the platform's default start method is used. Use it through
    :func:`worker_pool`, which ends the workers at once when the block fails or is interrupted."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=max_workers, mp_context=multiprocessing.get_context(method),
                               initializer=_pool_worker, initargs=(os.getpid(),))


def _pool_worker(parent: int) -> None:
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends the workers
    # fresh stdout/stderr objects on the same descriptors: a thread of the parent (a progress line) may have held
    # the inherited ones' buffer lock at the fork, and a worker that flushed them at exit would then wait forever
    for name, fd in (("stdout", 1), ("stderr", 2)):
        stream = getattr(sys, name, None)
        if stream is not None:
            encoding = getattr(stream, "encoding", None) or "utf-8"
            try:
                fresh = open(fd, "w", encoding=encoding, errors="backslashreplace", closefd=False)  # noqa: SIM115
            except OSError:
                fresh = None
            setattr(sys, name, fresh)
    watch_parent(parent)


@contextlib.contextmanager
def worker_pool(max_workers: int) -> Iterator:
    """:func:`fork_executor` as a ``with`` block: on success it waits for the workers; when the block raises
    (an error, Ctrl-C), queued work is cancelled and the workers are terminated at once, not waited for."""
    pool = fork_executor(max_workers)
    try:
        yield pool
    except BaseException:
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for w in workers:
            with contextlib.suppress(Exception):
                w.terminate()
        raise
    pool.shutdown(wait=True)


class Interrupted(BaseException):
    """Ctrl-C, raised instead of KeyboardInterrupt while the CLI runs so that it ends in one line (a BaseException:
    ``except Exception`` in the library never swallows it; ``finally`` blocks and staged outputs still clean up)."""


RESUME_NOTE = ("interrupted: nothing half-written was kept; finished work stays where the command resumes from "
               "(train: OUT.work/ checkpoints, evaluate: .OUT.partial/ chunks, benchmarks run: finished benchmarks in "
               "OUT/; study, import, recommend and plan write only on success); rerun the same command to resume")


@contextlib.contextmanager
def ctrl_c_as_interrupted() -> Iterator[None]:
    """While the block runs in the main thread, SIGINT raises :class:`Interrupted` (restored afterwards)."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ANN001, ARG001 - signal handler signature
        raise Interrupted()

    before = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
