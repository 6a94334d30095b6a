"""What the latency model knows about one scheduled op: a few counts a kernel's
time grows with, read from the op (``Op.macs``, shapes) and its kernel choice
(the ``Schedule``). One definition for fitting (``calibrate``) and predicting
(``estimate``), so the two can never describe an op differently."""

from __future__ import annotations

from dataclasses import dataclass

from tinykit.ir import Op, OpKind
from tinykit.schedule import OpSchedule

# The columns of a kernel's linear model, in order. Time of an int8 kernel is
# a fixed call cost, plus inner-loop work (MACs), plus per-output work
# (requantization, stores), per-input work (copies, zero-point handling,
# im2col) and per-pixel work (window set-up, padding checks): MACs alone
# miss all but the second, which is why they predict single layers badly.
# The DSP kernels take four channels per step (SMLAD on pairs, loads of four
# bytes); the MACs past the last multiple of four run in a slower tail loop.
COLUMNS = ("calls", "macs", "output_elements", "input_elements", "output_pixels", "tail_macs")


@dataclass(frozen=True)
class OpFeatures:
    """One op as the latency model sees it: the kernel that runs it and its counts (``COLUMNS``)."""

    kind: str
    kernel: str
    values: tuple[float, ...]


def op_features(op: Op, entry: OpSchedule) -> OpFeatures:
    """The features of ``op`` run by the kernel ``entry`` chose."""
    out = op.outputs[0]
    pixels = out.size // out.shape[-1] if out.shape else 1
    inputs = sum(t.size for t in op.activation_inputs)
    macs = op.macs()
    return OpFeatures(op.kind.value, entry.kernel,
                      (1.0, float(macs), float(out.size), float(inputs), float(pixels), float(_tail_macs(op, macs, pixels))))


def _tail_macs(op: Op, macs: int, pixels: int) -> int:
    """MACs on the channels past the last multiple of four: the reduction depth's remainder for a
    convolution or a dense layer, the channel count's for a depthwise convolution."""
    out = op.outputs[0]
    if op.kind in (OpKind.CONV_2D, OpKind.FULLY_CONNECTED) and out.size:
        return out.size * ((macs // out.size) % 4)
    if op.kind is OpKind.DEPTHWISE_CONV_2D:
        _, kh, kw, channels = op.inputs[1].shape
        return pixels * (channels % 4) * kh * kw
    return 0
