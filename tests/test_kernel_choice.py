"""Memory-aware kernel choice: a slower kernel variant where the arena is smaller with it."""

from __future__ import annotations

from pathlib import Path

from zoo import converted

from tinykit.boards import get_board
from tinykit.build import compile_tflite, schedule_for
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.planner import check_no_overlap, plan_graph
from tinykit.planner.kernel_choice import memory_aware_kernels
from tinykit.schedule import select_kernels
from tinykit.summary import render_summary


def test_vww_depthwise_layers_at_the_peak_trade_speed_for_arena(zoo_cache: Path, tmp_path: Path) -> None:
    tflite = converted("vww_mobilenet_v1", zoo_cache)
    graph = read_tflite(tflite)
    features = get_board("qemu_m7").features
    fastest = select_kernels(graph, features)
    # The strided op 3 runs the pairs kernel (no scratch), the faster one there; op 1 the ring kernel.
    assert fastest.op(1).kernel == "tk_depthwise_conv_3x3_s8"
    assert fastest.op(3).kernel == "tk_depthwise_conv_c4_s8"
    # op 1's input, output and ring buffer; the 6x6 and 12x12 layers on the pairs kernel (faster there)
    # leave the greedy planner 48 B above that
    assert plan_graph(graph, fastest).arena_bytes == 37_232

    chosen = memory_aware_kernels(graph, features)
    # Op 1 without its ring, and no longer exactly in place, lowers the arena to op 2's bound
    # (48x48x16 output over its 48x48x8 input tail-aligned, + 16 B scratch): the first layer's
    # output can sit low with op 0's input just above it. Undoing the swap costs 352 bytes.
    # Op 2 then runs the quads kernel with its 16 B pixel pair rather than the 1x1 kernel's
    # three widened pixels, which would cost 32 bytes on the bound.
    swapped = {e.op_index: (e.kernel, e.arena_saved) for e in chosen.ops if e.arena_saved}
    assert swapped == {1: ("tk_depthwise_conv_c4_s8", 352), 2: ("tk_conv_quads_s8", 32)}
    assert [e for e in chosen.ops if e.op_index not in swapped] == [e for e in fastest.ops if e.op_index not in swapped]
    plan = plan_graph(graph, chosen)
    assert (plan.arena_bytes, plan.lower_bound, plan.peak_op) == (36_880, 36_880, 2)
    assert check_no_overlap(plan) == []

    # One source of truth: the build, its hash check and its printout read the same choice.
    compiled = compile_tflite(tflite, tmp_path / "build", "qemu_m7", tflite.name)
    assert compiled.schedule == chosen == schedule_for(tflite, "qemu_m7")
    assert compiled.plan.arena_bytes == 36_880
    summary = render_summary(compiled.graph, compiled.schedule, compiled.plan, compiled.weights_bytes)
    assert ("op 1 runs tk_depthwise_conv_c4_s8 (dsp), not the fastest variant: the arena is 352 bytes smaller"
            in summary)

    # --kernels fastest keeps the fastest variants whatever the arena.
    assert memory_aware_kernels(graph, features, "fastest").ops == fastest.ops


def test_no_swap_where_the_fastest_kernels_already_reach_the_bound(zoo_cache: Path) -> None:
    graph = read_tflite(converted("kws_ds_cnn", zoo_cache))
    features = get_board("qemu_m7").features
    assert memory_aware_kernels(graph, features) == select_kernels(graph, features)
    assert memory_aware_kernels(graph, features, "reference") == select_kernels(graph, features, "reference")


def test_resnet8_layers_whose_input_stays_live_take_the_widest_scratch_that_fits(zoo_cache: Path) -> None:
    """ResNet-8's first stack: op 1's input is the residual ADD's too, so its output cannot overlay it,
    and op 2 is the arena's peak (the residual, its input and its output overlaid, its scratch). The
    fastest kernel (three widened patches) would enlarge the arena at both; op 1 takes the two widened
    patches of tk_conv_quads_wide_s8, which fit under op 2's peak, and op 2 the int8 pixel pair."""
    graph = read_tflite(converted("resnet8", zoo_cache))
    features = get_board("qemu_m7").features
    fastest = select_kernels(graph, features)
    assert {fastest.op(i).kernel for i in (1, 2, 4, 8, 9)} == {"tk_conv_triples_s8"}
    chosen = memory_aware_kernels(graph, features)
    assert [chosen.op(i).kernel for i in (1, 2)] == ["tk_conv_quads_wide_s8", "tk_conv_quads_s8"]
    assert chosen.op(4).kernel == chosen.op(9).kernel == "tk_conv_triples_s8"
    assert plan_graph(graph, chosen).arena_bytes < plan_graph(graph, fastest).arena_bytes
