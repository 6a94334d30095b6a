"""Every kernel variant's scratch size: the Python side (the variant's
``scratch_bytes``, which the planner places) against the C side (its
``<kernel>_get_buffer_size``), over the shapes its op tests run.

One host program per run calls the C functions for all cases and prints the
sizes; a variant registered with a scratch size but without an entry in
``SIZE_CALLS`` fails ``test_every_variant_with_scratch_is_checked``, so each
new variant comes with its check.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
from test_op_conv import EDGE_CASES, QUAD_CASES, RANDOM_CASES, case_seed, conv_model
from test_op_depthwise import EDGE_CASES as DEPTHWISE_EDGE_CASES
from test_op_depthwise import RANDOM_CASES as DEPTHWISE_RANDOM_CASES
from test_op_depthwise import depthwise_model
from test_op_transpose_conv import transpose_conv_ops

from tinykit.frontend.tflite_reader import read_tflite
from tinykit.ir import Conv2DOptions, DepthwiseConv2DOptions, DType, LstmOptions, Op, OpKind, Tensor, TransposeConvOptions
from tinykit.resources import firmware_dir
from tinykit.schedule import KernelVariant, variants_of
from tinykit.schedule.variants import no_scratch
from tinykit.verify.host import STRICT_FLAGS


def _dims(shape: tuple[int, ...]) -> str:
    n, h, w, c = shape
    return f"&(const tk_dims){{.n = {n}, .h = {h}, .w = {w}, .c = {c}}}"


def _conv_size_call(op: Op, kernel: str = "tk_conv_s8") -> str:
    opts = op.options
    assert isinstance(opts, Conv2DOptions)
    params = (f"&(const tk_conv_params){{.stride_h = {opts.stride_h}, .stride_w = {opts.stride_w}, "
              f".dilation_h = {opts.dilation_h}, .dilation_w = {opts.dilation_w}}}")
    shapes = (op.inputs[0].shape, op.inputs[1].shape, op.outputs[0].shape)
    return f"{kernel}_get_buffer_size({params}, {', '.join(_dims(s) for s in shapes)})"


def _transpose_conv_size_call(op: Op) -> str:
    opts = op.options
    assert isinstance(opts, TransposeConvOptions)
    params = f"&(const tk_conv_params){{.stride_h = {opts.stride_h}, .stride_w = {opts.stride_w}}}"
    shapes = (op.inputs[0].shape, op.inputs[1].shape, op.outputs[0].shape)
    return f"tk_transpose_conv_s8_get_buffer_size({params}, {', '.join(_dims(s) for s in shapes)})"


def _lstm_ops(tmp_path: Path) -> list[Op]:
    """LSTMs of several batches, units and both layouts (only shapes and the layout size the scratch)."""
    ops = []
    for batch, steps, features, units, time_major in ((1, 5, 3, 4, False), (2, 4, 3, 5, False), (3, 6, 2, 7, True),
                                                      (1, 1, 1, 1, True)):
        def tensor(index: int, shape: tuple[int, ...]) -> Tensor:
            return Tensor(index, f"t{index}", shape, DType.INT8)
        layout = (steps, batch) if time_major else (batch, steps)
        inputs = [tensor(0, (*layout, features))] + [tensor(i, (units, features)) for i in range(1, 5)]
        ops.append(Op(len(ops), OpKind.UNIDIRECTIONAL_SEQUENCE_LSTM, tuple(inputs + [None] * 19),
                      (tensor(30, (*layout, units)),), LstmOptions("TANH", 0.0, time_major)))
    return ops


def _lstm_size_call(op: Op) -> str:
    assert isinstance(op.options, LstmOptions)
    batches = op.inputs[0].shape[1] if op.options.time_major else op.inputs[0].shape[0]
    params = (f"&(const tk_lstm_params){{.time_major = {int(op.options.time_major)}, .batches = {batches}, "
              f".units = {op.inputs[1].shape[0]}}}")
    return f"tk_unidirectional_sequence_lstm_s8_get_buffer_size({params})"


def _depthwise_size_call(op: Op) -> str:
    opts = op.options
    assert isinstance(opts, DepthwiseConv2DOptions)
    params = (f"&(const tk_depthwise_conv_params){{.stride_h = {opts.stride_h}, .stride_w = {opts.stride_w}, "
              f".dilation_h = {opts.dilation_h}, .dilation_w = {opts.dilation_w}, "
              f".depth_multiplier = {opts.depth_multiplier}}}")
    shapes = (op.inputs[0].shape, op.inputs[1].shape, op.outputs[0].shape)
    return f"tk_depthwise_conv_3x3_s8_get_buffer_size({params}, {', '.join(_dims(s) for s in shapes)})"


def _depthwise_ops(tmp_path: Path) -> list[Op]:
    """The DEPTHWISE_CONV_2D ops tests/test_op_depthwise.py runs."""
    ops = []
    for number, case in enumerate(DEPTHWISE_RANDOM_CASES + DEPTHWISE_EDGE_CASES):
        path = tmp_path / f"depthwise{number}.tflite"
        path.write_bytes(depthwise_model(case, np.random.default_rng(case_seed(case))))
        (op,) = read_tflite(path).ops
        ops.append(op)
    return ops


def _conv_ops(tmp_path: Path) -> list[Op]:
    """The CONV_2D ops tests/test_op_conv.py runs."""
    ops = []
    for number, case in enumerate(RANDOM_CASES + EDGE_CASES + QUAD_CASES):
        path = tmp_path / f"conv{number}.tflite"
        path.write_bytes(conv_model(case, np.random.default_rng(case_seed(case))))
        (op,) = read_tflite(path).ops
        ops.append(op)
    return ops


@dataclass(frozen=True)
class SizeCall:
    """How to get a variant's tested ops and the C expression of its size for one of them."""

    ops: Callable[[Path], list[Op]]
    call: Callable[[Op], str]


# Keyed by (kernel, variant).
SIZE_CALLS: dict[tuple[str, str], SizeCall] = {
    ("tk_conv_s8", "dsp"): SizeCall(_conv_ops, _conv_size_call),
    ("tk_conv_quads_s8", "dsp"): SizeCall(_conv_ops, lambda op: _conv_size_call(op, "tk_conv_quads_s8")),
    ("tk_conv_1x1_quads_s8", "dsp"): SizeCall(_conv_ops, lambda op: _conv_size_call(op, "tk_conv_1x1_quads_s8")),
    ("tk_conv_shallow_s8", "dsp"): SizeCall(_conv_ops, lambda op: _conv_size_call(op, "tk_conv_shallow_s8")),
    ("tk_conv_triples_s8", "dsp"): SizeCall(_conv_ops, lambda op: _conv_size_call(op, "tk_conv_triples_s8")),
    ("tk_conv_quads_wide_s8", "dsp"): SizeCall(_conv_ops, lambda op: _conv_size_call(op, "tk_conv_quads_wide_s8")),
    ("tk_transpose_conv_s8", "reference"): SizeCall(transpose_conv_ops, _transpose_conv_size_call),
    ("tk_unidirectional_sequence_lstm_s8", "reference"): SizeCall(_lstm_ops, _lstm_size_call),
    ("tk_depthwise_conv_3x3_s8", "dsp"): SizeCall(_depthwise_ops, _depthwise_size_call),
}


def _with_scratch() -> list[KernelVariant]:
    return [v for kind in OpKind for v in variants_of(kind) if v.scratch_bytes is not no_scratch]


def test_every_variant_with_scratch_is_checked() -> None:
    assert _with_scratch(), "no variant declares scratch, so nothing here would be tested"
    assert {(v.kernel, v.variant) for v in _with_scratch()} <= set(SIZE_CALLS)


@pytest.mark.parametrize("variant", _with_scratch(), ids=lambda v: f"{v.kernel}-{v.variant}")
def test_python_scratch_size_equals_c_get_buffer_size(variant: KernelVariant, tmp_path: Path) -> None:
    check = SIZE_CALLS[(variant.kernel, variant.variant)]
    ops = [op for op in check.ops(tmp_path) if variant.applies(op)]
    assert ops
    src = firmware_dir() / "runtime" / "src"
    lines = [f'    printf("%ld\\n", (long){check.call(op)});' for op in ops]
    program = tmp_path / "sizes.c"
    program.write_text(
        "#include <stdio.h>\n#include \"tinykit/kernels.h\"\n\nint main(void)\n{\n" + "\n".join(lines) + "\n    return 0;\n}\n"
    )
    binary = tmp_path / "sizes"
    subprocess.run(
        ["gcc", *STRICT_FLAGS, "-I", str(firmware_dir() / "runtime" / "include"), str(program),
         *(str(src / s) for s in variant.sources), "-o", str(binary)],
        check=True, capture_output=True, text=True,
    )
    c_sizes = [int(line) for line in subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout.split()]
    python_sizes = [variant.scratch_bytes(op) for op in ops]
    assert c_sizes == python_sizes
    assert all(size > 0 for size in python_sizes)
