"""The tflite-micro reference runner: outputs, arena record, and refusals."""

from __future__ import annotations

import numpy as np
import pytest
from modelgen import ModelBuilder
from test_op_softmax import softmax_model
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.errors import TinykitError
from tinykit.verify.tflm import TflmArena, run_tflm, tflm_arena


def _add_model() -> bytes:
    """y = a + b with all three at scale 0.1, zero point 0: the int8 result is a saturating sum."""
    b = ModelBuilder()
    a = b.activation((1, 8), scale=0.1)
    c = b.activation((1, 8), scale=0.1)
    y = b.activation((1, 8), scale=0.1)
    b.op("ADD", [a, c], [y], schema.AddOptionsT())
    return b.finish([a, c], [y])


def _conv_model(channels: int = 16) -> bytes:
    rng = np.random.default_rng(0)
    b = ModelBuilder()
    x = b.activation((1, 32, 32, 3), scale=0.05)
    w = b.constant(rng.integers(-127, 128, (channels, 3, 3, 3), dtype=np.int8), scale=[0.01] * channels)
    bias = b.constant(np.zeros(channels, dtype=np.int32), scale=[0.0005] * channels)
    y = b.activation((1, 32, 32, channels), scale=0.1)
    opts = schema.Conv2DOptionsT()
    opts.padding = schema.Padding.SAME
    opts.strideH = opts.strideW = 1
    b.op("CONV_2D", [x, w, bias], [y], opts)
    return b.finish([x], [y])


def test_run_tflm_gives_each_sample_its_own_outputs() -> None:
    rng = np.random.default_rng(3)
    samples = [[rng.integers(-128, 128, (1, 8), dtype=np.int8) for _ in range(2)] for _ in range(3)]
    results = run_tflm(_add_model(), samples)
    assert len(results) == 3
    for (a, c), outputs in zip(samples, results):
        assert len(outputs) == 1
        expected = np.clip(a.astype(np.int32) + c.astype(np.int32), -128, 127).astype(np.int8)
        np.testing.assert_array_equal(outputs[0], expected)


def test_run_tflm_grows_the_arena_for_activation_heavy_models() -> None:
    # The input and output activations alone exceed both the runner's first
    # guess (ten times the model size) and its 64 KiB floor, so the runner
    # must grow the arena and retry instead of failing.
    model = _conv_model(channels=64)
    activation_bytes = 32 * 32 * 3 + 32 * 32 * 64
    assert activation_bytes > max(64 * 1024, 10 * len(model))
    x = np.ones((1, 32, 32, 3), dtype=np.int8)
    (y,), = run_tflm(model, [[x]])
    assert y.shape == (1, 32, 32, 64)


def test_tflm_arena_reports_head_tail_and_total() -> None:
    arena = tflm_arena(_conv_model())
    assert isinstance(arena, TflmArena)
    # The head holds at least the input and output activations.
    assert arena.head >= 32 * 32 * 3 + 32 * 32 * 16
    assert arena.tail > 0
    assert arena.total == arena.head + arena.tail


def test_wrong_input_shape_is_a_clear_error() -> None:
    with pytest.raises(TinykitError, match=r"shape \(1, 8\) and dtype int8"):
        run_tflm(_add_model(), [[np.zeros((1, 7), np.int8), np.zeros((1, 8), np.int8)]])


def test_wrong_input_dtype_is_a_clear_error() -> None:
    with pytest.raises(TinykitError, match="quantize"):
        run_tflm(_add_model(), [[np.zeros((1, 8), np.float32), np.zeros((1, 8), np.int8)]])


def test_wrong_number_of_inputs_is_a_clear_error() -> None:
    with pytest.raises(TinykitError, match="model has 2 inputs"):
        run_tflm(_add_model(), [[np.zeros((1, 8), np.int8)]])


@pytest.mark.parametrize("data", [b"", b"garbage" * 10, b"\x10\x00\x00\x00TFL3" + b"\xff" * 40])
def test_not_a_tflite_file_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(TinykitError, match="not a TensorFlow Lite flatbuffer"):
        run_tflm(data, [])
    with pytest.raises(TinykitError, match="not a TensorFlow Lite flatbuffer"):
        tflm_arena(data)


def test_an_op_tflite_micro_lacks_is_a_clear_error() -> None:
    b = ModelBuilder()
    x = b.activation((1, 4))
    y = b.activation((1, 4))
    b.op("LSH_PROJECTION", [x], [y])
    with pytest.raises(TinykitError, match="could not prepare the model"):
        run_tflm(b.finish([x], [y]), [[np.zeros((1, 4), np.int8)]])


def test_a_tflite_micro_crash_is_a_clear_error() -> None:
    # beta * input scale far below 2^-26: tflite-micro's SOFTMAX Prepare aborts the
    # process (tinykit's own build refuses such a model before it gets there).
    model = softmax_model((1, 10), 1e-9, 0, 1.0)
    with pytest.raises(TinykitError, match=r"tflite-micro crashed \(signal 6, SIGABRT\) running the model"):
        run_tflm(model, [[np.zeros((1, 10), np.int8)]])
    # The runner survives the crash: the next model runs.
    (outputs,) = run_tflm(_add_model(), [[np.ones((1, 8), np.int8), np.ones((1, 8), np.int8)]])
    np.testing.assert_array_equal(outputs[0], np.full((1, 8), 2, np.int8))
