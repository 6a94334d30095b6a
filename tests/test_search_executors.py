"""The search's executors on a real local Ray instance (the `ray` extra, which `make setup` installs): Ray tasks
cost members of the quick space exactly as this process does, and measure sub-networks of a small trained
super-network to the same accuracy floats as this process; a RayExecutor leaves a Ray it did not start running;
without Ray the executor says how to install it, and an address no cluster answers at is refused at once."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Iterator
from types import ModuleType

import numpy as np
import pytest

from tinykit.boards import get_board
from tinykit.errors import TinykitError
from tinykit.kws.dataset import LABELS
from tinykit.latency.model import load_latency
from tinykit.latency.resources import load_flash
from tinykit.search.accuracy import SubnetAccuracy
from tinykit.search.evolution import Coster
from tinykit.search.executors import RayExecutor, SerialExecutor
from tinykit.search.run import QUICK_SPACE
from tinykit.search.supernet import Supernet

CLASSES = len(LABELS)
SMALL_SPACE = QUICK_SPACE.narrowed(0.5, (49, 8))  # the quick space's smallest pair: 8 to 16 channels


def test_without_ray_the_executor_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as it does where Ray is not installed
    with pytest.raises(TinykitError, match=r"needs the Python package ray.*pip install 'tinykit\[ray\]'"):
        RayExecutor().map(abs, [-1])


def test_an_address_no_cluster_answers_at_is_refused_at_once() -> None:
    # Before the tests that use the fixture below: an executor connects only while Ray is not initialised here.
    with socket.socket() as probe:  # a loopback port nothing listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    with pytest.raises(TinykitError, match=rf"no Ray cluster answers at 127.0.0.1:{port}.*ray start --head"):
        RayExecutor(f"127.0.0.1:{port}").map(abs, [-1])
    assert time.perf_counter() - started < 10  # not Ray's minutes of retries


@pytest.fixture(scope="module")
def local_ray() -> Iterator[ModuleType]:
    import ray

    ray.init(num_cpus=2, include_dashboard=False)
    yield ray
    ray.shutdown()


def _members(count: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [SMALL_SPACE.largest(), SMALL_SPACE.smallest()] + [SMALL_SPACE.sample(rng) for _ in range(count - 2)]


def test_ray_tasks_cost_the_quick_space_exactly_as_this_process(local_ray: ModuleType) -> None:
    board = get_board("qemu_m7")
    coster = Coster(board, load_flash(board), load_latency("qemu_m7"), CLASSES)
    rng = np.random.default_rng(0)
    archs = [QUICK_SPACE.sample(rng) for _ in range(6)]
    executor = RayExecutor()
    try:
        on_ray = executor.map(coster, archs)
    finally:
        executor.close()
    assert on_ray == SerialExecutor().map(coster, archs)
    assert len({cost.macs for cost in on_ray}) > 1  # different members, so the order is checked too
    assert local_ray.is_initialized()  # the executor did not start this Ray, so it left it running


def test_ray_tasks_measure_the_same_accuracies_as_this_process(local_ray: ModuleType) -> None:
    # Learnable synthetic features (each class a fixed pattern plus noise), so that one short epoch of sandwich
    # training gives sub-networks different accuracies and an equality below says something.
    rng = np.random.default_rng(1)
    patterns = rng.normal(size=(CLASSES, *SMALL_SPACE.largest().input_shape)).astype(np.float32)
    labels = rng.integers(CLASSES, size=192)
    features = (patterns[labels] + rng.normal(size=(192, *patterns.shape[1:]))).astype(np.float32)
    supernet = Supernet(SMALL_SPACE, CLASSES, seed=0)
    supernet.train(features[:128], labels[:128], epochs=1, batch_size=32, random_subnets=1)
    measure = SubnetAccuracy.of(supernet, features[128:], labels[128:], [features[:32], features[32:64]])

    archs = _members(3, seed=2)
    in_process = SerialExecutor().map(measure, archs)  # with the trained super-network itself
    executor = RayExecutor()
    try:
        on_ray = executor.map(measure, archs)  # each Ray worker rebuilds it from the shipped weights
    finally:
        executor.close()
    assert on_ray == in_process
    assert len(set(in_process)) > 1, in_process
