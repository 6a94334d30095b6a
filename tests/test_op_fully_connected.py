"""FULLY_CONNECTED: generated C against tflite-micro, bit for bit, over random single-op models.

Covers per-tensor and per-channel weights, inputs of rank 1 to 4 flattened to
[batches, depth], keep_num_dims, and optional bias, plus a check of how the
per-tensor multiplier is formed (older TFLite sources round the input * filter
scale product to float32 first; the installed tflite-micro does not).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, isa_feature_sets
from modelgen import ModelBuilder
from test_op_conv import ACTIVATIONS, bias_tensor, case_seed, log_uniform_scale, output_scale_for
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.build import compile_tflite
from tinykit.codegen.quant import conv_multipliers, quantize_multiplier
from tinykit.errors import TinykitError
from tinykit.ir import OpKind
from tinykit.schedule.kernels.conv import FC_BLOCKS8_MIN_MACS


@dataclass(frozen=True)
class FullyConnectedCase:
    input_shape: tuple[int, ...]
    units: int
    activation: str
    per_channel: bool
    bias: bool
    keep_num_dims: bool = False
    # Unit 1 dead: zero weights and (with bias) a bias near -2^30, as trained layers' dead units are.
    dead_unit: bool = False

    def __str__(self) -> str:
        return (f"in{'x'.join(map(str, self.input_shape))}-u{self.units}-{self.activation}"
                f"{'-pc' if self.per_channel else '-pt'}{'' if self.bias else '-nobias'}"
                f"{'-keepdims' if self.keep_num_dims else ''}{'-dead' if self.dead_unit else ''}")

    @property
    def macs(self) -> int:
        return math.prod(self.input_shape) * self.units

    @property
    def depth(self) -> int:
        return self.input_shape[-1]

    @property
    def output_shape(self) -> tuple[int, ...]:
        if self.keep_num_dims:
            return (*self.input_shape[:-1], self.units)
        return (math.prod(self.input_shape) // self.depth, self.units)


def random_fully_connected_case(rng: np.random.Generator) -> FullyConnectedCase:
    rank = int(rng.choice([1, 2, 2, 3, 4]))
    dims = [int(rng.choice([1, 2, 3])) for _ in range(rank - 1)] + [int(rng.choice([1, 3, 7, 16, 33, 100]))]
    return FullyConnectedCase(
        input_shape=tuple(dims), units=int(rng.choice([1, 2, 5, 10, 31])),
        activation=str(rng.choice(list(ACTIVATIONS))), per_channel=bool(rng.random() < 0.5),
        bias=bool(rng.random() < 0.8), keep_num_dims=bool(rank > 2 and rng.random() < 0.5),
    )


def add_fully_connected(b: ModelBuilder, case: FullyConnectedCase, rng: np.random.Generator,
                        scales: tuple[float, float, float] | None = None) -> tuple[int, int]:
    """One FULLY_CONNECTED op in ``b``; returns its input and output. ``scales`` fixes (input,
    per-tensor filter, output) scales."""
    in_scale = scales[0] if scales else log_uniform_scale(rng, 0.005, 0.2)
    x = b.activation(case.input_shape, scale=in_scale, zero_point=int(rng.integers(-128, 128)))
    if scales:
        filter_scales = [scales[1]]
    else:
        filter_scales = [log_uniform_scale(rng, 0.001, 0.05) for _ in range(case.units if case.per_channel else 1)]
    weights = rng.integers(-127, 128, (case.units, case.depth), dtype=np.int8)
    if case.dead_unit:
        weights[1] = 0
    w = b.constant(weights, scale=filter_scales if case.per_channel else filter_scales[0], axis=0)
    dead = 1 if case.dead_unit else None
    inputs = [x, w, bias_tensor(b, rng, in_scale, filter_scales, case.units, dead) if case.bias else -1]
    out_scale = scales[2] if scales else output_scale_for(rng, in_scale, filter_scales, case.depth)
    y = b.activation(case.output_shape, scale=out_scale, zero_point=int(rng.integers(-100, 101)))
    opts = schema.FullyConnectedOptionsT()
    opts.fusedActivationFunction = ACTIVATIONS[case.activation]
    opts.keepNumDims = case.keep_num_dims
    b.op("FULLY_CONNECTED", inputs, [y], opts)
    return x, y


def fully_connected_model(case: FullyConnectedCase, rng: np.random.Generator,
                          scales: tuple[float, float, float] | None = None) -> bytes:
    """A single FULLY_CONNECTED model (see add_fully_connected)."""
    b = ModelBuilder()
    x, y = add_fully_connected(b, case, rng, scales)
    return b.finish([x], [y])


RANDOM_CASES = [random_fully_connected_case(np.random.default_rng(3000 + i)) for i in range(20)]
EDGE_CASES = [
    FullyConnectedCase((1, 16), 8, act, per_channel, True) for act in ACTIVATIONS for per_channel in (False, True)
] + [
    FullyConnectedCase((4, 1), 1, "NONE", False, True),
    FullyConnectedCase((1, 2, 2, 3), 5, "NONE", True, True),
    FullyConnectedCase((2, 3, 7), 4, "RELU", False, False, keep_num_dims=True),
    FullyConnectedCase((2, 3, 7), 4, "RELU", True, True, keep_num_dims=False),
    FullyConnectedCase((9,), 3, "NONE", True, True),
    # Several blocks of four units with a depth tail, over batches, without bias (the folded bias is then
    # the input offset's contribution alone).
    FullyConnectedCase((3, 13), 12, "RELU6", True, False),
    # Layers of at least FC_BLOCKS8_MIN_MACS (tk_fully_connected_blocks8_s8): a block of eight units and
    # four row by row, with a depth tail, over batches, without bias (the folded bias is then the input
    # offset's and the layout's corrections alone); two blocks and three rows, 32 depths per pass, then
    # four, then a tail of one; deeper than 1,020 (the row's input sum folded from its int16 lanes more
    # than once); a dead unit (its record a constant, whatever the layout's correction).
    FullyConnectedCase((9, 13), 12, "RELU6", True, False),
    FullyConnectedCase((2, 37), 19, "RELU", True, True),
    FullyConnectedCase((1, 1030), 9, "NONE", False, True),
    FullyConnectedCase((1, 64), 16, "NONE", True, True, dead_unit=True),
]


@pytest.mark.parametrize("features", isa_feature_sets(OpKind.FULLY_CONNECTED))
@pytest.mark.parametrize("case", RANDOM_CASES + EDGE_CASES, ids=str)
def test_fully_connected_matches_tflite_micro(case: FullyConnectedCase, features: frozenset[str], tmp_path: Path) -> None:
    model = fully_connected_model(case, np.random.default_rng(case_seed(case)))
    compiled = assert_bit_exact(model, tmp_path, samples=20, seed=5, features=features)
    (fc,) = compiled.schedule.ops
    dsp = "tk_fully_connected_blocks8_s8" if case.macs >= FC_BLOCKS8_MIN_MACS else "tk_fully_connected_folded_s8"
    assert fc.kernel == (dsp if "dsp" in features else "tk_fully_connected_s8")


def _requantize(acc: int, multiplier: int, shift: int) -> int:
    """TFLite's MultiplyByQuantizedMultiplier on Python ints, only to pick test data (the oracle stays tflite-micro)."""
    x = ((acc << max(shift, 0)) + 2**31) % 2**32 - 2**31
    product = x * multiplier
    nudged = product + ((1 << 30) if product >= 0 else 1 - (1 << 30))
    high = abs(nudged) // 2**31 * (1 if nudged >= 0 else -1)
    right = max(-shift, 0)
    mask = (1 << right) - 1
    return (high >> right) + (1 if (high & mask) > (mask >> 1) + (1 if high < 0 else 0) else 0)


def _where_float32_product_matters() -> tuple[tuple[float, float, float], list[int]]:
    """Scales (input, filter, output) and accumulators for which the per-tensor output differs
    depending on whether input * filter is rounded to float32 before the division or not.

    The multipliers then differ in their last bit, which moves an output only when
    the accumulator puts it right at a rounding boundary; a tiny real multiplier
    (about 1e-7) lets int32 accumulators reach many such boundaries.
    """
    rng = np.random.default_rng(42)
    while True:
        s_in, s_f = log_uniform_scale(rng, 5e-4, 2e-3), log_uniform_scale(rng, 5e-4, 2e-3)
        s_out = float(np.float32(s_in * s_f / rng.uniform(5e-8, 2e-7)))
        ours = quantize_multiplier(conv_multipliers(s_in, [s_f], s_out)[0])
        other = quantize_multiplier(float(np.float32(s_in) * np.float32(s_f)) / s_out)
        if ours == other:
            continue
        real = s_in * s_f / s_out
        accumulators = []
        for boundary in np.arange(-127.5, 127.5):
            centre = int(boundary / real)
            for acc in range(centre - 3, centre + 4):
                if _requantize(acc, *ours) != _requantize(acc, *other):
                    accumulators.append(acc)
        if len(accumulators) >= 4:
            return (s_in, s_f, s_out), accumulators[:64]


def test_per_tensor_multiplier_is_formed_in_double(tmp_path: Path) -> None:
    # All-zero weights make each unit's accumulator exactly its bias, so the
    # biases place every output on a rounding boundary where rounding the scale
    # product to float32 (as older TFLite sources do) would give another result
    # than tflite-micro's; with that rounding, every one of these outputs is off by one.
    (s_in, s_f, s_out), accumulators = _where_float32_product_matters()
    b = ModelBuilder()
    x = b.activation((1, 1), scale=s_in, zero_point=0)
    w = b.constant(np.zeros((len(accumulators), 1), dtype=np.int8), scale=s_f)
    bias = b.constant(np.array(accumulators, dtype=np.int32), scale=float(np.float32(s_in) * np.float32(s_f)))
    y = b.activation((1, len(accumulators)), scale=s_out, zero_point=0)
    b.op("FULLY_CONNECTED", [x, w, bias], [y], schema.FullyConnectedOptionsT())
    assert_bit_exact(b.finish([x], [y]), tmp_path, samples=2)


def test_fully_connected_with_depth_not_dividing_the_input_is_refused(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 10), scale=0.05)
    w = b.constant(np.ones((3, 4), dtype=np.int8), scale=0.01)
    y = b.activation((1, 3), scale=0.1)
    b.op("FULLY_CONNECTED", [x, w, -1], [y], schema.FullyConnectedOptionsT())
    model = tmp_path / "model.tflite"
    model.write_bytes(b.finish([x], [y]))
    with pytest.raises(TinykitError, match=r"FULLY_CONNECTED.*multiple of the weights' depth"):
        compile_tflite(model, tmp_path / "build", "host", "model.tflite")
