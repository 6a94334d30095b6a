"""Legality of reductions over axes: MEAN, SUM, REDUCE_MAX, REDUCE_MIN and ARG_MAX."""

from __future__ import annotations

from tinykit.codegen.ops.arithmetic import same_quantization
from tinykit.codegen.ops.walks import MAX_RANK
from tinykit.errors import TinykitError
from tinykit.ir import ArgMaxOptions, DType, MeanOptions, Op, OpKind
from tinykit.legality import legality
from tinykit.legality.common import describe, require_int8_activations, require_matching_output_size


def _require_input(op: Op) -> None:
    inp = op.inputs[0]
    if not 1 <= len(inp.shape) <= MAX_RANK:
        raise TinykitError(
            f"{describe(op)}: the input has {len(inp.shape)} dimensions; tinykit reduces tensors of 1 to {MAX_RANK} "
            "dimensions. Reshape the input in the model."
        )
    if min(inp.shape) < 1:
        raise TinykitError(
            f"{describe(op)}: the input shape {list(inp.shape)} has an empty dimension, so there is nothing to "
            "reduce. The model file is malformed; re-convert it."
        )


@legality(OpKind.MEAN, OpKind.SUM, OpKind.REDUCE_MAX, OpKind.REDUCE_MIN)
def check_reducer(op: Op) -> None:
    opts = op.options
    assert isinstance(opts, MeanOptions)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp, out])
    _require_input(op)
    if any(not 0 <= a < len(inp.shape) for a in opts.axes):
        raise TinykitError(
            f"{describe(op)}: axes {list(opts.axes)} are out of range for an input of {len(inp.shape)} dimensions. "
            "The model file is malformed; re-convert it."
        )
    if opts.keep_dims:
        expected = tuple(1 if d in opts.axes else n for d, n in enumerate(inp.shape))
    else:
        expected = tuple(n for d, n in enumerate(inp.shape) if d not in opts.axes)
    require_matching_output_size(op, expected)


@legality(OpKind.REDUCE_MAX, OpKind.REDUCE_MIN)
def check_min_max_quantization(op: Op) -> None:
    """tflite-micro refuses an int8 REDUCE_MAX/REDUCE_MIN whose output quantization differs from its input's."""
    inp, out = op.inputs[0], op.outputs[0]
    if not same_quantization(inp, out):
        raise TinykitError(
            f"{describe(op)}: the input (scale {inp.quant.single_scale}, zero point {inp.quant.single_zero_point}) "
            f"and output (scale {out.quant.single_scale}, zero point {out.quant.single_zero_point}) are quantized "
            f"differently; tflite-micro's int8 {op.kind.value} requires them equal (it picks raw values). Convert "
            "with the TFLite converter, which gives them one quantization."
        )


@legality(OpKind.ARG_MAX)
def check_arg_max(op: Op) -> None:
    opts = op.options
    assert isinstance(opts, ArgMaxOptions)
    inp, out = op.inputs[0], op.outputs[0]
    require_int8_activations(op, [inp])
    _require_input(op)
    if out.dtype is not DType.INT32:
        raise TinykitError(
            f"{describe(op)}: the output is {out.dtype.value}; tflite-micro's ARG_MAX (and tinykit's) writes int32 "
            "indices only. Use tf.math.argmax(..., output_type=tf.int32) in the model."
        )
    if not 0 <= opts.axis < len(inp.shape):
        raise TinykitError(
            f"{describe(op)}: axis {opts.axis} is out of range for an input of {len(inp.shape)} dimensions. The "
            "model file is malformed; re-convert it."
        )
    require_matching_output_size(op, tuple(n for d, n in enumerate(inp.shape) if d != opts.axis))
