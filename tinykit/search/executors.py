"""Executors: where the search's per-candidate work (costing, accuracy) runs.

An executor maps one function over many items and returns the results in the
items' order, so the search is the same whichever executor runs it; the
function and the items must be picklable values (``Coster``,
``SubnetAccuracy``, ``Architecture``) for any executor but the serial one.

- ``SerialExecutor``: this process, one item after another.
- ``ProcessExecutor``: a local pool of spawned processes.
- ``RayExecutor``: Ray remote tasks, on a local Ray instance or a cluster
  (the optional ``ray`` extra). Every node needs tinykit installed, as the
  tasks import it; the function is put in Ray's object store once per map,
  so its data (a super-network's weights, validation features) travels to
  each node once, not with every task.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import ModuleType
from typing import Any, Protocol, TypeVar

from tinykit.errors import TinykitError
from tinykit.optional import import_optional

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Runs one function over many items and returns the results in the items' order; ``close`` frees its workers."""

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """In this process, one item after another (tests, one-core machines, and work that needs this process's state)."""

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        return [function(item) for item in items]

    def close(self) -> None:
        pass


def _ignore_interrupts() -> None:
    """A pool worker's start: Ctrl-C reaches the whole process group, and the parent alone handles it (it
    stops the pool, keeps its checkpoints); workers that took it too would each print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessExecutor:
    """A local pool of ``workers`` processes. Workers are spawned, not forked: the parent has TensorFlow's
    threads running, and a forked copy of a multithreaded process can deadlock."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_ignore_interrupts)
        return list(self._pool.map(function, items))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)  # after an interrupt, the batch's unstarted costs are dropped
            self._pool = None


def _call(function: Callable[[T], R], item: T) -> R:
    """One Ray task: Ray resolves ``function`` (an object-store reference) before the call."""
    return function(item)


CONNECT_TIMEOUT_S = 5.0


def _refuse_unreachable(address: str) -> None:
    """Refuse a cluster address nothing answers at: Ray itself would retry for minutes before failing."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if address == "auto" or not host or not port.isdigit():
        return  # Ray finds "auto" itself, and says what is wrong with a malformed address
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as error:
        raise TinykitError(
            f"no Ray cluster answers at {address} ({error.strerror or error}). Start its head with `ray start "
            "--head` and pass the address it prints (--ray-address HOST:6379), or leave --ray-address out to "
            "start a local Ray instance.") from None


def import_ray() -> ModuleType:
    """Ray, or a TinykitError naming the ``ray`` extra's install line."""
    return import_optional("ray", "Running the search on Ray (--executor ray)", "ray")


class RayExecutor:
    """Ray remote tasks, one per item, on the Ray instance at ``address`` ("auto", "HOST:PORT" of a running
    cluster's head, or "ray://HOST:10001" for Ray Client); None starts a local instance, unless Ray is already
    initialised in this process (then that one is used, and left running)."""

    def __init__(self, address: str | None = None) -> None:
        self.address = address
        self._ray: ModuleType | None = None
        self._task: Any = None
        self._started = False  # Ray is shut down on close only if this executor started it

    def _connect(self) -> ModuleType:
        if self._ray is not None:
            return self._ray
        ray = import_ray()
        if not ray.is_initialized():
            if self.address is not None:
                _refuse_unreachable(self.address)
            ray.init(address=self.address)
            self._started = True
        self._ray = ray
        self._task = ray.remote(_call)
        return ray

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        ray = self._connect()
        shared = ray.put(function)  # once per map: each node fetches it once, not once per task
        try:
            return list(ray.get([self._task.remote(shared, item) for item in items]))
        except ray.exceptions.RayTaskError as error:
            # A task's own TinykitError already names cause and fix; Ray's wrapper would add a remote traceback.
            if isinstance(error.cause, TinykitError):
                raise error.cause from None
            raise

    def close(self) -> None:
        if self._started and self._ray is not None:
            self._ray.shutdown()
        self._ray, self._task, self._started = None, None, False
