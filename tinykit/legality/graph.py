"""Graph-wide legality: what every model must satisfy whatever its ops.

Inputs and outputs exist and are activations; variable tensors (state) appear
only as an LSTM's state inputs; every other activation an op reads is
a graph input or written by an earlier op (and only one op writes it); every
tensor has extents of at least 1 and fits the int32 sizes of the C runtime;
every quantized tensor has finite, positive scales, zero points its type can
hold, and a per-channel axis inside its shape with one scale per slice.
"""

from __future__ import annotations

import math

from tinykit.errors import TinykitError
from tinykit.ir import DType, Graph, OpKind, Tensor

# The C runtime holds element counts and byte offsets in int32.
MAX_TENSOR_BYTES = 2**31 - 1
ZERO_POINT_RANGE = {DType.INT8: (-128, 127), DType.UINT8: (0, 255), DType.INT16: (0, 0), DType.INT32: (0, 0)}
MALFORMED = "The model file is malformed; re-convert it."
# Where a variable tensor (state kept across invocations) may appear: (op kind, input position).
STATE_INPUTS = frozenset({(OpKind.UNIDIRECTIONAL_SEQUENCE_LSTM, 18), (OpKind.UNIDIRECTIONAL_SEQUENCE_LSTM, 19)})


def check_structure(graph: Graph) -> None:
    """Raise TinykitError for the first graph-wide fault of ``graph``."""
    _check_io(graph)
    used = {t.index: t for op in graph.ops for t in (*op.inputs, *op.outputs) if t is not None}
    used.update((t.index, t) for t in (*graph.inputs, *graph.outputs))
    for tensor in sorted(used.values(), key=lambda t: t.index):
        check_tensor(tensor)
    _check_dataflow(graph)


def _check_io(graph: Graph) -> None:
    if not graph.outputs:
        raise TinykitError("the model has no outputs, so there is nothing to compute. Re-convert it with its outputs.")
    if not graph.inputs:
        raise TinykitError("the model has no inputs; tinykit compiles models that compute their outputs from inputs.")
    for role, tensors in (("input", graph.inputs), ("output", graph.outputs)):
        if len({t.index for t in tensors}) != len(tensors):
            raise TinykitError(f"the model lists a tensor twice among its {role}s. {MALFORMED}")
        for t in tensors:
            if t.is_constant:
                raise TinykitError(f"model {role} {t.name!r} is a constant of the model, not a tensor it computes. {MALFORMED}")


def check_tensor(tensor: Tensor) -> None:
    """Extents, size and quantization of one tensor."""
    what = f"tensor {tensor.index} ({tensor.name!r})"
    if any(d < 1 for d in tensor.shape):
        raise TinykitError(
            f"{what} has shape {list(tensor.shape)}: every extent must be at least 1 (a zero or negative extent "
            "is an empty or undefined tensor). Give the model fixed, positive dimensions (a dynamic batch must "
            "be converted as 1)."
        )
    if math.prod(tensor.shape) * tensor.dtype.itemsize > MAX_TENSOR_BYTES:
        raise TinykitError(f"{what} has shape {list(tensor.shape)}, over 2 GiB: beyond any microcontroller. {MALFORMED}")
    quant = tensor.quant
    if quant is None or tensor.dtype in (DType.FLOAT32, DType.FLOAT16):
        return
    for scale in quant.scale:
        if not (math.isfinite(scale) and scale > 0):
            raise TinykitError(f"{what} has the quantization scale {scale}; scales must be finite and positive. {MALFORMED}")
    lo, hi = ZERO_POINT_RANGE.get(tensor.dtype, (0, 0))
    for zero_point in quant.zero_point:
        if not lo <= zero_point <= hi:
            raise TinykitError(
                f"{what} is {tensor.dtype.value} with zero point {zero_point}, outside [{lo}, {hi}]. {MALFORMED}")
    if quant.per_channel:
        rank = len(tensor.shape)
        if not 0 <= quant.axis < rank or tensor.shape[quant.axis] != len(quant.scale):
            raise TinykitError(
                f"{what} has {len(quant.scale)} per-channel scales along quantized_dimension {quant.axis}, but its "
                f"shape is {list(tensor.shape)}: the dimension must exist and have one slice per scale. {MALFORMED}"
            )


def _check_dataflow(graph: Graph) -> None:
    ready = {t.index for t in graph.inputs}
    written: set[int] = set()
    for t in (*graph.inputs, *graph.outputs):
        if t.variable:
            raise TinykitError(f"model input or output {t.name!r} is a variable tensor (state an op keeps). {MALFORMED}")
    for op in graph.ops:
        for position, t in enumerate((*op.inputs, *op.outputs)):
            if t is not None and t.variable and (op.kind, position) not in STATE_INPUTS:
                raise TinykitError(
                    f"op {op.index} ({op.kind.value}) reads or writes the variable tensor {t.index} ({t.name!r}); "
                    f"only an LSTM's hidden and cell state inputs may be variable. {MALFORMED}")
        for position, t in enumerate(op.inputs):
            if t is not None and not t.variable and (op.kind, position) in STATE_INPUTS:
                raise TinykitError(
                    f"op {op.index} ({op.kind.value}) reads tensor {t.index} ({t.name!r}) as its state (input "
                    f"{position}), but the tensor is not variable: tflite-micro keeps an LSTM's hidden and cell "
                    f"state in variable tensors, across invocations. {MALFORMED}")
            if t is not None and not t.is_constant and not t.variable and t.index not in ready:
                raise TinykitError(
                    f"op {op.index} ({op.kind.value}) reads tensor {t.index} ({t.name!r}), which is neither a model "
                    f"input nor written by an earlier op. {MALFORMED}"
                )
        for t in op.outputs:
            if t.is_constant or t.index in written or t.index in {i.index for i in graph.inputs}:
                raise TinykitError(
                    f"op {op.index} ({op.kind.value}) writes tensor {t.index} ({t.name!r}), which is a constant, a "
                    f"model input or written by another op. {MALFORMED}"
                )
            written.add(t.index)
            ready.add(t.index)
    for t in graph.outputs:
        if t.index not in written:
            raise TinykitError(f"model output {t.name!r} is not written by any op. {MALFORMED}")
