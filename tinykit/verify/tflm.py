"""The reference: run an int8 ``.tflite`` in TF Lite Micro's host interpreter.

tinykit's generated C must match tflite-micro bit for bit, so the verifier and
the tests compare against the real interpreter (the ``tflite-micro`` Python
package), never a re-implementation. This module also reports how much arena
tflite-micro itself needs for a model, which the benchmarks set beside
tinykit's planned arena.
"""

from __future__ import annotations

import re
import signal
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinykit.errors import TinykitError
from tinykit.verify.child import run_bounded

# tflite-micro's Python wrapper dereferences a null pointer (and kills the
# process) when the arena cannot even hold the interpreter's own bookkeeping,
# so never offer it less than this.
_MIN_ARENA_BYTES = 64 * 1024
# The wrapper's own heuristic is ten times the model size; when that is too
# small (activation-heavy models with few weights) the arena is doubled and
# allocation retried, up to this ceiling.
_MAX_ARENA_BYTES = 512 * 1024 * 1024
# The child gets this long (plus time for the samples' MACs at a pace far below
# the interpreter's), and may write its reply and messages up to this size.
_CHILD_BASE_SECONDS = 120.0
_CHILD_MACS_PER_SECOND = 2e6
_CHILD_MAX_FILE_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class TflmArena:
    """Arena bytes tflite-micro's recording allocator used for a model.

    ``head`` is the planned (non-persistent) part holding activations and
    scratch buffers, ``tail`` the persistent part (tensor structs, quantization
    constants, kernel state), ``total`` their sum as tflite-micro reports it.
    """

    head: int
    tail: int
    total: int


def _io_counts(model: bytes) -> tuple[int, int]:
    """Number of inputs and outputs of the model's main subgraph; refuses what is not a .tflite."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    not_a_model = TinykitError(
        f"The data given as a model ({len(model)} bytes) is not a TensorFlow Lite flatbuffer "
        "(it lacks the 'TFL3' file identifier or its tables are corrupt). Pass the .tflite file "
        "the converter wrote (e.g. by `tinykit build model.keras`), not a Keras or SavedModel file."
    )
    if len(model) < 8 or not schema.Model.ModelBufferHasIdentifier(model, 0):
        raise not_a_model
    try:
        root = schema.Model.GetRootAs(model, 0)
        if root.SubgraphsLength() < 1:
            raise not_a_model
        subgraph = root.Subgraphs(0)
        return subgraph.InputsLength(), subgraph.OutputsLength()
    except (struct.error, ValueError, IndexError, TypeError) as error:  # offsets pointing outside the buffer
        raise not_a_model from error


def _interpreter(model: bytes):  # -> runtime.Interpreter (imported lazily)
    """A tflite-micro interpreter with an arena large enough for the model."""
    from tflite_micro.python.tflite_micro import runtime

    _io_counts(model)
    arena = max(_MIN_ARENA_BYTES, 10 * len(model))
    last_error: Exception | None = None
    while arena <= _MAX_ARENA_BYTES:
        try:
            return runtime.Interpreter.from_bytes(model, arena_size=arena)
        except RuntimeError as error:
            # tflite-micro reports a too-small arena and an unsupported op the
            # same way; only growing the arena tells them apart.
            last_error = error
            arena *= 2
        except Exception as error:  # its Python reader unpacks the whole flatbuffer and raises on a corrupt one
            raise TinykitError(
                f"tflite-micro cannot read this file: {type(error).__name__}: {error}. tinykit's own reader refuses "
                "such a file when it builds it; re-export the model with the TFLite converter."
            ) from None
    raise TinykitError(
        f"tflite-micro could not prepare the model ({str(last_error).rstrip('.')}), even with a "
        f"{_MAX_ARENA_BYTES // (1024 * 1024)} MiB arena. The model likely uses an op or an op version "
        "tflite-micro's reference kernels do not support, or a tensor type other than int8; tflite-micro's "
        "own message is printed above. Convert the model to full int8 (`tinykit build` does) and keep "
        "to builtin ops that tflite-micro implements."
    )


def run_tflm(model: bytes, samples: list[list[np.ndarray]], macs_per_sample: int | None = None) -> list[list[np.ndarray]]:
    """Run each sample (one array per model input) through one tflite-micro interpreter.

    Returns, per sample, the list of output arrays (copies, in model output order).
    The interpreter runs in a child process, one for all the samples: tflite-micro
    aborts the whole process on some models (an int8 SOFTMAX with a tiny input
    scale, for one), and a crash must become an error message, not end tinykit.
    The child is bounded in time (by ``macs_per_sample`` when known) and in the
    bytes it writes.
    """
    n_inputs, n_outputs = _io_counts(model)
    for k, sample in enumerate(samples):
        if len(sample) != n_inputs:
            raise TinykitError(
                f"Sample {k} holds {len(sample)} input arrays but the model has {n_inputs} inputs. "
                "Give one array per model input, in the model's input order."
            )
    with tempfile.TemporaryDirectory(prefix="tinykit-tflm-") as workdir:
        request, reply = Path(workdir) / "request.npz", Path(workdir) / "reply.npz"
        arrays = {
            _sample_key(k, "input", i): np.ascontiguousarray(array)
            for k, sample in enumerate(samples)
            for i, array in enumerate(sample)
        }
        np.savez(request, model=np.frombuffer(model, dtype=np.uint8), samples=np.array(len(samples)), **arrays)
        command = _child_command("_run_request", str(request), str(reply))
        macs = macs_per_sample if macs_per_sample is not None else 10 * len(model)
        completed = run_bounded(command, "tflite-micro", timeout=_CHILD_BASE_SECONDS + macs * len(samples) / _CHILD_MACS_PER_SECOND,
                                max_file_bytes=_CHILD_MAX_FILE_BYTES)
        # tflite-micro's own messages, which the errors below point to.
        if completed.output:
            sys.stderr.write(completed.output + "\n")
        if completed.returncode < 0:
            raise TinykitError(_crash_message(-completed.returncode))
        if completed.returncode != 0 or not reply.exists():
            raise TinykitError(
                f"tflite-micro failed to run the model (exit status {completed.returncode}); its last words are "
                "printed above."
            )
        with np.load(reply, allow_pickle=False) as answer:
            if "error" in answer.files:
                raise TinykitError(str(answer["error"]))
            return [[answer[_sample_key(k, "output", j)] for j in range(n_outputs)] for k in range(len(samples))]


def _sample_key(sample: int, role: str, position: int) -> str:
    """Name of one array in the request/reply archives exchanged with the child process."""
    return f"sample{sample}_{role}{position}"


def _crash_message(signal_number: int) -> str:
    try:
        name = f"signal {signal_number}, {signal.Signals(signal_number).name}"
    except ValueError:
        name = f"signal {signal_number}"
    return (
        f"tflite-micro crashed ({name}) running the model: it aborts on some int8 models it cannot compute "
        "(e.g. a SOFTMAX whose beta times input scale is below 2^-26) instead of reporting an error; its own "
        "message, if any, is printed above. Check the model with `tinykit build`, which names any op it "
        "refuses, or re-convert it with a representative dataset that covers the real input range."
    )


def _run_request(request: str, reply: str) -> None:
    """Child process entry (see ``run_tflm``): run the samples in ``request``, write outputs or the error to ``reply``."""
    with np.load(request, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    model, count = arrays.pop("model").tobytes(), int(arrays.pop("samples"))
    try:
        outputs = _invoke_each(model, arrays, count)
    except TinykitError as error:
        np.savez(reply, error=np.array(str(error)))
    except Exception as error:  # tflite-micro's wrapper raising on a model it cannot handle: a message, not a traceback
        np.savez(reply, error=np.array(f"tflite-micro cannot run this model: {type(error).__name__}: {error}"))
    else:
        np.savez(reply, **outputs)


def _invoke_each(model: bytes, arrays: dict[str, np.ndarray], count: int) -> dict[str, np.ndarray]:
    """Outputs of ``count`` samples, each invoked in turn on one interpreter."""
    n_inputs, n_outputs = _io_counts(model)
    interpreter = _interpreter(model)
    outputs: dict[str, np.ndarray] = {}
    for k in range(count):
        for i in range(n_inputs):
            try:
                interpreter.set_input(arrays[_sample_key(k, "input", i)], i)
            except (ValueError, IndexError) as error:
                detail = interpreter.get_input_details(i)
                raise TinykitError(
                    f"Sample {k}, input {i} does not fit the model: {error}. The model expects an array of "
                    f"shape {tuple(int(d) for d in detail['shape'])} and dtype {np.dtype(detail['dtype']).name} "
                    "(already quantized); quantize the data with the input's scale and zero point first."
                ) from error
        try:
            interpreter.invoke()
        except RuntimeError as error:
            raise TinykitError(
                f"tflite-micro failed while running sample {k}: {str(error).rstrip('.')}. Its own message is "
                "printed above; the model is likely malformed (check it with `tinykit build`)."
            ) from error
        for j in range(n_outputs):
            outputs[_sample_key(k, "output", j)] = np.array(interpreter.get_output(j), copy=True)
    return outputs


def _child_command(entry: str, *arguments: str) -> list[str]:
    """A command running ``entry(*arguments)`` of this module in a fresh Python process."""
    package_root = str(Path(__file__).resolve().parents[2])
    code = (
        f"import sys; sys.path.insert(0, {package_root!r}); "
        f"from tinykit.verify.tflm import {entry}; {entry}(*sys.argv[1:])"
    )
    return [sys.executable, "-c", code, *arguments]


def _print_allocations_from_stdin() -> None:
    """Subprocess entry: read a model from stdin, invoke once on zeros, print the arena record."""
    model = sys.stdin.buffer.read()
    try:
        _print_allocations(model)
    except Exception as error:  # the parent shows this line, not a traceback
        print(f"tflite-micro cannot run this model: {error}", file=sys.stderr)
        sys.exit(1)


def _print_allocations(model: bytes) -> None:
    interpreter = _interpreter(model)
    n_inputs, _ = _io_counts(model)
    for i in range(n_inputs):
        detail = interpreter.get_input_details(i)
        interpreter.set_input(np.zeros(tuple(detail["shape"]), dtype=detail["dtype"]), i)
    interpreter.invoke()
    interpreter.print_allocations()


_ALLOCATION_LINE = re.compile(r"\[RecordingMicroAllocator\] Arena allocation (head|tail|total) (\d+) bytes")


def tflm_arena(model: bytes) -> TflmArena:
    """Arena use of ``model`` under tflite-micro, from its recording allocator.

    tflite-micro prints the record from C++ straight to the process's stdout,
    where Python cannot capture it, so the interpreter runs in a child process.
    """
    _io_counts(model)
    completed = run_bounded(_child_command("_print_allocations_from_stdin"), "tflite-micro", timeout=_CHILD_BASE_SECONDS,
                            max_file_bytes=_CHILD_MAX_FILE_BYTES, stdin=model)
    text = completed.output
    found = {kind: int(value) for kind, value in _ALLOCATION_LINE.findall(text)}
    if completed.returncode != 0 or set(found) != {"head", "tail", "total"}:
        raise TinykitError(
            f"tflite-micro could not measure the model's arena (exit status {completed.returncode}). "
            f"Its output was:\n{text}"
        )
    return TflmArena(head=found["head"], tail=found["tail"], total=found["total"])
