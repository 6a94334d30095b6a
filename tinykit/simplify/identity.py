"""Remove QUANTIZE ops between identical quantizations.

An int8 -> int8 QUANTIZE whose input and output share scale and zero point
computes the identity (TF Lite Micro's requantization with multiplier 1 and
equal offsets returns every value unchanged), so its readers may read its
input directly. When its output is a graph output, it becomes a RESHAPE
instead: a view of the same bytes that the planner places on the input.
"""

from __future__ import annotations

from dataclasses import replace

from tinykit.ir import DType, Graph, Op, OpKind, Tensor
from tinykit.simplify.rewrite import rebuild


def is_identity_quantize(op: Op) -> bool:
    if op.kind is not OpKind.QUANTIZE or op.inputs[0] is None:
        return False
    source, out = op.inputs[0], op.outputs[0]
    return (source.dtype is DType.INT8 and out.dtype is DType.INT8 and source.quant is not None
            and source.quant == out.quant and source.shape == out.shape)


def remove_identity_quantize(graph: Graph) -> Graph:
    """``graph`` without its identity QUANTIZE ops."""
    output_indices = {t.index for t in graph.outputs}
    replacements: dict[int, Tensor] = {}
    ops: list[Op] = []
    for op in graph.ops:
        if not is_identity_quantize(op):
            ops.append(op)
        elif op.outputs[0].index in output_indices:
            ops.append(replace(op, kind=OpKind.RESHAPE))
        else:
            source = op.inputs[0]
            # A chain of identities resolves to its first input.
            replacements[op.outputs[0].index] = replacements.get(source.index, source)
    return rebuild(graph, ops, replacements)
