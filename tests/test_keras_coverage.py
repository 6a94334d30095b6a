"""Common Keras layers, each in a small model converted two ways, bit-exact with tflite-micro.

Every model of ``keras_layers.LAYERS`` is converted by tinykit's converter
(batch fixed to one) and by a plain ``TFLiteConverter.from_keras_model``
with its defaults (the batch stays dynamic, so shape arithmetic, EXPAND_DIMS
and friends appear in the file), built for the host under -Werror and the
sanitizers, and compared byte for byte with tflite-micro on random inputs.
Layers whose kernels are still to be written are strict xfails: they flip to
failing the day the kernel lands, and the mark goes. One model holding many
of the layers also runs on the emulated Cortex-M7, once per converter.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bitexact import assert_bit_exact
from keras_layers import CONVERTERS, LAYERS, converted_layer

from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import parse_tflite
from tinykit.ir import Graph
from tinykit.verify.compare import random_samples
from tinykit.verify.run import verify_model
from tinykit.verify.tflm import run_tflm

pytestmark = pytest.mark.slow

# The 26 layers of issue 9 (and the combined model, run in QEMU below).
COVERED = [name for name in LAYERS if name != "representative"]

MISSING_KERNEL = {
    # Keras 3 writes UpSampling2D(interpolation="nearest") as RESHAPE and TILE, not RESIZE_NEAREST_NEIGHBOR;
    # tflite-micro has no TILE kernel either, so this needs a pass rewriting the pattern into a resize.
    "upsampling_nearest": "TILE",
}

# TensorFlow writes a Dense on 3-D input with a dynamic batch using REDUCE_PROD, which tflite-micro has no
# kernel for (and tensors stored as [1, 1]): tinykit folds it away, and tflite-micro runs the simplified file.
TFLM_CANNOT_RUN = {("dense_3d", "tflite")}


def _cases() -> list:
    cases = []
    for name in COVERED:
        for converter in CONVERTERS:
            marks = []
            if name in MISSING_KERNEL:
                marks.append(pytest.mark.xfail(strict=True, raises=TinykitError,
                                               reason=f"needs the {MISSING_KERNEL[name]} kernel (issue 9 item 2)"))
            if (name, converter) not in TFLM_CANNOT_RUN:
                cases.append(pytest.param(name, converter, marks=marks, id=f"{name}-{converter}"))
    return cases


@pytest.mark.parametrize("name,converter", _cases())
def test_layer_is_bit_exact_with_tflite_micro(name: str, converter: str, zoo_cache: Path, tmp_path: Path) -> None:
    model = converted_layer(name, converter, zoo_cache).read_bytes()
    assert_bit_exact(model, tmp_path, samples=8, seed=COVERED.index(name))


def _as_simplified(model: bytes, graph: Graph) -> bytes:
    """``model`` rewritten as tinykit simplified it, for tflite-micro: only the ops tinykit kept, every
    tensor with its static shape, and RESHAPE reading its data input alone (then shaped by its output)."""
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
    builder = flatbuffers.Builder(1024)
    builder.Finish(rewritten.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


@pytest.mark.parametrize("name,converter", sorted(TFLM_CANNOT_RUN))
def test_layer_tflite_micro_cannot_run_is_bit_exact_once_simplified(name: str, converter: str, zoo_cache: Path,
                                                                   tmp_path: Path) -> None:
    """tflite-micro refuses the file as TensorFlow wrote it; written back as tinykit simplified it
    (shape arithmetic folded), it runs, and tinykit's code matches it bit for bit."""
    model = converted_layer(name, converter, zoo_cache).read_bytes()
    with pytest.raises(TinykitError, match="tflite-micro could not prepare the model"):
        run_tflm(model, random_samples(parse_tflite(model), 1, seed=0))
    assert_bit_exact(_as_simplified(model, parse_tflite(model)), tmp_path, samples=8, seed=COVERED.index(name))


@pytest.mark.parametrize("converter", CONVERTERS)
def test_representative_layers_are_bit_exact_on_qemu_m7(converter: str, zoo_cache: Path, tmp_path: Path) -> None:
    tflite = converted_layer("representative", converter, zoo_cache)
    result = verify_model(tflite, tmp_path / "representative", board="qemu_m7", samples=4, seed=3)
    assert result.compared_bytes > 0
    assert result.bit_exact, result.render()
