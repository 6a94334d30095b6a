"""Static shapes from folded shape operands.

With a dynamic batch, TensorFlow's converter cannot always write a tensor's
shape into the file: a Dense on 3-D input becomes RESHAPE -> FULLY_CONNECTED
-> RESHAPE whose intermediate tensors are stored as [1, 1] (shape signature
[-1, -1]) and whose real shapes are only computed at run time by SHAPE,
GATHER, REDUCE_PROD and PACK. Once ``fold_constants`` has made a RESHAPE's
shape operand a constant, this pass gives the RESHAPE's output that shape
(a -1 entry takes what the element count leaves) and re-derives the output
shape of the FULLY_CONNECTED reading it. The shape operand is then dropped:
every RESHAPE leaves this pass with its data input alone.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from tinykit.errors import TinykitError
from tinykit.ir import FullyConnectedOptions, Graph, Op, OpKind, Tensor
from tinykit.simplify.rewrite import rebuild, substitute


def reshape_target(op: Op, requested: np.ndarray) -> tuple[int, ...]:
    """A RESHAPE's shape operand with its -1 entry (if any) resolved against the input's element count."""
    size = op.inputs[0].size
    shape = [int(d) for d in requested.reshape(-1)]
    known = math.prod(d for d in shape if d != -1)
    if shape.count(-1) > 1 or any(d < -1 for d in shape) or (known == 0 and -1 in shape):
        raise TinykitError(f"op {op.index} (RESHAPE) asks for the shape {shape}, which no reshape can give. "
                           "The model file is malformed; re-convert it.")
    if -1 in shape:
        shape[shape.index(-1)] = size // known
    if math.prod(shape) != size:
        raise TinykitError(f"op {op.index} (RESHAPE) asks for the shape {shape}, which does not hold the input's "
                           f"{size} elements {list(op.inputs[0].shape)}. The model file is inconsistent; re-convert it.")
    return tuple(shape)


def _fully_connected_shape(op: Op) -> tuple[int, ...]:
    """FULLY_CONNECTED's output shape as TFLite derives it from the input and the weights."""
    assert isinstance(op.options, FullyConnectedOptions)
    inp, weights = op.inputs[0], op.inputs[1]
    units, depth = weights.shape
    if op.options.keep_num_dims:
        return tuple(inp.shape[:-1]) + (units,)
    return (inp.size // depth, units)


def static_shapes(graph: Graph) -> Graph:
    """``graph`` with RESHAPE outputs shaped by their constant shape operands (then dropped), and the
    FULLY_CONNECTED outputs after them re-derived."""
    reshaped: dict[int, Tensor] = {}
    ops: list[Op] = []
    for op in graph.ops:
        op = substitute(op, reshaped)
        shape = None
        if op.kind is OpKind.RESHAPE and len(op.inputs) > 1:
            operand = op.inputs[1]
            if operand is not None and not operand.is_constant:
                ops.append(op)  # computed at run time: the reader refuses its producer, naming it
                continue
            if operand is not None:
                shape = reshape_target(op, operand.array())
            op = replace(op, inputs=op.inputs[:1])
        elif op.kind is OpKind.FULLY_CONNECTED and any(t is not None and t.index in reshaped for t in op.inputs) \
                and len(op.inputs) > 1 and op.inputs[1] is not None and len(op.inputs[1].shape) == 2:
            shape = _fully_connected_shape(op)
        out = op.outputs[0]
        if shape is not None and shape != tuple(out.shape):
            out = reshaped[out.index] = replace(out, shape=shape)
            op = replace(op, outputs=(out, *op.outputs[1:]))
        ops.append(op)
    return rebuild(graph, ops, reshaped)
