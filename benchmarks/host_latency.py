"""Host latency: tinykit's generated C against tflite-micro's interpreter, both on this machine's CPU.

Wall-clock time on the host CPU, not a microcontroller figure: both sides are
called from Python (tinykit's shared library through ctypes, tflite-micro
through its Python binding), the same random int8 input is loaded before each
call, the two take turns call by call, and only the invoke call itself is
timed. The figure is the median of ``runs`` calls after ``warmups`` untimed ones.
"""

from __future__ import annotations

import ctypes
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from tinykit.build import CompiledModel, build
from tinykit.errors import TinykitError
from tinykit.verify.compare import random_samples
from tinykit.verify.tflm import tflm_arena

from benchmarks.models import trivial_model

SAMPLE_SEED = 0
# Room over tflite-micro's recorded arena for alignment padding, which depends on the arena's address.
ARENA_MARGIN_BYTES = 64 * 1024


class GeneratedModel:
    """tinykit's host shared library (`libtinykit_model.so` of a host build), driven through ctypes."""

    def __init__(self, library: Path, inputs: list[np.ndarray]) -> None:
        self._library = ctypes.CDLL(str(library))
        self._library.tk_model_invoke.restype = ctypes.c_int
        self._library.tk_model_input.restype = ctypes.c_void_p
        self._library.tk_model_input.argtypes = [ctypes.c_int32]
        self._inputs = [np.ascontiguousarray(array) for array in inputs]

    def load_inputs(self) -> None:
        # The arena reuses the input's bytes once the first layers are done, so
        # every inference starts by copying the input in (as the firmware does).
        for index, array in enumerate(self._inputs):
            ctypes.memmove(self._library.tk_model_input(index), array.ctypes.data, array.nbytes)

    def invoke(self) -> None:
        status = self._library.tk_model_invoke()
        if status != 0:
            raise TinykitError(
                f"tk_model_invoke returned status {status} on the host build: the generated code refused the "
                "model at run time; rebuild it with `tinykit build` and check it with `tinykit verify`."
            )


class TflmModel:
    """tflite-micro's interpreter through its Python binding, with an arena sized from its own record."""

    def __init__(self, model: bytes, inputs: list[np.ndarray]) -> None:
        from tflite_micro.python.tflite_micro import runtime

        # The recording allocator's total is what the model needs.
        arena_bytes = tflm_arena(model).total + ARENA_MARGIN_BYTES
        self._interpreter = runtime.Interpreter.from_bytes(model, arena_size=arena_bytes)
        self._inputs = inputs

    def load_inputs(self) -> None:
        for index, array in enumerate(self._inputs):
            self._interpreter.set_input(array, index)

    def invoke(self) -> None:
        self._interpreter.invoke()


class Invokable(Protocol):
    """Either side above: inputs loaded, then one inference."""

    def load_inputs(self) -> None: ...
    def invoke(self) -> None: ...


def _summary(timings: list[float], warmups: int) -> dict:
    return {"median_us": statistics.median(timings), "min_us": min(timings), "max_us": max(timings),
            "runs": len(timings), "warmups": warmups}


def interleaved_invoke_microseconds(models: Sequence[Invokable], runs: int, warmups: int) -> list[dict]:
    """Median, min and max of ``runs`` timed invoke calls per model (inputs loaded untimed before each).

    The models take turns call by call, so that a load change on the machine
    (other processes on a shared CPU) falls on all of them alike, not on
    whichever happened to be measured second.
    """
    for _ in range(warmups):
        for model in models:
            model.load_inputs()
            model.invoke()
    timings: list[list[float]] = [[] for _ in models]
    for _ in range(runs):
        for model, times in zip(models, timings):
            model.load_inputs()
            started = time.perf_counter_ns()
            model.invoke()
            times.append((time.perf_counter_ns() - started) / 1000.0)
    return [_summary(times, warmups) for times in timings]


def compare_host_latency(compiled: CompiledModel, runs: int, warmups: int) -> dict:
    """Both invoke times for one host build (``compiled`` built with board ``host``) and their ratio."""
    (sample,) = random_samples(compiled.graph, 1, SAMPLE_SEED)
    library = compiled.folder / "host" / "libtinykit_model.so"
    if not library.exists():
        raise TinykitError(
            f"{compiled.folder} has no host library ({library}): the host latency needs a host build; "
            "build the model for the host board (`tinykit build MODEL --board host`) into that folder."
        )
    ours = GeneratedModel(library, sample)
    theirs = TflmModel(compiled.tflite.read_bytes(), sample)
    tinykit_time, tflm_time = interleaved_invoke_microseconds([ours, theirs], runs, warmups)
    return {
        "tinykit": tinykit_time,
        "tflm": tflm_time,
        "ratio_tinykit_to_tflm": tinykit_time["median_us"] / tflm_time["median_us"],
    }


def call_overhead(folder: Path, runs: int, warmups: int) -> dict:
    """Invoke times of a one-element, one-op model (see ``models.trivial_model``) on both sides.

    Each figure is what one call from Python costs when the model does almost
    nothing: ctypes' call overhead for tinykit; for tflite-micro, its Python
    binding's overhead plus the interpreter's dispatch of one op. It is an upper
    bound on how much of a model's ``tflm`` figure is the binding, not the kernels.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tflite = folder / "trivial.tflite"
    tflite.write_bytes(trivial_model())
    return compare_host_latency(build(tflite, folder / "build"), runs, warmups)


def ratio_net_of_call_overhead(latency: dict, overhead: dict) -> float:
    """tinykit/tflm with each side's one-op call time (``call_overhead``) taken off its median:
    closer to a kernels-against-kernels ratio on models so small that calling them costs a visible share."""
    ours = latency["tinykit"]["median_us"] - overhead["tinykit"]["median_us"]
    theirs = latency["tflm"]["median_us"] - overhead["tflm"]["median_us"]
    return ours / theirs
