"""Common Keras layers, each in a small model converted two ways, bit-exact with tflite-micro.

Every model of ``keras_layers.LAYERS`` is converted by tinykit's converter
(batch fixed to one) and by a plain ``TFLiteConverter.from_keras_model``
with its defaults (the batch stays dynamic, so shape arithmetic, EXPAND_DIMS
and friends appear in the file), built for the host under -Werror and the
sanitizers, and compared byte for byte with tflite-micro on random inputs
(on the file as tinykit simplified it, for the few tflite-micro cannot run as
written). One model holding many of the layers also runs on the emulated
Cortex-M7, once per converter, and so does a Keras LSTM (from tf-keras).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact
from keras_layers import CONVERTERS, LAYERS, converted_layer
from keras_lstm import LstmShape, converted_lstm

from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import parse_tflite
from tinykit.ir import Graph, OpKind
from tinykit.profile.measure import profile_build
from tinykit.verify.compare import compare, random_samples
from tinykit.verify.run import verify_model
from tinykit.verify.tflm import run_tflm

pytestmark = pytest.mark.slow

# The 26 layers of issue 9 (and the combined model, run in QEMU below).
COVERED = [name for name in LAYERS if name != "representative"]

# tflite-micro refuses these files as TensorFlow wrote them, and tinykit compiles them once simplified:
# a Dense on 3-D input with a dynamic batch uses REDUCE_PROD (and tensors stored as [1, 1]), folded away;
# UpSampling2D(interpolation="nearest") is written with TILE, which tinykit runs as RESIZE_NEAREST_NEIGHBOR.
TFLM_CANNOT_RUN = {("dense_3d", "tflite"), ("upsampling_nearest", "tinykit"), ("upsampling_nearest", "tflite")}
REWRITTEN = {"upsampling_nearest"}


def _cases() -> list:
    return [pytest.param(name, converter, id=f"{name}-{converter}")
            for name in COVERED for converter in CONVERTERS if (name, converter) not in TFLM_CANNOT_RUN]


@pytest.mark.parametrize("name,converter", _cases())
def test_layer_is_bit_exact_with_tflite_micro(name: str, converter: str, zoo_cache: Path, tmp_path: Path) -> None:
    model = converted_layer(name, converter, zoo_cache).read_bytes()
    assert_bit_exact(model, tmp_path, samples=8, seed=COVERED.index(name))


def _as_simplified(model: bytes, graph: Graph) -> bytes:
    """``model`` rewritten as tinykit simplified it, for tflite-micro: only the ops tinykit kept, every
    tensor with its static shape, RESHAPE reading its data input alone (then shaped by its output), and
    an op tinykit rewrote (TILE as RESIZE_NEAREST_NEIGHBOR) written as what it became."""
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    rewritten = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    subgraph = rewritten.subgraphs[0]
    for tensor in graph.tensors:
        subgraph.tensors[tensor.index].shape = list(tensor.shape)
        subgraph.tensors[tensor.index].shapeSignature = None
    kept = {op.index: op for op in graph.ops}
    subgraph.operators = [operator for index, operator in enumerate(subgraph.operators) if index in kept]
    for operator, op in zip(subgraph.operators, graph.ops):
        if op.is_view:
            operator.inputs = list(operator.inputs[:1])
        if op.kind is OpKind.RESIZE_NEAREST_NEIGHBOR and \
                rewritten.operatorCodes[operator.opcodeIndex].builtinCode != schema.BuiltinOperator.RESIZE_NEAREST_NEIGHBOR:
            code = schema.OperatorCodeT()
            code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.RESIZE_NEAREST_NEIGHBOR
            code.version = 1
            rewritten.operatorCodes.append(code)
            size = schema.BufferT()
            size.data = list(np.array(op.outputs[0].shape[1:3], dtype=np.int32).tobytes())
            rewritten.buffers.append(size)
            size_tensor = schema.TensorT()
            size_tensor.shape, size_tensor.type = [2], schema.TensorType.INT32
            size_tensor.buffer, size_tensor.name = len(rewritten.buffers) - 1, b"resize_size"
            subgraph.tensors.append(size_tensor)
            operator.opcodeIndex = len(rewritten.operatorCodes) - 1
            operator.inputs = [op.inputs[0].index, len(subgraph.tensors) - 1]
            operator.outputs = [op.outputs[0].index]
            operator.builtinOptionsType = schema.BuiltinOptions.ResizeNearestNeighborOptions
            operator.builtinOptions = schema.ResizeNearestNeighborOptionsT()
    builder = flatbuffers.Builder(1024)
    builder.Finish(rewritten.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


@pytest.mark.parametrize("name,converter", sorted(TFLM_CANNOT_RUN))
def test_layer_tflite_micro_cannot_run_is_bit_exact_once_simplified(name: str, converter: str, zoo_cache: Path,
                                                                   tmp_path: Path) -> None:
    """tflite-micro refuses the file as TensorFlow wrote it; written back as tinykit simplified it, it
    runs, and tinykit's code built from the original file matches it bit for bit. Where the simplification
    rewrote an op, TF Lite's own interpreter (which runs both files) gives the same bytes for the original
    file and the simplified one: the rewrite keeps the model's meaning."""
    model = converted_layer(name, converter, zoo_cache).read_bytes()
    graph = parse_tflite(model)
    samples = random_samples(graph, 8, seed=COVERED.index(name))
    with pytest.raises(TinykitError, match="tflite-micro could not (prepare|run) the model"):
        run_tflm(model, samples[:1])
    simplified = _as_simplified(model, graph)
    if name in REWRITTEN:
        _, mismatched, _ = compare(run_tflite(model, samples), run_tflite(simplified, samples))
        assert mismatched == 0
    assert_bit_exact(model, tmp_path, samples=8, seed=COVERED.index(name), reference_model=simplified)


def run_tflite(model: bytes, samples: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """Each sample's outputs from TF Lite's interpreter (its builtin kernels, no delegate), which runs every op TensorFlow's
    converter writes."""
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_content=model,
                                      experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interpreter.allocate_tensors()
    results = []
    for sample in samples:
        for detail, array in zip(interpreter.get_input_details(), sample, strict=True):
            interpreter.set_tensor(detail["index"], array.reshape(detail["shape"]))
        interpreter.invoke()
        results.append([interpreter.get_tensor(d["index"]).copy() for d in interpreter.get_output_details()])
    return results


@pytest.mark.parametrize("converter", CONVERTERS)
def test_representative_layers_are_bit_exact_on_qemu_m7(converter: str, zoo_cache: Path, tmp_path: Path) -> None:
    tflite = converted_layer("representative", converter, zoo_cache)
    result = verify_model(tflite, tmp_path / "representative", board="qemu_m7", samples=4, seed=3)
    assert result.compared_bytes > 0
    assert result.bit_exact, result.render()


# Keras 3 writes LSTM as a WHILE loop the TFLite converter cannot quantize; TF Lite Micro users convert it with
# tf-keras and a fixed batch, which gives one UNIDIRECTIONAL_SEQUENCE_LSTM (tests/test_op_lstm.py covers more shapes).
LSTM_LAYER = LstmShape(batch=1, steps=8, features=5, units=6, sequences=False)


def test_lstm_layer_is_bit_exact_with_tflite_micro_on_host_and_qemu_m7(zoo_cache: Path, tmp_path: Path) -> None:
    tflite = converted_lstm(LSTM_LAYER, zoo_cache)
    assert_bit_exact(tflite.read_bytes(), tmp_path, samples=8, seed=len(COVERED))
    result = verify_model(tflite, tmp_path / "qemu", board="qemu_m7", samples=4, seed=3)
    assert result.compared_bytes > 0
    assert result.bit_exact, result.render()
    # The profiler reads the outputs after the warm-ups: the LSTM's state has moved on by then (tflite-micro's
    # outputs differ from one invocation to the next), and its output check follows it.
    profile = profile_build(tmp_path / "qemu", runs=2, warmups=3)
    assert profile["outputs_match"], profile["output_mismatches"]
