"""Candidate graphs built from an architecture without TensorFlow are the
graphs tinykit reads from the real converted Keras model of that
architecture: the same ops, shapes, options, quantization layout, weight
sizes, MACs, kernels and planned arena. And what tinykit cannot build is
refused when the candidate is built."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from search_models import assert_same_arena, assert_same_structure, convert_and_read, randomize

from tinykit.errors import TinykitError
from tinykit.search.candidate import candidate_graph
from tinykit.search.space import KWS_DSCNN_REFERENCE, KWS_DSCNN_SPACE, KWS_MBV2_SPACE, Architecture, Stage

CLASSES = 12


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


@pytest.mark.parametrize("space", [KWS_DSCNN_SPACE, KWS_MBV2_SPACE], ids=lambda s: s.family)
def test_every_sampled_member_and_the_extremes_build_legal_candidates(space):
    rng = np.random.default_rng(11)
    members = [space.largest(), space.smallest(), *(space.sample(rng) for _ in range(40))]
    graphs = [candidate_graph(arch, CLASSES) for arch in members]
    macs = [g.macs() for g in graphs]
    assert macs[0] == max(macs) and macs[1] == min(macs)
