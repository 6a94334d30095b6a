"""Emitter for UNIDIRECTIONAL_SEQUENCE_LSTM as TF Lite quantizes it (int8 x int8 -> int16 cell).

TF Lite Micro's integer LSTM computes every gate in fixed formats, whatever
scales the converter recorded in the op's intermediates: each gate's two
products are requantized to Q3.12 (scale 2^-12), its sigmoid or tanh gives
Q0.15 (scale 2^-15), and the cell state's tanh reads the cell state scaled by
the power of two nearest its scale. The multipliers are computed here as its
Prepare computes them (double products of the float32 scales), so the kernel
only multiplies and shifts. What makes an LSTM legal is checked in
tinykit/legality/recurrent.py.
"""

from __future__ import annotations

import numpy as np

from tinykit.codegen.emit import EmitContext, emitter
from tinykit.codegen.quant import quantize_multiplier
from tinykit.ir import LstmOptions, Op, OpKind

GATE_SCALE = 2.0**-12  # Q3.12: what each gate's products are requantized to
GATE_OUTPUT_SCALE = 2.0**-15  # Q0.15: what the sigmoid and tanh give
HIDDEN_INPUT, CELL_INPUT = 18, 19  # TFLite's positions of the two states among the op's inputs
# TFLite's order of the four gates' inputs: (input weights, recurrent weights, bias) positions.
GATE_INPUTS = {"input_gate": (1, 5, 12), "forget_gate": (2, 6, 13), "cell_gate": (3, 7, 14), "output_gate": (4, 8, 15)}

# The nodes of TF Lite's int16 sigmoid and tanh (tanh(x) = 2 sigmoid(2x) - 1): sigmoid(i / 24) in
# Q0.16 for i = 0..255, as TF Lite tabulates them (tuned for linear interpolation, so not simply
# rounded values). They are numbers its integer LSTM is defined by; bit-exactness needs these ones.
SIGMOID_TABLE = (
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
)


def cell_state_power(scale: float) -> int:
    """The power of two nearest the cell state's scale, as TF Lite's CheckedLog2 rounds it (in float32)."""
    return int(np.round(np.log(np.float32(scale)) * (np.float32(1.0) / np.log(np.float32(2.0)))))


def tanh_input_scaling(power: int) -> tuple[int, int] | None:
    """(multiplier, right shift) taking a cell state of scale 2^power to the Q3.12-times-3 input of the
    int16 tanh, as TF Lite Micro sets them up; None when the product would not fit int32."""
    left_shift = 15 + power - 3
    if left_shift < 0:
        return (3, -left_shift) if -left_shift <= 30 else None
    return (3 << left_shift, 0) if left_shift <= 14 else None


def _quant(real: float) -> str:
    multiplier, shift = quantize_multiplier(real)
    return f"{{.multiplier = {multiplier}, .shift = {shift}}}"


@emitter(OpKind.UNIDIRECTIONAL_SEQUENCE_LSTM)
def emit_lstm(op: Op, ctx: EmitContext) -> str:
    opts = op.options
    assert isinstance(opts, LstmOptions)
    inp, out = op.inputs[0], op.outputs[0]
    hidden, cell = op.inputs[HIDDEN_INPUT], op.inputs[CELL_INPUT]
    in_scale, hidden_scale, cell_scale = inp.quant.single_scale, hidden.quant.single_scale, cell.quant.single_scale
    units, features = op.inputs[2].shape
    fields: dict[str, str] = {}
    for name, (weights, recurrent, bias) in GATE_INPUTS.items():
        fields[name] = "{" + ", ".join((
            f".input_weights = {ctx.tensor(op.inputs[weights])}",
            f".recurrent_weights = {ctx.tensor(op.inputs[recurrent])}",
            f".bias = {ctx.tensor(op.inputs[bias])}",
            f".input_quant = {_quant(in_scale * op.inputs[weights].quant.single_scale / GATE_SCALE)}",
            f".recurrent_quant = {_quant(hidden_scale * op.inputs[recurrent].quant.single_scale / GATE_SCALE)}",
        )) + "}"
    tanh_multiplier, tanh_shift = tanh_input_scaling(cell_state_power(cell_scale))
    # TF Lite clips when the float clip is positive, at the clip in the cell state's units truncated to int16.
    clip = int(min(max(float(np.float32(opts.cell_clip)) / cell_scale, -32768.0), 32767.0))
    table = ctx.constant("sigmoid_table", np.array(SIGMOID_TABLE, dtype=np.uint16), "uint16_t")
    batches, steps = (inp.shape[1], inp.shape[0]) if opts.time_major else (inp.shape[0], inp.shape[1])
    fields.update({
        "time_major": str(int(opts.time_major)), "batches": str(batches), "steps": str(steps),
        "features": str(features), "units": str(units),
        "input_offset": str(-inp.quant.single_zero_point), "hidden_offset": str(-hidden.quant.single_zero_point),
        "hidden_zero_point": str(hidden.quant.single_zero_point),
        "forget_quant": _quant(GATE_OUTPUT_SCALE * cell_scale / cell_scale),
        "update_quant": _quant(GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE / cell_scale),
        "hidden_quant": _quant(GATE_OUTPUT_SCALE * GATE_OUTPUT_SCALE / hidden_scale),
        "cell_tanh_multiplier": str(tanh_multiplier), "cell_tanh_shift": str(tanh_shift),
        "clip_cell": str(int(opts.cell_clip > 0)), "cell_clip": str(clip), "sigmoid_table": table,
    })
    params = ctx.struct("tk_lstm_params", "params", fields)
    return ctx.call(params, ctx.tensor(inp), ctx.tensor(hidden), ctx.tensor(cell), ctx.tensor(out))


def lstm_scratch_bytes(op: Op) -> int:
    """Python twin of tk_unidirectional_sequence_lstm_s8_get_buffer_size: four int16 vectors of a step's rows."""
    assert isinstance(op.options, LstmOptions)
    rows = op.inputs[0].shape[1] if op.options.time_major else 1
    return 4 * rows * op.inputs[2].shape[0] * 2
