"""TRANSPOSE, STRIDED_SLICE, SLICE, SPLIT, SPLIT_V, PACK and UNPACK int8:
generated C against tflite-micro, bit for bit.

Each test builds one model holding many independent randomized cases (ranks 1
to 4, odd extents, random permutations, negative indices, negative strides,
begin/end/shrink masks, uneven splits, every axis), so one compile covers them
all; and the refusals (input and output quantized differently, which
tflite-micro would copy unscaled).
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

CASES = 12


def _shape(rng: np.random.Generator, low_rank: int = 1, high_rank: int = 4) -> tuple[int, ...]:
    return tuple(int(d) for d in rng.integers(1, 7, size=rng.integers(low_rank, high_rank + 1)))


def _quant(rng: np.random.Generator) -> dict:
    return {"scale": float(rng.uniform(0.005, 0.2)), "zero_point": int(rng.integers(-128, 128))}


def _i32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int32)


def _many(build_case, seed: int) -> bytes:
    """A model of CASES independent cases, each with its own input and outputs."""
    rng = np.random.default_rng(seed)
    b = ModelBuilder()
    inputs, outputs = [], []
    for _ in range(CASES):
        case_inputs, case_outputs = build_case(b, rng)
        inputs += case_inputs
        outputs += case_outputs
    return b.finish(inputs, outputs)


def transpose_case(b: ModelBuilder, rng: np.random.Generator) -> tuple[list[int], list[int]]:
    shape, q = _shape(rng), _quant(rng)
    perm = [int(p) for p in rng.permutation(len(shape))]
    x = b.activation(shape, **q)
    y = b.activation([shape[p] for p in perm], **q)
    b.op("TRANSPOSE", [x, b.constant(_i32(perm))], [y], schema.TransposeOptionsT())
    return [x], [y]


def strided_slice_case(b: ModelBuilder, rng: np.random.Generator) -> tuple[list[int], list[int]]:
    shape, q = _shape(rng), _quant(rng)
    while True:  # random windows until one is not empty (tensors have extents of at least 1)
        begin, end, strides, masks, out_shape = _strided_window(shape, rng)
        if 0 not in out_shape:
            break
    x = b.activation(shape, **q)
    y = b.activation(out_shape, **q)
    options = schema.StridedSliceOptionsT()
    options.beginMask, options.endMask, options.shrinkAxisMask = masks["begin"], masks["end"], masks["shrink"]
    b.op("STRIDED_SLICE", [x, b.constant(_i32(begin)), b.constant(_i32(end)), b.constant(_i32(strides))], [y], options)
    return [x], [y]


def _strided_window(shape: tuple[int, ...], rng: np.random.Generator):
    """Random begin, end, strides and masks for ``shape``, and the output shape they give."""
    begin, end, strides, slices = [], [], [], []
    masks = {"begin": 0, "end": 0, "shrink": 0}
    for axis, size in enumerate(shape):
        stride = int(rng.choice([1, 1, 2, 3, -1, -2]))
        if rng.random() < 0.2:  # shrink: one element, at an index that may count from the end
            index = int(rng.integers(-size, size))
            masks["shrink"] |= 1 << axis
            begin.append(index), end.append(index + 1), strides.append(1), slices.append(index)
            continue
        first, last = (int(v) for v in rng.integers(-size - 2, size + 3, size=2))
        begin.append(first), end.append(last), strides.append(stride)
        start_value, stop_value = first, last
        if rng.random() < 0.25:
            masks["begin"] |= 1 << axis
            start_value = None
        if rng.random() < 0.25:
            masks["end"] |= 1 << axis
            stop_value = None
        slices.append(slice(start_value, stop_value, stride))
    # Python's slicing resolves begin/end/stride as TFLite's strided_slice_logic.h does.
    return begin, end, strides, masks, np.empty(shape)[tuple(slices)].shape


def slice_case(b: ModelBuilder, rng: np.random.Generator) -> tuple[list[int], list[int]]:
    shape, q = _shape(rng), _quant(rng)
    begin = [int(rng.integers(0, d)) for d in shape]
    size = [-1 if rng.random() < 0.3 else int(rng.integers(1, d - s + 1)) for d, s in zip(shape, begin)]
    out_shape = [d - s if n == -1 else n for d, s, n in zip(shape, begin, size)]
    x = b.activation(shape, **q)
    y = b.activation(out_shape, **q)
    b.op("SLICE", [x, b.constant(_i32(begin)), b.constant(_i32(size))], [y], schema.SliceOptionsT())
    return [x], [y]


def split_case(b: ModelBuilder, rng: np.random.Generator) -> tuple[list[int], list[int]]:
    shape, q = list(_shape(rng)), _quant(rng)
    axis = int(rng.integers(len(shape)))
    pieces = int(rng.integers(1, 4))
    shape[axis] *= pieces
    x = b.activation(shape, **q)
    outs = [b.activation([d // pieces if a == axis else d for a, d in enumerate(shape)], **q) for _ in range(pieces)]
    options = schema.SplitOptionsT()
    options.numSplits = pieces
    negative = rng.random() < 0.5
    b.op("SPLIT", [b.constant(_i32(axis - len(shape) if negative else axis)), x], outs, options)
    return [x], outs


def split_v_case(b: ModelBuilder, rng: np.random.Generator) -> tuple[list[int], list[int]]:
    shape, q = list(_shape(rng)), _quant(rng)
    axis = int(rng.integers(len(shape)))
    sizes = [int(s) for s in rng.integers(1, 5, size=rng.integers(1, 4))]
    shape[axis] = sum(sizes)
    x = b.activation(shape, **q)
    outs = [b.activation([s if a == axis else d for a, d in enumerate(shape)], **q) for s in sizes]
    options = schema.SplitVOptionsT()
    options.numSplits = len(sizes)
    b.op("SPLIT_V", [x, b.constant(_i32(sizes)), b.constant(_i32([axis]))], outs, options)
    return [x], outs


def pack_case(b: ModelBuilder, rng: np.random.Generator) -> tuple[list[int], list[int]]:
    shape, q = _shape(rng, 1, 3), _quant(rng)
    count = int(rng.integers(1, 4))
    axis = int(rng.integers(len(shape) + 1))
    xs = [b.activation(shape, **q) for _ in range(count)]
    y = b.activation(shape[:axis] + (count,) + shape[axis:], **q)
    options = schema.PackOptionsT()
    options.valuesCount, options.axis = count, axis
    b.op("PACK", xs, [y], options)
    return xs, [y]


def unpack_case(b: ModelBuilder, rng: np.random.Generator) -> tuple[list[int], list[int]]:
    shape, q = _shape(rng, 2, 4), _quant(rng)
    axis = int(rng.integers(len(shape)))
    x = b.activation(shape, **q)
    outs = [b.activation(shape[:axis] + shape[axis + 1:], **q) for _ in range(shape[axis])]
    options = schema.UnpackOptionsT()
    options.num, options.axis = shape[axis], axis - len(shape) if rng.random() < 0.5 else axis
    b.op("UNPACK", [x], outs, options)
    return [x], outs


BUILDERS = {
    "TRANSPOSE": transpose_case, "STRIDED_SLICE": strided_slice_case, "SLICE": slice_case, "SPLIT": split_case,
    "SPLIT_V": split_v_case, "PACK": pack_case, "UNPACK": unpack_case,
}


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_movement_op_matches_tflite_micro(kind: str, tmp_path: Path) -> None:
    seed = sorted(BUILDERS).index(kind)
    compiled = assert_bit_exact(_many(BUILDERS[kind], 7000 + seed), tmp_path, samples=4, seed=seed)
    assert sum(op.kind.value == kind for op in compiled.graph.ops) == CASES


def test_movement_refuses_an_output_quantized_unlike_the_input(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 4, 3), scale=0.05, zero_point=2)
    y = b.activation((1, 3, 4), scale=0.05, zero_point=3)
    b.op("TRANSPOSE", [x, b.constant(_i32([0, 2, 1]))], [y], schema.TransposeOptionsT())
    (tmp_path / "m.tflite").write_bytes(b.finish([x], [y]))
    with pytest.raises(TinykitError, match=r"op 0 \(TRANSPOSE\).*without requantizing"):
        compile_tflite(tmp_path / "m.tflite", tmp_path / "build", "host", "m.tflite")
