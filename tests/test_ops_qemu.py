"""Kernels on emulated Cortex-M boards, bit-exact with tflite-micro: the
arithmetic, activation, reduction, spatial and transposed-convolution kernels
on a Cortex-M4 in one firmware image holding two ops of every kind, and the
DSP twins of CONV_2D, FULLY_CONNECTED, ADD, the pools, MEAN and DEPTHWISE_CONV_2D
on a Cortex-M4, a Cortex-M7 and a Cortex-M33 in one image each (the host tests cover each kind in depth, the
twins with portable intrinsics; this checks that the target's compiler, its
real DSP instructions and its integer behaviour give the same bytes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from modelgen import ModelBuilder
from test_op_activation import KINDS as ACTIVATION_KINDS
from test_op_activation import add_activation_ops
from test_op_add import add_random_add
from test_op_arithmetic import KINDS as BINARY_KINDS
from test_op_arithmetic import add_binary_ops
from test_op_conv import QUAD_CASES, SHIFT_SPREAD_CASES, ConvCase, add_conv, conv_model
from test_op_depthwise import DepthwiseCase, add_depthwise
from test_op_fully_connected import FullyConnectedCase, add_fully_connected
from test_op_mean import MeanCase, add_mean
from test_op_pool import KINDS as POOL_KINDS
from test_op_pool import PoolCase, add_pool
from test_op_reduce import KINDS as REDUCE_KINDS
from test_op_reduce import add_reduce_ops
from test_op_spatial import KINDS as SPATIAL_KINDS
from test_op_spatial import add_spatial_ops
from test_op_transpose_conv import add_transpose_conv_ops

from tinykit.build import schedule_for
from tinykit.verify.run import verify_model

pytestmark = pytest.mark.slow


def assert_bit_exact_in_qemu(tflite: Path, tmp_path: Path, board: str, seed: int, kernels: str) -> None:
    """The model built for ``board`` with ``kernels``, run in QEMU on three samples, gives
    tflite-micro's outputs byte for byte."""
    result = verify_model(tflite, tmp_path / "build", board=board, samples=3, seed=seed, kernels=kernels)
    assert result.compared_bytes > 0
    assert result.bit_exact, result.render()


def test_new_kernels_are_bit_exact_on_qemu_m4(tmp_path: Path) -> None:
    rng = np.random.default_rng(77)
    b = ModelBuilder()
    inputs, outputs = [], []
    for add, kinds in ((add_binary_ops, BINARY_KINDS), (add_activation_ops, ACTIVATION_KINDS),
                       (add_reduce_ops, REDUCE_KINDS), (add_spatial_ops, SPATIAL_KINDS)):
        for kind in kinds:
            ins, outs = add(b, kind, rng, 2)
            inputs += ins
            outputs += outs
    ins, outs = add_transpose_conv_ops(b, rng, 2)
    inputs += ins
    outputs += outs
    tflite = tmp_path / "ops.tflite"
    tflite.write_bytes(b.finish(inputs, outputs))
    assert_bit_exact_in_qemu(tflite, tmp_path, "qemu_m4", seed=5, kernels="auto")


# Shapes that take every path of the DSP twins: CONV_2D's quads and triples kernels (their
# inner loop is assembly on these cores), FULLY_CONNECTED blocks of four
# units (small layers) and of eight (tk_fully_connected_blocks8_s8's assembly:
# 32 depths per pass, then four) with depth tails and leftover units, over
# batches, a clamp narrower than int8 and a dead unit; ADD's tables; pools
# with partial windows, channel tails and windows above 256 pixels; MEAN above
# 256 pixels and with a channel tail.
FC_CASES = [FullyConnectedCase((3, 13), 12, "RELU6", True, False), FullyConnectedCase((2, 33), 31, "NONE", False, True),
            FullyConnectedCase((2, 52), 16, "RELU", True, True),
            FullyConnectedCase((1, 68), 17, "NONE", True, True, dead_unit=True)]
POOL_CASES = [PoolCase(kind, n, h, w, c, f, f, s, s, pad, act) for kind in POOL_KINDS for n, h, w, c, f, s, pad, act in (
    (1, 7, 7, 11, 3, 2, "SAME", "RELU"), (2, 17, 17, 9, 17, 1, "VALID", "NONE"))]
MEAN_CASES = [MeanCase(1, 20, 20, 8, False, False), MeanCase(2, 5, 5, 7, True, True)]
# DEPTHWISE_CONV_2D's 3x3 ring kernel by rows and by columns, strides 1 to 3, odd
# lines, every clamp; the general depth-multiplier-1 kernel (5x3, dilated); and the
# pairs kernel for channels in whole words (3x3 strided, dilated 5x3 over batches, a 1-D filter of 4 taps,
# 5x5, one tap, 72 channels).
DEPTHWISE_CASES = [
    DepthwiseCase(1, 10, 8, 16, 1, 3, 3, 1, 1, 1, "SAME", "RELU", True, True),
    DepthwiseCase(2, 9, 5, 8, 1, 3, 3, 1, 1, 1, "SAME", "RELU6", True, True),
    DepthwiseCase(1, 11, 9, 12, 1, 3, 3, 2, 2, 1, "SAME", "NONE", True, True),
    DepthwiseCase(1, 10, 11, 5, 1, 3, 3, 3, 2, 1, "VALID", "RELU_N1_TO_1", False, True),
    # the ring kernel's assembly loop (stride 1, clamped to all of int8) by rows and by columns
    DepthwiseCase(1, 8, 9, 6, 1, 3, 3, 1, 1, 1, "SAME", "NONE", True, True),
    DepthwiseCase(2, 11, 3, 5, 1, 3, 3, 1, 1, 1, "SAME", "NONE", False, True),
    # ... for one output per line (no pair), and at stride 2 across lines (rows), SAME and VALID
    DepthwiseCase(2, 1, 1, 7, 1, 3, 3, 1, 1, 1, "SAME", "NONE", True, True),
    DepthwiseCase(1, 9, 6, 5, 1, 3, 3, 2, 1, 1, "SAME", "NONE", True, True),
    DepthwiseCase(2, 10, 7, 3, 1, 3, 3, 2, 1, 1, "VALID", "NONE", True, True),
    DepthwiseCase(1, 12, 6, 6, 1, 5, 3, 1, 2, 2, "SAME", "RELU", True, True),
    DepthwiseCase(2, 9, 7, 12, 1, 5, 3, 2, 1, 2, "SAME", "RELU6", True, True),
    DepthwiseCase(1, 10, 1, 8, 1, 4, 1, 2, 1, 1, "SAME", "NONE", True, False),
    # ... its unrolled pass entered part-way and run again (5x5: 12 pairs and a lone tap), a one-tap
    # filter (a pair with a zero tap), and windows in the padding over two chunks of zero-point words
    # (18 groups)
    DepthwiseCase(1, 7, 6, 8, 1, 5, 5, 1, 1, 1, "SAME", "NONE", True, True),
    DepthwiseCase(1, 5, 4, 4, 1, 1, 1, 2, 1, 1, "VALID", "RELU", True, True),
    DepthwiseCase(1, 5, 5, 72, 1, 3, 3, 2, 2, 1, "SAME", "NONE", True, True),
]


@pytest.mark.parametrize("board", ["qemu_m4", "qemu_m7", "qemu_m33"])
def test_dsp_kernels_are_bit_exact_on_emulated_board(board: str, tmp_path: Path) -> None:
    """CONV_2D, FULLY_CONNECTED, ADD, AVERAGE_POOL_2D, MAX_POOL_2D, MEAN and DEPTHWISE_CONV_2D
    through their cortexm/ twins, one image."""
    rng = np.random.default_rng(78)
    b = ModelBuilder()
    inputs, outputs = [], []
    for case in QUAD_CASES:
        x, y = add_conv(b, case, rng)
        inputs.append(x)
        outputs.append(y)
    for case in SHIFT_SPREAD_CASES:
        x, y = add_conv(b, case, rng, shift_spread=True)
        inputs.append(x)
        outputs.append(y)
    for case in FC_CASES:
        x, y = add_fully_connected(b, case, rng)
        inputs.append(x)
        outputs.append(y)
    for seed, shape in ((1, (1, 6, 5, 3)), (2, (2, 4, 3, 7))):
        xs, z = add_random_add(b, seed, shape, "RELU")
        inputs += xs
        outputs.append(z)
    for case in POOL_CASES:
        x, y = add_pool(b, case, rng)
        inputs.append(x)
        outputs.append(y)
    for case in MEAN_CASES:
        x, y = add_mean(b, case, rng)
        inputs.append(x)
        outputs.append(y)
    for case in DEPTHWISE_CASES:
        x, y = add_depthwise(b, case, rng)
        inputs.append(x)
        outputs.append(y)
    tflite = tmp_path / "dsp_ops.tflite"
    tflite.write_bytes(b.finish(inputs, outputs))
    schedule = schedule_for(tflite, board, "fastest")  # the twins themselves, whatever the arena
    assert {op.variant for op in schedule.ops} == {"dsp"}
    assert {op.kernel for op in schedule.ops} >= {"tk_conv_1x1_quads_s8", "tk_conv_shallow_s8", "tk_conv_triples_s8",
                                                  "tk_depthwise_conv_3x3_s8", "tk_depthwise_conv_dm1_s8",
                                                  "tk_depthwise_conv_c4_s8", "tk_fully_connected_folded_s8",
                                                  "tk_fully_connected_blocks8_s8"}
    assert_bit_exact_in_qemu(tflite, tmp_path, board, seed=6, kernels="fastest")


# tk_conv_quads_s8 is never a layer's fastest kernel (tk_conv_triples_s8 and tk_conv_shallow_s8
# are), so the image above does not run it; here it runs where the memory-aware choice takes it
# for its pixel pair's smaller scratch (layers alone, or side by side in one image as long as
# each stays the arena's peak). Its dot loop (assembly) runs sixteen taps a pass and enters the
# first at the depth's leftover groups of four taps: depth / 4 % 4 = 3 (with a clamp inside int8,
# the C requantization; the others requantize in the assembly), 0, 1 and 2 (over two batches, an
# odd last pixel).
QUADS_ENTRY_CASES = [
    ConvCase(1, 5, 5, 12, 8, 3, 3, 1, 1, 1, "SAME", "RELU6", True, True),
    ConvCase(1, 5, 5, 16, 4, 3, 3, 1, 1, 1, "SAME", "NONE", True, True),
    ConvCase(1, 6, 5, 20, 8, 3, 3, 1, 1, 1, "SAME", "RELU", True, True),
    ConvCase(2, 5, 3, 8, 8, 3, 3, 1, 1, 1, "SAME", "NONE", False, True),
]


@pytest.mark.parametrize("board", ["qemu_m4", "qemu_m7", "qemu_m33"])
def test_quads_conv_kernel_strided_and_dilated_is_bit_exact_on_emulated_board(board: str, tmp_path: Path) -> None:
    """A layer alone (two images, stride 2 by 1, dilation 2): the gather's strided, dilated and padded windows."""
    tflite = tmp_path / "quads.tflite"
    tflite.write_bytes(conv_model(QUAD_CASES[8], np.random.default_rng(79)))
    assert [op.kernel for op in schedule_for(tflite, board, "auto").ops] == ["tk_conv_quads_s8"]
    assert_bit_exact_in_qemu(tflite, tmp_path, board, seed=6, kernels="auto")


@pytest.mark.parametrize("board", ["qemu_m4", "qemu_m7", "qemu_m33"])
def test_quads_conv_loop_entries_are_bit_exact_on_emulated_board(board: str, tmp_path: Path) -> None:
    rng = np.random.default_rng(80)
    b = ModelBuilder()
    inputs, outputs = [], []
    for case in QUADS_ENTRY_CASES:
        x, y = add_conv(b, case, rng)
        inputs.append(x)
        outputs.append(y)
    tflite = tmp_path / "quads_entries.tflite"
    tflite.write_bytes(b.finish(inputs, outputs))
    assert [op.kernel for op in schedule_for(tflite, board, "auto").ops] == ["tk_conv_quads_s8"] * len(QUADS_ENTRY_CASES)
    assert_bit_exact_in_qemu(tflite, tmp_path, board, seed=6, kernels="auto")
