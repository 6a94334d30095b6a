"""The profiler app with a real generated model: a small conv + reshape +
fully-connected + softmax int8 model goes through `tinykit build`'s
pipeline for the host board, is compiled with the profiler app and the host
BSP (-Werror, ASan+UBSan), and driven through DeviceClient over TCP; the
outputs must equal tflite-micro's byte for byte."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from modelgen import ModelBuilder
from profiler_host import HostBoard, build_profiler
from tinykit.build import compile_tflite
from tinykit.profile import DeviceClient
from tinykit.verify.tflm import run_tflm


def small_model(rng: np.random.Generator) -> bytes:
    b = ModelBuilder()
    x = b.activation((1, 8, 8, 2), scale=0.05, zero_point=-3)
    filter_scales = [0.01, 0.02, 0.015, 0.012]
    w = b.constant(rng.integers(-127, 128, (4, 3, 3, 2), dtype=np.int8), scale=filter_scales, zero_point=[0] * 4, axis=0)
    bias = b.constant(rng.integers(-500, 500, 4, dtype=np.int32), scale=[0.05 * s for s in filter_scales], zero_point=[0] * 4)
    y = b.activation((1, 4, 4, 4), scale=0.1, zero_point=-20)
    conv = schema.Conv2DOptionsT()
    conv.padding, conv.strideH, conv.strideW = schema.Padding.SAME, 2, 2
    conv.fusedActivationFunction = schema.ActivationFunctionType.RELU
    b.op("CONV_2D", [x, w, bias], [y], conv)
    flat = b.activation((1, 64), scale=0.1, zero_point=-20)
    shape = b.constant(np.array([1, 64], dtype=np.int32))
    reshape = schema.ReshapeOptionsT()
    reshape.newShape = [1, 64]
    b.op("RESHAPE", [y, shape], [flat], reshape)
    fc_w = b.constant(rng.integers(-127, 128, (10, 64), dtype=np.int8), scale=0.01, zero_point=0)
    fc_b = b.constant(rng.integers(-300, 300, 10, dtype=np.int32), scale=0.1 * 0.01, zero_point=0)
    logits = b.activation((1, 10), scale=0.25, zero_point=-10)
    b.op("FULLY_CONNECTED", [flat, fc_w, fc_b], [logits], schema.FullyConnectedOptionsT())
    probabilities = b.activation((1, 10), scale=1 / 256, zero_point=-128)
    softmax = schema.SoftmaxOptionsT()
    softmax.beta = 1.0
    b.op("SOFTMAX", [logits], [probabilities], softmax)
    return b.finish([x], [probabilities])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kws")
    model = small_model(np.random.default_rng(5))
    tflite = folder / "model.tflite"
    tflite.write_bytes(model)
    compiled = compile_tflite(tflite, folder / "kws", board="host", source_name=tflite.name)
    runtime = compiled.folder / "lib" / "tinykit_runtime"
    sources = [compiled.folder / "src" / "model.c", compiled.folder / "src" / "model_weights.c", *sorted((runtime / "src").rglob("*.c"))]
    binary = build_profiler(sources, [compiled.folder / "src", runtime / "include"], folder)
    return model, compiled, binary


def test_outputs_equal_tflite_micro(built):
    model, compiled, binary = built
    rng = np.random.default_rng(11)
    samples = [rng.integers(-128, 128, (1, 8, 8, 2), dtype=np.int8) for _ in range(3)]
    expected = run_tflm(model, [[s] for s in samples])
    with HostBoard(binary) as board, DeviceClient(board.url, timeout=10) as client:
        info = client.info()
        assert (info.model, info.build_hash, info.op_count) == ("kws", compiled.build_hash, len(compiled.graph.ops))
        assert (info.input_bytes, info.output_bytes) == (128, 10)
        for sample, (reference,) in zip(samples, expected):
            client.load_input(sample.tobytes())
            result = client.infer(1, 0)
            assert client.output() == [reference.tobytes()]
            assert result.results == tuple(float(v) for v in reference.flatten())
        assert client.events == []


def test_timing_and_memory_of_a_real_model(built):
    _, compiled, binary = built
    with HostBoard(binary) as board, DeviceClient(board.url, timeout=10) as client:
        client.load_input(bytes(128))
        layers = client.layer_cycles(3)
        assert len(layers.per_op) == len(compiled.graph.ops)
        assert all(op.min > 0 for op in layers.per_op)
        assert client.time_inferences(3).median > 0
        memory = client.memory()
        assert memory.arena == client.info().arena_bytes
        assert memory.static >= memory.arena  # the arena is a static array
        assert 0 < memory.stack_used < memory.stack_reserve


# The planner reuses the input tensor's arena bytes once its last reader has
# run (memory_plan.txt shows later tensors over t0), so each of these would
# see an overwritten input from its second run on if the app did not copy the
# loaded input back in before every run.
REPEATED_RUNS = {
    "infer": lambda client: client.infer(3, 1),
    "tk-time": lambda client: client.time_inferences(3),
    "tk-layers": lambda client: client.layer_cycles(3),
}


@pytest.mark.parametrize("command", sorted(REPEATED_RUNS))
def test_repeated_inferences_see_the_loaded_input(built, command):
    model, compiled, binary = built
    plan, (x,) = compiled.plan, compiled.graph.inputs
    start, end = plan.tensor_offset(x), plan.tensor_offset(x) + x.nbytes
    overwritten = [t for t in compiled.graph.activations if t != x and plan.tensor_offset(t) < end and start < plan.tensor_offset(t) + t.nbytes]
    assert overwritten, "the model must reuse its input's bytes, or this test shows nothing"
    sample = np.random.default_rng(12).integers(-128, 128, (1, 8, 8, 2), dtype=np.int8)
    ((reference,),) = run_tflm(model, [[sample]])
    with HostBoard(binary) as board, DeviceClient(board.url, timeout=10) as client:
        client.load_input(sample.tobytes())
        REPEATED_RUNS[command](client)
        assert client.output() == [reference.tobytes()]
