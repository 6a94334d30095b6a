"""Helpers for the search tests: the comparison of a candidate graph with a
read .tflite (structure, kernels, arena), and a Keras model with every weight random (as
after training: non-zero biases and batch-norm statistics, which the
converter keeps as they are rather than dropping a zero bias), converted by
tinykit's converter and read back."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tinykit.boards import get_board
from tinykit.ir import Graph, Tensor
from tinykit.planner.plan import plan_graph
from tinykit.schedule import select_kernels


def randomize(model, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = []
    for weight in model.weights:
        shape = tuple(weight.shape)
        if "moving_variance" in weight.path:
            values.append(rng.uniform(0.5, 1.5, shape))
        elif "gamma" in weight.path:
            values.append(rng.uniform(0.5, 1.5, shape))
        else:
            values.append(rng.normal(0.0, 0.3, shape))
    model.set_weights([v.astype(np.float32) for v in values])


def convert_and_read(model, folder: Path, calibration: np.ndarray | None = None) -> Graph:
    """``model`` saved, converted to int8 by tinykit (random calibration unless given) and read back."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from tinykit.frontend.convert import convert_to_int8
    from tinykit.frontend.tflite_reader import read_tflite

    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / "model.keras")
    convert_to_int8(folder / "model.keras", calibration, folder / "model.tflite", random_calibration=calibration is None)
    return read_tflite(folder / "model.tflite")


def _layout(t: Tensor | None) -> tuple:
    """What a tensor's role fixes: shape, type, constness and the quantization's layout (not its values)."""
    if t is None:
        return (None,)
    q = t.quant
    quant = None if q is None else (len(q.scale), q.axis if q.per_channel else None)
    return t.shape, t.dtype, t.is_constant, quant


def assert_same_structure(candidate: Graph, real: Graph) -> None:
    assert [op.kind for op in candidate.ops] == [op.kind for op in real.ops]
    for ours, theirs in zip(candidate.ops, real.ops):
        where = f"op {ours.index} {ours.kind.value}"
        assert ours.options == theirs.options, where
        assert [_layout(t) for t in ours.inputs] == [_layout(t) for t in theirs.inputs], where
        assert [_layout(t) for t in ours.outputs] == [_layout(t) for t in theirs.outputs], where
        assert (ours.macs(), ours.weight_bytes()) == (theirs.macs(), theirs.weight_bytes()), where
    assert [_layout(t) for t in candidate.inputs] == [_layout(t) for t in real.inputs]
    assert [_layout(t) for t in candidate.outputs] == [_layout(t) for t in real.outputs]
    # The softmax's output quantization is fixed by the int8 kernel, so it is the real one exactly.
    assert candidate.outputs[0].quant == real.outputs[0].quant


def assert_same_arena(candidate: Graph, real: Graph) -> None:
    for board in ("qemu_m7", "qemu_m4"):
        features = get_board(board).features
        ours, theirs = select_kernels(candidate, features), select_kernels(real, features)
        assert [e.kernel for e in ours.ops] == [e.kernel for e in theirs.ops]
        assert plan_graph(candidate, ours).arena_bytes == plan_graph(real, theirs).arena_bytes
