"""Candidate graphs built from an architecture without TensorFlow are the
graphs tinykit reads from the real converted Keras model of that
architecture: the same ops, shapes, options, quantization layout, weight
sizes, MACs, kernels and planned arena. And what tinykit cannot build is
refused when the candidate is built."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from search_models import convert_and_read, randomize

from tinykit.boards import get_board
from tinykit.errors import TinykitError
from tinykit.ir import Graph, Tensor
from tinykit.planner.plan import plan_graph
from tinykit.schedule import select_kernels
from tinykit.search.candidate import candidate_graph
from tinykit.search.space import KWS_DSCNN_REFERENCE, KWS_DSCNN_SPACE, KWS_MBV2_SPACE, Architecture, Stage

CLASSES = 12


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


def test_the_kws_ds_cnn_candidate_is_the_converted_kws_example_model(tmp_path):
    from tinykit.kws.model import ds_cnn

    model = ds_cnn(CLASSES, KWS_DSCNN_REFERENCE.input_shape)
    randomize(model, seed=0)
    real = convert_and_read(model, tmp_path)
    candidate = candidate_graph(KWS_DSCNN_REFERENCE, CLASSES)
    assert_same_structure(candidate, real)
    assert_same_arena(candidate, real)


def _architectures() -> list[Architecture]:
    rng = np.random.default_rng(7)
    return [KWS_MBV2_SPACE.sample(rng), KWS_MBV2_SPACE.smallest(), KWS_DSCNN_SPACE.sample(rng)]


@pytest.mark.parametrize("arch", _architectures(), ids=["mbv2-sample", "mbv2-smallest", "dscnn-sample"])
def test_candidates_are_the_converted_keras_models_of_their_architecture(arch, tmp_path):
    from tinykit.search.keras_model import build_keras_model

    model = build_keras_model(arch, CLASSES)
    randomize(model, seed=1)
    real = convert_and_read(model, tmp_path)
    candidate = candidate_graph(arch, CLASSES)
    assert_same_structure(candidate, real)
    assert_same_arena(candidate, real)


def test_the_mbv2_samples_exercise_residuals_expansion_and_strides():
    kinds = {op.kind.value for a in _architectures() for op in candidate_graph(a, CLASSES).ops}
    assert {"ADD", "MEAN", "AVERAGE_POOL_2D", "DEPTHWISE_CONV_2D"} <= kinds
    arch = _architectures()[0]
    assert any(s.expand > 1 for s in arch.stages) and any(s.stride == 2 for s in arch.stages)


def test_what_tinykit_cannot_build_is_refused_when_the_candidate_is_built():
    # 5000 classes: a softmax row too long for the int8 kernel's sum of exponentials.
    with pytest.raises(TinykitError, match="softmax rows"):
        candidate_graph(KWS_DSCNN_REFERENCE, 5000)
    with pytest.raises(TinykitError, match="stages\\[0\\].kernel"):
        candidate_graph(dataclasses.replace(KWS_DSCNN_REFERENCE, stages=(Stage(4, 1, 1, 64, 1),)), CLASSES)
