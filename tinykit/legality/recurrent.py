"""Legality of UNIDIRECTIONAL_SEQUENCE_LSTM as TF Lite quantizes it (int8 x int8 -> int16 cell).

What tflite-micro's integer LSTM runs, and so what tinykit compiles: a Keras
LSTM without peephole connections, projection or layer normalization, every
gate present (no CIFG), int8 input, output and hidden state, an int16 cell
state, int8 weights with one scale each and zero point 0, int32 biases, the
hidden and cell state variable tensors (state kept across invocations), a
TANH cell activation. The gate arithmetic's fixed-point multipliers must fit.
"""

from __future__ import annotations

import math

from tinykit.codegen.ops.recurrent import (
    GATE_OUTPUT_SCALE, GATE_SCALE, HIDDEN_INPUT, cell_state_power, tanh_input_scaling,
)
from tinykit.errors import TinykitError
from tinykit.ir import DType, LstmOptions, Op, OpKind, Tensor
from tinykit.legality import legality
from tinykit.legality.common import (
    INCONSISTENT, MALFORMED, describe, require_accumulator_fits, require_int8_activations, require_shift_fits,
)

# Optional inputs tflite-micro's integer LSTM does not run, by what they make of the layer.
_UNSUPPORTED = {
    "peephole connections (inputs 9-11, cell-to-gate weights)": (9, 10, 11),
    "a projection layer (inputs 16-17)": (16, 17),
    "layer normalization (inputs 20-23)": (20, 21, 22, 23),
}
_FIX = ("Use a plain keras.layers.LSTM (no peepholes, projection or layer normalization), converted with a fixed "
        "batch (keras.Input(..., batch_size=1)) to full int8 by the TFLite converter.")


def _require_weights(op: Op, tensor: Tensor, shape: tuple[int, int], what: str) -> None:
    if not tensor.is_constant or tensor.dtype is not DType.INT8 or tensor.quant is None or tensor.quant.per_channel \
            or tensor.quant.single_zero_point != 0:
        raise TinykitError(
            f"{describe(op)}: the {what} weights {tensor.name!r} must be constant int8 with one scale and zero "
            f"point 0 (as TF Lite quantizes an LSTM); they are {tensor.dtype.value}"
            f"{' computed at run time' if not tensor.is_constant else ''}. {_FIX}")
    if tuple(tensor.shape) != shape:
        raise TinykitError(f"{describe(op)}: the {what} weights have shape {list(tensor.shape)}, expected "
                           f"{list(shape)}. {INCONSISTENT}")


def _require_state(op: Op, tensor: Tensor, dtype: DType, size: int, what: str) -> None:
    if not tensor.variable or tensor.dtype is not dtype or tensor.quant is None or tensor.quant.per_channel \
            or tensor.size != size:
        raise TinykitError(
            f"{describe(op)}: the {what} {tensor.name!r} must be a variable {dtype.value} tensor of {size} elements "
            f"with one scale (tflite-micro keeps it across invocations); it is {'a variable' if tensor.variable else 'a'} "
            f"{tensor.dtype.value} tensor of shape {list(tensor.shape)}. {_FIX}")


@legality(OpKind.UNIDIRECTIONAL_SEQUENCE_LSTM)
def check_lstm(op: Op) -> None:
    opts = op.options
    assert isinstance(opts, LstmOptions)
    if len(op.inputs) != 24 or len(op.outputs) != 1:
        raise TinykitError(f"{describe(op)} has {len(op.inputs)} inputs and {len(op.outputs)} outputs; it takes 24 "
                           f"and writes one (as in tflite-micro). {MALFORMED}")
    for what, positions in _UNSUPPORTED.items():
        if any(op.inputs[p] is not None for p in positions):
            raise TinykitError(f"{describe(op)} has {what}, which tflite-micro's integer LSTM (and tinykit's) does "
                               f"not compute. {_FIX}")
    absent = [p for p in (0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 13, 14, 15, 18, 19) if op.inputs[p] is None]
    if absent:
        gates = " (an LSTM without an input gate, CIFG, is not supported)" if {1, 5, 12} & set(absent) else ""
        raise TinykitError(f"{describe(op)}: inputs {absent} are absent{gates}; tflite-micro's integer LSTM needs "
                           f"the input, all four gates' weights and biases and both states. {_FIX}")
    if opts.cell_activation != "TANH":
        raise TinykitError(f"{describe(op)}: the cell activation is {opts.cell_activation}; tflite-micro's integer "
                           f"LSTM computes TANH only. {_FIX}")
    if not math.isfinite(opts.cell_clip) or opts.cell_clip < 0:
        raise TinykitError(f"{describe(op)}: the cell clip {opts.cell_clip} must be finite and not negative. {MALFORMED}")
    inp, out, hidden, cell = op.inputs[0], op.outputs[0], op.inputs[HIDDEN_INPUT], op.inputs[19]
    require_int8_activations(op, [inp, out])
    if len(inp.shape) != 3 or len(out.shape) != 3:
        raise TinykitError(f"{describe(op)}: input {list(inp.shape)} and output {list(out.shape)} must be 3-D "
                           f"(batch, time, features; time first when time_major). {INCONSISTENT}")
    features, units = inp.shape[2], op.inputs[2].shape[0] if len(op.inputs[2].shape) == 2 else 0
    batch = inp.shape[1] if opts.time_major else inp.shape[0]
    for position in range(1, 5):
        _require_weights(op, op.inputs[position], (units, features), f"input-to-gate {position}")
    for position in range(5, 9):
        _require_weights(op, op.inputs[position], (units, units), f"recurrent-to-gate {position}")
    for position in range(12, 16):
        bias = op.inputs[position]
        if not bias.is_constant or bias.dtype is not DType.INT32 or tuple(bias.shape) != (units,):
            raise TinykitError(f"{describe(op)}: the gate bias {bias.name!r} must be a constant int32 vector of "
                               f"{units} values; it is {bias.dtype.value} {list(bias.shape)}. {_FIX}")
    if tuple(out.shape) != (*inp.shape[:2], units):
        raise TinykitError(f"{describe(op)}: the output has shape {list(out.shape)}, but the input {list(inp.shape)} "
                           f"and {units} units give {[*inp.shape[:2], units]}. {INCONSISTENT}")
    _require_state(op, hidden, DType.INT8, batch * units, "hidden state")
    _require_state(op, cell, DType.INT16, batch * units, "cell state")
    require_int8_activations(op, [hidden])
    power = cell_state_power(cell.quant.single_scale)
    if tanh_input_scaling(power) is None:
        raise TinykitError(f"{describe(op)}: the cell state's scale {cell.quant.single_scale:g} (about 2^{power}) is "
                           "out of the range tflite-micro's integer tanh can scale. Re-convert the model with a "
                           "representative dataset.")
    in_scale, hidden_scale = inp.quant.single_scale, hidden.quant.single_scale
    multipliers = [in_scale * op.inputs[p].quant.single_scale / GATE_SCALE for p in range(1, 5)]
    multipliers += [hidden_scale * op.inputs[p].quant.single_scale / GATE_SCALE for p in range(5, 9)]
    cell_scale = cell.quant.single_scale
    multipliers += [GATE_OUTPUT_SCALE * cell_scale / cell_scale, GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE / cell_scale,
                    GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE / hidden_scale]
    require_shift_fits(op, multipliers, "gate requantization multiplier")
    for gate in range(4):
        require_accumulator_fits(op, op.inputs[1 + gate].array(), inp.quant.single_zero_point, op.inputs[12 + gate])
        require_accumulator_fits(op, op.inputs[5 + gate].array(), hidden.quant.single_zero_point, None)
