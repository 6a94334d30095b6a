"""QUANTIZE (float32 -> int8, int8 -> int8) and DEQUANTIZE (int8 -> float32):
generated C against tflite-micro, bit for bit (float outputs compared by their bytes).

Besides random inputs, float inputs that fall exactly halfway between two
quantized steps check that rounding is TF Lite Micro's (half away from zero,
after a double-precision division), not round-half-even.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact
from modelgen import ModelBuilder
from test_op_conv import log_uniform_scale

from tinykit.build import compile_tflite
from tinykit.verify.compare import compare
from tinykit.verify.host import build_host, run_host
from tinykit.verify.tflm import run_tflm

SHAPES = [(1, 10), (7,), (1, 3, 5, 3), (2, 2, 2, 5)]


def quantize_model(shape: tuple[int, ...], scale: float, zero_point: int) -> bytes:
    b = ModelBuilder()
    x = b.activation(shape, dtype="float32", scale=None)
    y = b.activation(shape, scale=scale, zero_point=zero_point)
    b.op("QUANTIZE", [x], [y])
    return b.finish([x], [y])


def assert_bit_exact_on(model: bytes, tmp_path: Path, samples: list[list[np.ndarray]]) -> None:
    """Like bitexact.assert_bit_exact, for chosen inputs instead of random ones."""
    (tmp_path / "model.tflite").write_bytes(model)
    compiled = compile_tflite(tmp_path / "model.tflite", tmp_path / "build", "host", "model.tflite")
    ours = run_host(build_host(compiled.folder, sanitize=True, shared_library=False), compiled.graph, samples)
    compared, mismatched, examples = compare(run_tflm(model, samples), ours)
    assert compared > 0
    details = "\n".join(f"  sample {m.sample} at {list(m.index)}: tflite-micro {m.expected!r}, tinykit {m.got!r}"
                        for m in examples)
    assert mismatched == 0, f"{mismatched} of {compared} output bytes differ from tflite-micro:\n{details}"


@pytest.mark.parametrize("seed", range(8))
def test_quantize_float_matches_tflite_micro(seed: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(3000 + seed)
    model = quantize_model(SHAPES[seed % len(SHAPES)], log_uniform_scale(rng, 0.004, 0.1), int(rng.integers(-128, 128)))
    assert_bit_exact(model, tmp_path, samples=20, seed=seed)


@pytest.mark.parametrize("scale", [0.0625, 0.1, 1.0 / 3.0])
def test_quantize_float_rounds_halfway_values_like_tflite_micro(scale: float, tmp_path: Path) -> None:
    scale = float(np.float32(scale))
    steps = np.arange(-140, 140, dtype=np.float64) + 0.5
    halfway = (steps * scale).astype(np.float32)  # exact ties for the power-of-two scale, near-ties otherwise
    nudged = np.nextafter(halfway, np.float32(np.inf))
    # Far out of range, but not so far that the quotient overflows int32: TF Lite Micro's cast is undefined
    # there (x86 gives INT32_MIN, Cortex-M saturates); tinykit saturates.
    far = np.float32([1e5 * scale, -1e5 * scale])
    sample = np.concatenate([halfway, nudged, -halfway, np.float32([0.0, -0.0]), far]).astype(np.float32)
    model = quantize_model((sample.size,), scale, 3)
    assert_bit_exact_on(model, tmp_path, [[sample]])


@pytest.mark.parametrize("seed", range(8))
def test_requantize_int8_matches_tflite_micro(seed: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(4000 + seed)
    shape = SHAPES[seed % len(SHAPES)]
    in_scale = log_uniform_scale(rng, 0.005, 0.2)
    out_scale = in_scale if seed == 0 else log_uniform_scale(rng, in_scale / 4, in_scale * 4)
    b = ModelBuilder()
    x = b.activation(shape, scale=in_scale, zero_point=int(rng.integers(-128, 128)))
    y = b.activation(shape, scale=out_scale, zero_point=int(rng.integers(-128, 128)))
    b.op("QUANTIZE", [x], [y])
    assert_bit_exact(b.finish([x], [y]), tmp_path, samples=20, seed=seed)


@pytest.mark.parametrize("seed", range(6))
def test_dequantize_matches_tflite_micro(seed: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(5000 + seed)
    shape = SHAPES[seed % len(SHAPES)]
    b = ModelBuilder()
    x = b.activation(shape, scale=log_uniform_scale(rng, 1e-4, 10.0), zero_point=int(rng.integers(-128, 128)))
    y = b.activation(shape, dtype="float32", scale=None)
    b.op("DEQUANTIZE", [x], [y])
    assert_bit_exact(b.finish([x], [y]), tmp_path, samples=20, seed=seed)


def test_float_model_quantize_softmax_dequantize(tmp_path: Path) -> None:
    """A float-in, float-out model: QUANTIZE -> SOFTMAX -> DEQUANTIZE."""
    shape = (1, 12)
    b = ModelBuilder()
    x = b.activation(shape, dtype="float32", scale=None)
    q = b.activation(shape, scale=0.02, zero_point=-4)
    p = b.activation(shape, scale=1.0 / 256, zero_point=-128)
    y = b.activation(shape, dtype="float32", scale=None)
    b.op("QUANTIZE", [x], [q])
    b.op("SOFTMAX", [q], [p], _softmax_options())
    b.op("DEQUANTIZE", [p], [y])
    assert_bit_exact(b.finish([x], [y]), tmp_path, samples=20, seed=11)


def test_requantize_in_place_over_a_dying_input(tmp_path: Path) -> None:
    """x -> requantize -> t -> requantize -> y: t dies at the second QUANTIZE, so y may sit on t."""
    shape = (1, 6, 6, 3)
    b = ModelBuilder()
    x = b.activation(shape, scale=0.05, zero_point=4)
    t = b.activation(shape, scale=0.03, zero_point=-9)
    y = b.activation(shape, scale=0.08, zero_point=17)
    b.op("QUANTIZE", [x], [t])
    b.op("QUANTIZE", [t], [y])
    model = b.finish([x], [y])
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "model.tflite").write_bytes(model)
    compiled = compile_tflite(tmp_path / "plan" / "model.tflite", tmp_path / "plan" / "build", "host", "model.tflite")
    second = compiled.graph.ops[1]
    assert compiled.plan.tensor_offset(second.outputs[0]) == compiled.plan.tensor_offset(second.inputs[0]), \
        "the planner did not place the QUANTIZE output in place, so this test would not exercise aliasing"
    (tmp_path / "run").mkdir()
    assert_bit_exact(model, tmp_path / "run")


def _softmax_options():
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    options = schema.SoftmaxOptionsT()
    options.beta = 1.0
    return options
