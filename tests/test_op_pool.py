"""AVERAGE_POOL_2D and MAX_POOL_2D: generated C against tflite-micro, bit for bit."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, isa_feature_sets
from modelgen import ModelBuilder
from test_op_conv import ACTIVATIONS, PADDINGS, case_seed, log_uniform_scale, window_output_size
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.build import compile_tflite
from tinykit.errors import TinykitError
from tinykit.ir import OpKind

KINDS = ("AVERAGE_POOL_2D", "MAX_POOL_2D")


@dataclass(frozen=True)
class PoolCase:
    kind: str
    batch: int
    height: int
    width: int
    channels: int
    filter_h: int
    filter_w: int
    stride_h: int
    stride_w: int
    padding: str
    activation: str

    def __str__(self) -> str:
        return (f"{self.kind}-n{self.batch}_{self.height}x{self.width}x{self.channels}-f{self.filter_h}x{self.filter_w}"
                f"-s{self.stride_h}{self.stride_w}-{self.padding}-{self.activation}")

    @property
    def output_shape(self) -> tuple[int, int, int, int]:
        return (self.batch, window_output_size(self.height, self.filter_h, self.stride_h, 1, self.padding),
                window_output_size(self.width, self.filter_w, self.stride_w, 1, self.padding), self.channels)


def random_pool_case(kind: str, rng: np.random.Generator) -> PoolCase:
    while True:
        case = PoolCase(
            kind=kind, batch=int(rng.choice([1, 1, 2])), height=int(rng.integers(1, 13)),
            width=int(rng.integers(1, 13)), channels=int(rng.choice([1, 3, 5, 7, 16])),
            filter_h=int(rng.integers(1, 5)), filter_w=int(rng.integers(1, 5)),
            stride_h=int(rng.integers(1, 4)), stride_w=int(rng.integers(1, 4)),
            padding=str(rng.choice(list(PADDINGS))), activation=str(rng.choice(list(ACTIVATIONS))),
        )
        if min(case.output_shape) >= 1:
            return case


def add_pool(b: ModelBuilder, case: PoolCase, rng: np.random.Generator, output_scale_factor: float = 1.0) -> tuple[int, int]:
    """One pooling op in ``b``; returns its input and output."""
    scale = log_uniform_scale(rng, 0.01, 0.1)
    zero_point = int(rng.integers(-60, 61))
    x = b.activation((case.batch, case.height, case.width, case.channels), scale=scale, zero_point=zero_point)
    y = b.activation(case.output_shape, scale=float(np.float32(scale * output_scale_factor)), zero_point=zero_point)
    opts = schema.Pool2DOptionsT()
    opts.padding = PADDINGS[case.padding]
    opts.strideH, opts.strideW = case.stride_h, case.stride_w
    opts.filterHeight, opts.filterWidth = case.filter_h, case.filter_w
    opts.fusedActivationFunction = ACTIVATIONS[case.activation]
    b.op(case.kind, [x], [y], opts)
    return x, y


def pool_model(case: PoolCase, rng: np.random.Generator, output_scale_factor: float = 1.0) -> bytes:
    b = ModelBuilder()
    x, y = add_pool(b, case, rng, output_scale_factor)
    return b.finish([x], [y])


CASES = [random_pool_case(kind, np.random.default_rng(4000 + 100 * k + i)) for k, kind in enumerate(KINDS) for i in range(14)]
# Every fused activation on a window hanging over all four edges (SAME, 3x3,
# stride 2 on an odd size), where partial windows average fewer elements.
CASES += [PoolCase(kind, 1, 7, 7, 3, 3, 3, 2, 2, "SAME", act) for kind in KINDS for act in ACTIVATIONS]
CASES += [PoolCase(kind, 1, 8, 8, 5, 8, 8, 1, 1, "VALID", "NONE") for kind in KINDS]  # global pooling
# Windows of more than 256 pixels: the DSP average sums four channels in int16 halves chunk by chunk.
CASES += [PoolCase(kind, 1, 17, 17, 9, 17, 17, 1, 1, "VALID", "RELU") for kind in KINDS]


@pytest.mark.parametrize("features", isa_feature_sets(OpKind.AVERAGE_POOL_2D, OpKind.MAX_POOL_2D))
@pytest.mark.parametrize("case", CASES, ids=str)
def test_pool_matches_tflite_micro(case: PoolCase, features: frozenset[str], tmp_path: Path) -> None:
    compiled = assert_bit_exact(pool_model(case, np.random.default_rng(case_seed(case))), tmp_path, samples=20, seed=13,
                                features=features)
    (pool,) = compiled.schedule.ops
    assert pool.variant == ("dsp" if "dsp" in features else "reference")


@pytest.mark.parametrize("kind", KINDS)
def test_pool_that_changes_quantization_is_refused(kind: str, tmp_path: Path) -> None:
    case = PoolCase(kind, 1, 4, 4, 2, 2, 2, 2, 2, "VALID", "NONE")
    model = tmp_path / "model.tflite"
    model.write_bytes(pool_model(case, np.random.default_rng(0), output_scale_factor=2.0))
    with pytest.raises(TinykitError, match=rf"{kind}.*must be equal"):
        compile_tflite(model, tmp_path / "build", "host", "model.tflite")
