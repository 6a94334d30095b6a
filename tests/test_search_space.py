"""The search space: JSON round trips, seeded sampling, mutation and crossover
stay inside the space, its extremes, and clear errors on bad architectures."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tinykit.errors import TinykitError
from tinykit.search.space import (
    KWS_DSCNN_REFERENCE,
    KWS_DSCNN_SPACE,
    KWS_MBV2_SPACE,
    Architecture,
    space_for,
)

SPACES = [KWS_DSCNN_SPACE, KWS_MBV2_SPACE]


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.family)
def test_samples_are_members_and_round_trip_through_json(space):
    rng = np.random.default_rng(0)
    for _ in range(50):
        arch = space.sample(rng)
        assert space.contains(arch)
        assert Architecture.from_json(arch.to_json()) == arch


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.family)
def test_sampling_mutation_and_crossover_are_reproducible_from_the_seed(space):
    def run(seed):
        rng = np.random.default_rng(seed)
        a, b = space.sample(rng), space.sample(rng)
        return [a, b, space.mutate(a, rng, 0.5), space.crossover(a, b, rng)]

    assert run(3) == run(3)
    assert run(3) != run(4)


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.family)
def test_mutation_and_crossover_stay_in_the_space_and_take_from_the_parents(space):
    rng = np.random.default_rng(1)
    for _ in range(30):
        a, b = space.sample(rng), space.sample(rng)
        child = space.crossover(a, b, rng)
        assert space.contains(child)
        for s, x, y in zip(child.stages, a.stages, b.stages):
            assert s.kernel in (x.kernel, y.kernel) and s.depth in (x.depth, y.depth) and s.width in (x.width, y.width)
        assert space.contains(space.mutate(a, rng, 0.3))
    assert space.mutate(a, rng, 0.0) == a
    changed = sum(space.mutate(a, rng, 1.0) != a for _ in range(10))
    assert changed >= 8


@pytest.mark.parametrize("space", SPACES, ids=lambda s: s.family)
def test_largest_and_smallest_bound_every_member(space):
    big, small = space.largest(), space.smallest()
    assert space.contains(big) and space.contains(small)
    rng = np.random.default_rng(2)
    for _ in range(30):
        arch = space.sample(rng)
        for s, lo, hi in zip(arch.stages, small.stages, big.stages):
            assert lo.kernel <= s.kernel <= hi.kernel and lo.depth <= s.depth <= hi.depth
            assert lo.width <= s.width <= hi.width and lo.expand <= s.expand <= hi.expand


def test_the_kws_ds_cnn_is_a_member_of_the_ds_cnn_space():
    assert KWS_DSCNN_SPACE.contains(KWS_DSCNN_REFERENCE)
    assert sum(s.depth for s in KWS_DSCNN_REFERENCE.stages) == 4
    narrowed = KWS_DSCNN_SPACE.narrowed(1.0, (49, 10))
    assert narrowed.contains(KWS_DSCNN_REFERENCE) and narrowed.width_mults == (1.0,)
    assert not KWS_DSCNN_SPACE.narrowed(0.5, (49, 10)).contains(KWS_DSCNN_REFERENCE)


def _reference_dict():
    return json.loads(KWS_DSCNN_REFERENCE.to_json())


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(family="resnet"), "family"),
    (lambda d: d["stages"][0].update(kernel=4), r"stages\[0\].kernel"),
    (lambda d: d["stages"][1].update(expand=6), r"stages\[1\].expand"),
    (lambda d: d["stages"][0].pop("depth"), "missing fields depth"),
    (lambda d: d["stem"].update(colour=1), "unknown fields colour"),
    (lambda d: d.update(resolution=[49]), "resolution"),
    (lambda d: d.update(width_mult="wide"), "width_mult"),
    (lambda d: d["stages"][0].update(stride=2), "pool 'mlperf'"),
    (lambda d: d.update(stages=[]), "stages"),
    (lambda d: d.update(resolution=[1, 10]), "at least 2x2"),
])
def test_bad_architecture_json_is_refused_naming_the_field(edit, message):
    data = _reference_dict()
    edit(data)
    with pytest.raises(TinykitError, match=message):
        Architecture.from_json(json.dumps(data))


def test_not_json_and_unknown_tasks_are_refused_clearly():
    with pytest.raises(TinykitError, match="not valid JSON"):
        Architecture.from_json("{family: dscnn")
    with pytest.raises(TinykitError, match="unknown task 'vision'"):
        space_for("vision", "mbv2")
    with pytest.raises(TinykitError, match="unknown architecture family"):
        space_for("kws", "resnet")
    with pytest.raises(TinykitError, match="not a member"):
        KWS_MBV2_SPACE.mutate(KWS_DSCNN_REFERENCE, np.random.default_rng(0))
