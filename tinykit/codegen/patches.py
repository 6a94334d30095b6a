"""The C of a patch stage (tinykit/schedule/patches.py): one function that
runs the stage's ops patch by patch, each call on its patch's exact shapes.

Each op of each patch is emitted by the op's own emitter on a copy of the op
whose input and output tensors have the patch's region shapes and point
into the arena where that patch lives (``ctx.pointers``), and whose padding
is the patch's (``ctx.window_padding``); every patch of an op shares the
op's constants and identical structs. A region of whole rows is read or
written in place in the full tensor (NHWC rows are contiguous); any other
stage input window is first copied into the window buffer, and the last
op's region is computed in its patch buffer, then copied into the full
output, by the runtime's ``tk_copy_rows`` (tinykit/patch.h, linked only
when the stage copies: ``PatchStage.sources``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from tinykit.codegen.emit import EMITTERS
from tinykit.ir import Graph, Op, Tensor
from tinykit.planner import MemoryPlan
from tinykit.schedule.patches import PatchStage, Region

if TYPE_CHECKING:
    from tinykit.codegen.generator import _Context

PATCH_STAGE_FUNCTION = "tk_patch_stage"

def _arena(offset: int) -> str:
    return f"((int8_t *)(tk_arena + {offset}))"


def _region_tensor(tensor: Tensor, region: Region, index: int) -> Tensor:
    """``tensor`` cut to ``region`` under a negative index (``ctx.pointers`` says where it lives)."""
    return replace(tensor, index=index, shape=(1, region.height, region.width, tensor.shape[3]))


def _row_start(tensor: Tensor, region: Region, plan: MemoryPlan) -> int:
    """Arena offset of ``region``'s first pixel in the full ``tensor``."""
    _, _, width, channels = tensor.shape
    return plan.tensor_offset(tensor) + (region.y0 * width + region.x0) * channels


def emit_patch_stage(graph: Graph, stage: PatchStage, plan: MemoryPlan, ctx: _Context) -> str:
    """The C definition of the stage's function (``PATCH_STAGE_FUNCTION``, a ``tk_status``
    of no arguments); ``ctx`` is the generator's context."""
    lines = [f"/* {stage.describe()}. */", f"static tk_status {PATCH_STAGE_FUNCTION}(void)", "{", "    tk_status status;"]
    for number, patch in enumerate(stage.patches):
        out = patch[-1].output
        lines.append(f"    /* patch {number}: rows {out.y0}..{out.y1 - 1}, columns {out.x0}..{out.x1 - 1} of op "
                     f"{stage.last}'s output */")
        for position, step in enumerate(patch):
            op = graph.ops[step.op_index]
            inp, res = op.inputs[0], op.outputs[0]
            in_index, out_index = -2 * step.op_index - 1, -2 * step.op_index - 2
            if position > 0:
                ctx.pointers[in_index] = _arena(plan.patch_offset(f"p{inp.index}"))
            elif step.input.width == inp.shape[2]:
                ctx.pointers[in_index] = _arena(_row_start(inp, step.input, plan))
            else:
                window = _arena(plan.patch_offset(f"w{inp.index}"))
                ctx.pointers[in_index] = window
                row = step.input.width * inp.shape[3]
                lines.append(f"    tk_copy_rows({window}, {row}, {_arena(_row_start(inp, step.input, plan))}, "
                             f"{inp.shape[2] * inp.shape[3]}, {step.input.height}, {row});")
            copy_out = position == len(patch) - 1 and step.output.width != res.shape[2]
            if position < len(patch) - 1 or copy_out:
                ctx.pointers[out_index] = _arena(plan.patch_offset(f"p{res.index}"))
            else:
                ctx.pointers[out_index] = _arena(_row_start(res, step.output, plan))
            sub = Op(op.index, op.kind, (_region_tensor(inp, step.input, in_index), *op.inputs[1:]),
                     (_region_tensor(res, step.output, out_index),), op.options)
            ctx.paddings[id(sub)] = step.pad
            ctx.begin(sub)
            call = EMITTERS[op.kind](sub, ctx)
            del ctx.paddings[id(sub)]
            lines += [f"    status = {call};", "    if (status != TK_OK) {", "        return status;", "    }"]
            if copy_out:
                row = step.output.width * res.shape[3]
                lines.append(f"    tk_copy_rows({_arena(_row_start(res, step.output, plan))}, {res.shape[2] * res.shape[3]}, "
                             f"{ctx.pointers[out_index]}, {row}, {step.output.height}, {row});")
    lines += ["    return TK_OK;", "}"]
    return "\n".join(lines)
