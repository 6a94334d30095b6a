"""Does a compiled model fit a board? Checked before the firmware build, so
a model that cannot fit is refused with its largest contributors named."""

from __future__ import annotations

from tinykit.boards import Board
from tinykit.errors import TinykitError
from tinykit.ir import Graph
from tinykit.planner import MemoryPlan


def _kib(n: int) -> str:
    return f"{n:,} bytes ({n / 1024:.1f} KiB)"


def _largest_weights(graph: Graph, count: int = 3) -> str:
    tensors = sorted(graph.constants, key=lambda t: (-t.nbytes, t.index))[:count]
    return "; ".join(f"{t.name} {list(t.shape)} {t.nbytes:,} bytes" for t in tensors)


def _arena_peak(graph: Graph, plan: MemoryPlan) -> str:
    op = graph.ops[plan.peak_op]
    return f"op {op.index} ({op.kind.value}, output {list(op.outputs[0].shape)}) where {plan.lower_bound:,} bytes are live"


def check_fits(graph: Graph, plan: MemoryPlan, weights_bytes: int, board: Board, app_ram: int | None = None,
               loaded_bytes: int | None = None) -> None:
    """Refuse a model whose weights exceed the board's flash or whose arena,
    stack reserve and the app's own RAM exceed its SRAM (code and other data
    are checked exactly by the firmware build); the model's state (an LSTM's,
    static beside the arena) counts too. ``app_ram``: what the app's
    manifest states; None is the profiler, which keeps a copy of the input
    it loads: the inputs, or ``loaded_bytes`` when it loads more than the
    model takes (an MLPerf input crop, tinykit.mlperf.InputCrop)."""
    if board.flash_bytes is not None and weights_bytes > board.flash_bytes:
        raise TinykitError(
            f"the model does not fit {board.name}: its weights need {_kib(weights_bytes)} of flash, the board has "
            f"{_kib(board.flash_bytes)}, {weights_bytes - board.flash_bytes:,} bytes too many. Largest weight tensors: "
            f"{_largest_weights(graph)}. Shrink those layers (fewer filters or units) or pick a board with more flash "
            "(`tinykit boards`)."
        )
    if board.sram_bytes is not None:
        # The profiler firmware keeps a copy of the loaded input outside the arena.
        loaded = sum(t.nbytes for t in graph.inputs) if loaded_bytes is None else loaded_bytes
        input_copy = loaded if app_ram is None else app_ram
        what = "the firmware's copy of the input" if app_ram is None else "the app's own state"
        needed = plan.arena_bytes + graph.state_bytes + (board.stack_reserve or 0) + input_copy
        state = f", its state kept between inferences ({_kib(graph.state_bytes)})" if graph.state_bytes else ""
        if needed > board.sram_bytes:
            raise TinykitError(
                f"the model does not fit {board.name}: its arena ({_kib(plan.arena_bytes)}){state}, the stack reserve "
                f"({_kib(board.stack_reserve or 0)}) and {what} ({_kib(input_copy)}) "
                f"need {_kib(needed)} of SRAM, the board has {_kib(board.sram_bytes)}, "
                f"{needed - board.sram_bytes:,} bytes too many. The arena peak is at {_arena_peak(graph, plan)}. "
                "Reduce the resolution or the channels of the early layers, or pick a board with more SRAM (`tinykit boards`)."
            )
