"""RESIZE_NEAREST_NEIGHBOR, RESIZE_BILINEAR, DEPTH_TO_SPACE and SPACE_TO_DEPTH:
generated C against tflite-micro, bit for bit.

Each model holds a dozen independent ops of one kind over random shapes
(batch up to 2, upsampling and downsampling by integer and fractional
factors, every align_corners / half_pixel_centers combination tflite-micro
accepts, random scales and zero points), so one compile covers many cases.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, assert_refused
from modelgen import ModelBuilder
from test_op_conv import log_uniform_scale
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

OPS_PER_MODEL = 12
RESIZES = ("RESIZE_NEAREST_NEIGHBOR", "RESIZE_BILINEAR")
# (align_corners, half_pixel_centers); tflite-micro refuses both for bilinear.
RESIZE_FLAGS = ((False, False), (True, False), (False, True), (True, True))


def _resize_options(kind: str, align_corners: bool, half_pixel_centers: bool):
    options = schema.ResizeBilinearOptionsT() if kind == "RESIZE_BILINEAR" else schema.ResizeNearestNeighborOptionsT()
    options.alignCorners = align_corners
    options.halfPixelCenters = half_pixel_centers
    return options


def add_spatial_ops(b: ModelBuilder, kind: str, rng: np.random.Generator, ops: int) -> tuple[list[int], list[int]]:
    """Add ``ops`` independent ``kind`` ops of random shapes to ``b``; returns their graph inputs and outputs."""
    inputs, outputs = [], []
    for number in range(ops):
        scale, zero_point = log_uniform_scale(rng, 0.005, 0.2), int(rng.integers(-128, 128))
        batch, channels = int(rng.choice([1, 1, 2])), int(rng.integers(1, 6))
        if kind in RESIZES:
            in_h, in_w = int(rng.integers(1, 8)), int(rng.integers(1, 8))
            # Keras' UpSampling2D factors, and arbitrary sizes (down- and fractional sampling).
            if rng.random() < 0.5:
                out_h, out_w = in_h * int(rng.integers(1, 4)), in_w * int(rng.integers(1, 4))
            else:
                out_h, out_w = int(rng.integers(1, 12)), int(rng.integers(1, 12))
            flags = [f for f in RESIZE_FLAGS if kind != "RESIZE_BILINEAR" or f != (True, True)]
            align_corners, half_pixel_centers = flags[number % len(flags)]
            x = b.activation((batch, in_h, in_w, channels), scale=scale, zero_point=zero_point)
            y = b.activation((batch, out_h, out_w, channels), scale=scale, zero_point=zero_point)
            size = b.constant(np.array([out_h, out_w], dtype=np.int32))
            b.op(kind, [x, size], [y], _resize_options(kind, align_corners, half_pixel_centers))
        else:
            block = int(rng.integers(1, 4))
            h, w = int(rng.integers(1, 5)), int(rng.integers(1, 5))
            if kind == "DEPTH_TO_SPACE":
                in_shape, out_shape = (batch, h, w, channels * block * block), (batch, h * block, w * block, channels)
                options = schema.DepthToSpaceOptionsT()
            else:
                in_shape, out_shape = (batch, h * block, w * block, channels), (batch, h, w, channels * block * block)
                options = schema.SpaceToDepthOptionsT()
            options.blockSize = block
            x = b.activation(in_shape, scale=scale, zero_point=zero_point)
            y = b.activation(out_shape, scale=scale, zero_point=zero_point)
            b.op(kind, [x], [y], options)
        inputs.append(x)
        outputs.append(y)
    return inputs, outputs


KINDS = [*RESIZES, "DEPTH_TO_SPACE", "SPACE_TO_DEPTH"]
CASES = [(kind, seed) for kind in KINDS for seed in range(2)]


@pytest.mark.parametrize("kind,seed", CASES, ids=[f"{k}-{s}" for k, s in CASES])
def test_spatial_op_matches_tflite_micro(kind: str, seed: int, tmp_path: Path) -> None:
    b = ModelBuilder()
    inputs, outputs = add_spatial_ops(b, kind, np.random.default_rng(7300 + 10 * KINDS.index(kind) + seed), OPS_PER_MODEL)
    assert_bit_exact(b.finish(inputs, outputs), tmp_path, samples=8, seed=seed)


# (input size, output size, align_corners, half_pixel_centers) where TF Lite Micro's float32
# source positions round differently from exact arithmetic (found by comparing the two).
FLOAT32_SENSITIVE_RESIZES = [(2, 41, False, True), (2, 42, True, True), (4, 75, True, False), (6, 74, False, False),
                             (8, 24, True, True), (4, 38, True, True)]


def test_nearest_neighbor_follows_float32_positions(tmp_path: Path) -> None:
    b = ModelBuilder()
    inputs, outputs = [], []
    for in_size, out_size, align_corners, half_pixel_centers in FLOAT32_SENSITIVE_RESIZES:
        x = b.activation((1, in_size, in_size, 1), scale=0.1, zero_point=3)
        y = b.activation((1, out_size, out_size, 1), scale=0.1, zero_point=3)
        b.op("RESIZE_NEAREST_NEIGHBOR", [x, b.constant(np.array([out_size, out_size], dtype=np.int32))], [y],
             _resize_options("RESIZE_NEAREST_NEIGHBOR", align_corners, half_pixel_centers))
        inputs.append(x)
        outputs.append(y)
    assert_bit_exact(b.finish(inputs, outputs), tmp_path, samples=4)


def test_resize_bilinear_refuses_an_output_quantized_unlike_its_input(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 3, 3, 2), scale=0.1, zero_point=0)
    y = b.activation((1, 6, 6, 2), scale=0.2, zero_point=0)
    b.op("RESIZE_BILINEAR", [x, b.constant(np.array([6, 6], dtype=np.int32))], [y],
         _resize_options("RESIZE_BILINEAR", False, False))
    assert_refused(b.finish([x], [y]), tmp_path, "moves raw values without requantizing")


def test_resize_bilinear_refuses_align_corners_with_half_pixel_centers(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 3, 3, 2))
    y = b.activation((1, 6, 6, 2))
    b.op("RESIZE_BILINEAR", [x, b.constant(np.array([6, 6], dtype=np.int32))], [y],
         _resize_options("RESIZE_BILINEAR", True, True))
    assert_refused(b.finish([x], [y]), tmp_path, "align_corners and half_pixel_centers")


def test_resize_refuses_a_size_unlike_the_output(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 3, 3, 2))
    y = b.activation((1, 6, 6, 2))
    b.op("RESIZE_NEAREST_NEIGHBOR", [x, b.constant(np.array([6, 5], dtype=np.int32))], [y],
         _resize_options("RESIZE_NEAREST_NEIGHBOR", False, False))
    assert_refused(b.finish([x], [y]), tmp_path, "size tensor holds")


def test_depth_to_space_refuses_channels_not_divisible_by_the_block(tmp_path: Path) -> None:
    b = ModelBuilder()
    x = b.activation((1, 2, 2, 6))
    y = b.activation((1, 4, 4, 1))
    options = schema.DepthToSpaceOptionsT()
    options.blockSize = 2
    b.op("DEPTH_TO_SPACE", [x], [y], options)
    assert_refused(b.finish([x], [y]), tmp_path, "not a multiple of block size")
