"""tinykit.simplify: each read-time pass on its own (pure IR -> IR), then all
of them through the real pipeline, bit for bit against tflite-micro.

The models are what TensorFlow's converter writes for a dynamic batch:
SHAPE -> STRIDED_SLICE -> PACK -> RESHAPE (Flatten), EXPAND_DIMS -> CONV_2D ->
SQUEEZE (Conv1D), RESHAPE to a computed shape with stored shapes of [1, 1]
(Dense on 3-D input); plus QUANTIZE between identical quantizations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact
from modelgen import ModelBuilder
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.build import compile_tflite
from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import raw_graph
from tinykit.ir import Graph, OpKind
from tinykit.simplify import (
    fold_constants, remove_dead_ops, remove_identity_quantize, simplify, static_shapes, tiles_as_resize,
    views_as_reshape,
)
from tinykit.verify.compare import random_samples
from tinykit.verify.host import build_host, run_host

Q = {"scale": 0.05, "zero_point": -2}


def _i32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int32)


def flatten_dynamic(b: ModelBuilder, shape: tuple[int, ...]) -> tuple[int, int]:
    """Flatten as the converter writes it with a dynamic batch: the batch read back with SHAPE."""
    x = b.activation(shape, **Q)
    dims = b.activation((len(shape),), dtype="int32", scale=None)
    batch = b.activation((), dtype="int32", scale=None)
    target = b.activation((2,), dtype="int32", scale=None)
    y = b.activation((shape[0], int(np.prod(shape[1:]))), **Q)
    b.op("SHAPE", [x], [dims], schema.ShapeOptionsT())
    options = schema.StridedSliceOptionsT()
    options.shrinkAxisMask = 1
    b.op("STRIDED_SLICE", [dims, b.constant(_i32([0])), b.constant(_i32([1])), b.constant(_i32([1]))], [batch], options)
    pack = schema.PackOptionsT()
    pack.valuesCount = 2
    b.op("PACK", [batch, b.constant(np.array(-1, dtype=np.int32))], [target], pack)
    b.op("RESHAPE", [x, target], [y], schema.ReshapeOptionsT())
    return x, y


def conv1d_dynamic(b: ModelBuilder, width: int, channels: int, filters: int) -> tuple[int, int]:
    """Conv1D as the converter writes it: EXPAND_DIMS -> CONV_2D on one row -> SQUEEZE."""
    rng = np.random.default_rng(width)
    x = b.activation((1, width, channels), **Q)
    row = b.activation((1, 1, width, channels), **Q)
    b.op("EXPAND_DIMS", [x, b.constant(_i32([1]))], [row], schema.ExpandDimsOptionsT())
    weights = b.constant(rng.integers(-127, 128, (filters, 1, 3, channels), dtype=np.int8), scale=[0.02] * filters)
    bias = b.constant(rng.integers(-500, 500, filters, dtype=np.int32), scale=[0.05 * 0.02] * filters)
    conv_out = b.activation((1, 1, width - 2, filters), scale=0.1, zero_point=3)
    conv = schema.Conv2DOptionsT()
    conv.padding, conv.strideH, conv.strideW = schema.Padding.VALID, 1, 1
    b.op("CONV_2D", [row, weights, bias], [conv_out], conv)
    y = b.activation((1, width - 2, filters), scale=0.1, zero_point=3)
    squeeze = schema.SqueezeOptionsT()
    squeeze.squeezeDims = [1]
    b.op("SQUEEZE", [conv_out], [y], squeeze)
    return x, y


def identity_quantize(b: ModelBuilder) -> tuple[int, int]:
    """x -> QUANTIZE to the same quantization -> LOGISTIC."""
    x = b.activation((1, 9), **Q)
    same = b.activation((1, 9), **Q)
    y = b.activation((1, 9), scale=1 / 256, zero_point=-128)
    b.op("QUANTIZE", [x], [same])
    b.op("LOGISTIC", [same], [y])
    return x, y


def upsample_with_tiles(b: ModelBuilder, shape: tuple[int, int, int, int], factors: tuple[int, int]) -> tuple[int, int]:
    """UpSampling2D(nearest) as the converter writes it: per axis, EXPAND_DIMS -> TILE -> RESHAPE."""
    x = current = b.activation(shape, **Q)
    grown = list(shape)
    for axis, times in zip((1, 2), factors):
        expanded = (*grown[:axis + 1], 1, *grown[axis + 1:])
        multiples = [1] * 5
        multiples[axis + 1] = times
        row = b.activation(expanded, **Q)
        b.op("EXPAND_DIMS", [current, b.constant(_i32(axis + 1))], [row], schema.ExpandDimsOptionsT())
        tiled = b.activation(tuple(d * m for d, m in zip(expanded, multiples)), **Q)
        b.op("TILE", [row, b.constant(_i32(multiples))], [tiled], schema.TileOptionsT())
        grown[axis] *= times
        current = b.activation(tuple(grown), **Q)
        b.op("RESHAPE", [tiled, b.constant(_i32(grown))], [current], schema.ReshapeOptionsT())
    return x, current


def raw(model: bytes) -> Graph:
    return raw_graph(model, "m")


def kinds(graph: Graph) -> list[str]:
    return [op.kind.value for op in graph.ops]


# --- each pass alone ---------------------------------------------------------------


def test_fold_constants_turns_the_dynamic_batch_arithmetic_into_a_constant_shape() -> None:
    b = ModelBuilder()
    x, y = flatten_dynamic(b, (1, 3, 4, 5))
    graph = raw(b.finish([x], [y]))
    assert kinds(graph) == ["SHAPE", "STRIDED_SLICE", "PACK", "RESHAPE"]
    folded = fold_constants(graph)
    assert kinds(folded) == ["RESHAPE"]
    assert folded.ops[0].inputs[1].array().tolist() == [1, -1]


def test_static_shapes_shapes_a_reshape_from_its_folded_operand_and_the_dense_after_it() -> None:
    """The tensors TensorFlow leaves as [1, 1] when the batch is dynamic get their real shapes."""
    b = ModelBuilder()
    x = b.activation((1, 5, 8), **Q)
    flat = b.activation((1, 1), **Q)  # shape signature [-1, -1]: the converter could not say
    b.op("RESHAPE", [x, b.constant(_i32([-1, 8]))], [flat], schema.ReshapeOptionsT())
    weights = b.constant(np.ones((6, 8), dtype=np.int8), scale=[0.02])
    dense = b.activation((1, 6), **Q)
    b.op("FULLY_CONNECTED", [flat, weights, -1], [dense], schema.FullyConnectedOptionsT())
    y = b.activation((1, 5, 6), **Q)
    b.op("RESHAPE", [dense, b.constant(_i32([1, 5, 6]))], [y], schema.ReshapeOptionsT())
    shaped = static_shapes(raw(b.finish([x], [y])))
    assert [op.outputs[0].shape for op in shaped.ops] == [(5, 8), (5, 6), (1, 5, 6)]
    assert all(len(op.inputs) == 1 for op in shaped.ops if op.kind is OpKind.RESHAPE)
    assert shaped.ops[1].inputs[0].shape == (5, 8)


def test_static_shapes_refuses_a_shape_that_cannot_hold_the_input() -> None:
    b = ModelBuilder()
    x = b.activation((1, 6), **Q)
    y = b.activation((1, 1), **Q)
    b.op("RESHAPE", [x, b.constant(_i32([4, -1]))], [y], schema.ReshapeOptionsT())
    with pytest.raises(TinykitError, match=r"op 0 \(RESHAPE\) asks for the shape \[4, 1\]"):
        static_shapes(raw(b.finish([x], [y])))


def test_identity_quantize_is_removed_and_its_reader_reads_its_input() -> None:
    b = ModelBuilder()
    x, y = identity_quantize(b)
    graph = remove_identity_quantize(raw(b.finish([x], [y])))
    assert kinds(graph) == ["LOGISTIC"]
    assert graph.ops[0].inputs[0].index == x


def test_identity_quantize_to_a_graph_output_becomes_a_view() -> None:
    b = ModelBuilder()
    x = b.activation((1, 9), **Q)
    y = b.activation((1, 9), **Q)
    b.op("QUANTIZE", [x], [y])
    graph = remove_identity_quantize(raw(b.finish([x], [y])))
    assert kinds(graph) == ["RESHAPE"] and graph.ops[0].is_view


def test_a_requantizing_quantize_stays() -> None:
    b = ModelBuilder()
    x = b.activation((1, 9), **Q)
    t = b.activation((1, 9), scale=0.05, zero_point=-1)
    y = b.activation((1, 9), scale=1 / 256, zero_point=-128)
    b.op("QUANTIZE", [x], [t])
    b.op("LOGISTIC", [t], [y])
    assert kinds(remove_identity_quantize(raw(b.finish([x], [y])))) == ["QUANTIZE", "LOGISTIC"]


def test_expand_dims_and_squeeze_become_views() -> None:
    b = ModelBuilder()
    x, y = conv1d_dynamic(b, 7, 3, 4)
    graph = views_as_reshape(raw(b.finish([x], [y])))
    assert kinds(graph) == ["RESHAPE", "CONV_2D", "RESHAPE"]
    assert graph.ops[0].outputs[0].shape == (1, 1, 7, 3) and graph.ops[2].outputs[0].shape == (1, 5, 4)


def test_dead_ops_are_removed_and_live_ones_kept() -> None:
    b = ModelBuilder()
    x = b.activation((1, 9), **Q)
    unused = b.activation((1, 9), scale=1 / 256, zero_point=-128)
    y = b.activation((1, 9), scale=1 / 256, zero_point=-128)
    b.op("LOGISTIC", [x], [unused])
    b.op("LOGISTIC", [x], [y])
    graph = remove_dead_ops(raw(b.finish([x], [y])))
    assert [op.index for op in graph.ops] == [1]


def test_a_folded_op_whose_output_the_model_returns_is_kept() -> None:
    b = ModelBuilder()
    x = b.activation((1, 4, 2), **Q)
    dims = b.activation((3,), dtype="int32", scale=None)
    b.op("SHAPE", [x], [dims], schema.ShapeOptionsT())
    assert kinds(simplify(raw(b.finish([x], [dims])))) == ["SHAPE"]


def test_nearest_upsampling_written_with_tiles_becomes_one_resize() -> None:
    b = ModelBuilder()
    x, y = upsample_with_tiles(b, (1, 3, 5, 4), (3, 2))
    graph = tiles_as_resize(views_as_reshape(raw(b.finish([x], [y]))))
    assert kinds(graph) == ["RESIZE_NEAREST_NEIGHBOR"]
    (resize,) = graph.ops
    assert resize.inputs[0].index == x and resize.outputs[0].index == y
    assert resize.outputs[0].shape == (1, 9, 10, 4)
    assert not resize.options.align_corners and not resize.options.half_pixel_centers


def test_a_tile_that_is_not_an_upsampling_stays_and_is_refused_naming_it(tmp_path: Path) -> None:
    """Repeating channels is no resize: the TILE is left alone, and the build names it."""
    b = ModelBuilder()
    x = b.activation((1, 2, 3, 4), **Q)
    y = b.activation((1, 2, 3, 8), **Q)
    b.op("TILE", [x, b.constant(_i32([1, 1, 1, 2]))], [y], schema.TileOptionsT())
    model = b.finish([x], [y])
    assert kinds(tiles_as_resize(raw(model))) == ["TILE"]
    (tmp_path / "m.tflite").write_bytes(model)
    with pytest.raises(TinykitError, match=r"op 0 of the model is TILE, which tflite-micro has no kernel for"):
        compile_tflite(tmp_path / "m.tflite", tmp_path / "build", "host", "m.tflite")


# --- through the pipeline ----------------------------------------------------------


def test_simplified_graphs_are_bit_exact_and_views_share_their_input_bytes(tmp_path: Path) -> None:
    """One model, several independent parts: Flatten with a dynamic batch, two Conv1Ds, an identity
    QUANTIZE, and a RESHAPE whose input is also read after it (a view nonetheless)."""
    b = ModelBuilder()
    parts = [flatten_dynamic(b, (1, 3, 4, 5)), conv1d_dynamic(b, 9, 3, 4), conv1d_dynamic(b, 6, 2, 5),
             identity_quantize(b)]
    x = b.activation((1, 2, 6), **Q)
    flat = b.activation((1, 12), **Q)
    b.op("RESHAPE", [x, b.constant(_i32([1, 12]))], [flat], schema.ReshapeOptionsT())
    later = b.activation((1, 2, 6), scale=1 / 256, zero_point=-128)
    b.op("LOGISTIC", [x], [later])
    y = b.activation((1, 12), scale=1 / 256, zero_point=-128)
    b.op("LOGISTIC", [flat], [y])
    model = b.finish([p[0] for p in parts] + [x], [p[1] for p in parts] + [later, y])
    compiled = assert_bit_exact(model, tmp_path, samples=6)
    assert not {"SHAPE", "STRIDED_SLICE", "PACK", "EXPAND_DIMS", "SQUEEZE", "QUANTIZE"} & set(kinds(compiled.graph))
    views = [op for op in compiled.graph.ops if op.is_view]
    assert len(views) == 6  # the flatten, two per Conv1D, and the reshape of a tensor read later
    for op in views:
        assert compiled.plan.tensor_offset(op.outputs[0]) == compiled.plan.tensor_offset(op.inputs[0]), op


def test_upsampling_written_with_tiles_repeats_every_pixel(tmp_path: Path) -> None:
    """The compiled model (one resize) outputs what the TILEs meant: every pixel repeated, rows then
    columns. (The Keras coverage suite checks the same pattern bit for bit against tflite-micro.)"""
    b = ModelBuilder()
    x, y = upsample_with_tiles(b, (1, 4, 3, 5), (2, 3))
    (tmp_path / "m.tflite").write_bytes(b.finish([x], [y]))
    compiled = compile_tflite(tmp_path / "m.tflite", tmp_path / "build", "host", "m.tflite")
    assert kinds(compiled.graph) == ["RESIZE_NEAREST_NEIGHBOR"]
    samples = random_samples(compiled.graph, 3, seed=5)
    outputs = run_host(build_host(compiled.folder, sanitize=True, shared_library=False), compiled.graph, samples)
    for (image,), (upsampled,) in zip(samples, outputs, strict=True):
        assert np.array_equal(upsampled, image.repeat(2, axis=1).repeat(3, axis=2))


def test_shape_arithmetic_on_a_run_time_value_is_refused_naming_the_op(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 4, 2), **Q)
    dims = b.activation((3,), dtype="int32", scale=None)
    b.op("SHAPE", [x], [dims], schema.ShapeOptionsT())
    (tmp_path / "m.tflite").write_bytes(b.finish([x], [dims]))
    with pytest.raises(TinykitError, match=r"op 0 of the model is SHAPE on int32 values computed at run time"):
        compile_tflite(tmp_path / "m.tflite", tmp_path / "build", "host", "m.tflite")


def test_gather_of_activations_is_refused_naming_the_op(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 6), **Q)
    y = b.activation((1, 2), **Q)
    b.op("GATHER", [x, b.constant(_i32([4, 1]))], [y], schema.GatherOptionsT())
    (tmp_path / "m.tflite").write_bytes(b.finish([x], [y]))
    with pytest.raises(TinykitError, match=r"op 0 of the model is GATHER on int8 values computed at run time"):
        compile_tflite(tmp_path / "m.tflite", tmp_path / "build", "host", "m.tflite")
