"""The table `tinykit build` prints: each op, its kernel, its cost and where its output lives."""

from __future__ import annotations

from tinykit.ir import Graph
from tinykit.planner import MemoryPlan
from tinykit.schedule import Schedule


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape) or "scalar"


def render_summary(graph: Graph, schedule: Schedule, plan: MemoryPlan, weights_bytes: int) -> str:
    header = ("op", "kind", "kernel", "output", "MACs", "weights", "scratch", "arena range")
    rows = []
    for op in graph.ops:
        out = op.outputs[0]
        kernel = schedule.op(op)
        if plan.has_place(out):
            start = plan.tensor_offset(out)
            where = f"[{start:,}, {start + out.nbytes:,})"
        else:
            where = "one patch at a time"
        rows.append((
            str(op.index), op.kind.value, f"{kernel.kernel} ({kernel.variant})", _shape(out.shape), f"{op.macs():,}",
            f"{op.weight_bytes():,}", f"{kernel.scratch_bytes:,}", where,
        ))
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    right = {0, 4, 5, 6}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    totals = [
        f"MACs          {graph.macs():>12,}",
        f"weights       {weights_bytes:>12,} bytes (flash, with requantization constants)",
        f"arena         {plan.arena_bytes:>12,} bytes (SRAM)",
        *([f"state         {graph.state_bytes:>12,} bytes (SRAM beside the arena: the LSTM state kept between inferences)"]
          if graph.state_bytes else []),
        f"lower bound   {plan.lower_bound:>12,} bytes (peak of live tensors and scratch)",
        f"kernels       {schedule.kernels} (ISA features: {', '.join(sorted(schedule.features)) or 'none'})",
        *(f"for memory    op {entry.op_index} runs {entry.kernel} ({entry.variant}), not the fastest variant: "
          f"the arena is {entry.arena_saved:,} bytes smaller" for entry in schedule.ops if entry.arena_saved),
        *([f"patches       {schedule.patches.describe()}; arena without patches "
           f"{schedule.patches.arena_without:,} bytes"] if schedule.patches is not None else []),
    ]
    return "\n".join([line(header), rule, *(line(r) for r in rows), rule, *totals])
