"""Patch-based execution of a first stage (tinykit/schedule/patches.py): each
patch's regions and paddings on a hand-made case, the planner's patch buffers
and lower bound, the overlap checker, the choice under --max-recompute, and
chains of convolutions, depthwise convolutions and pools run patch by patch
(SAME and VALID, strides 1 and 2, odd sizes so the patches are uneven, grids
that need window copies and bands of whole rows) bit-exact with tflite-micro."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact
from modelgen import ModelBuilder
from test_cli import tinykit
from test_op_conv import ACTIVATIONS, PADDINGS, bias_tensor, log_uniform_scale, output_scale_for
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema
from zoo import converted

from tinykit.build import compile_tflite
from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.ir import conv_output_size, Padding
from tinykit.planner import PlacedBuffer, check_no_overlap, plan_graph
from tinykit.planner.patch_choice import choose_patches, why_no_patches
from tinykit.schedule import select_kernels
from tinykit.schedule.patches import COPY_ROWS_SOURCE, Region, patch_stage

# One layer of a chain: ("conv", kernel, stride, padding, out channels), ("dw", kernel, stride, padding),
# ("max" | "avg", filter, stride, padding).
Layer = tuple


def chain_model(rng: np.random.Generator, shape: tuple[int, int, int, int], layers: list[Layer]) -> bytes:
    """A model of ``layers`` applied one after the other to an int8 input of ``shape``, random weights and scales."""
    b = ModelBuilder()
    scale = log_uniform_scale(rng, 0.01, 0.1)
    zero_point = int(rng.integers(-100, 100))
    x = first = b.activation(shape, scale=scale, zero_point=zero_point)
    n, h, w, c = shape
    for layer in layers:
        kind, k, stride, padding = layer[:4]
        h = conv_output_size(h, k, stride, 1, Padding(padding))
        w = conv_output_size(w, k, stride, 1, Padding(padding))
        if kind in ("max", "avg"):
            y = b.activation((n, h, w, c), scale=scale, zero_point=zero_point)  # pools keep their input's quantization
            opts = schema.Pool2DOptionsT()
            opts.filterHeight = opts.filterWidth = k
            builtin = "MAX_POOL_2D" if kind == "max" else "AVERAGE_POOL_2D"
            inputs = [x]
        else:
            out_c = layer[4] if kind == "conv" else c
            filter_scales = [log_uniform_scale(rng, 0.002, 0.03) for _ in range(out_c)]
            taps = k * k * (c if kind == "conv" else 1)
            out_scale = output_scale_for(rng, scale, filter_scales, taps)
            if kind == "conv":
                weights = rng.integers(-127, 128, (out_c, k, k, c), dtype=np.int8)
                wt = b.constant(weights, scale=filter_scales, zero_point=0, axis=0)
                opts = schema.Conv2DOptionsT()
                builtin = "CONV_2D"
            else:
                weights = rng.integers(-127, 128, (1, k, k, c), dtype=np.int8)
                wt = b.constant(weights, scale=filter_scales, axis=3)
                opts = schema.DepthwiseConv2DOptionsT()
                opts.depthMultiplier = 1
                opts.dilationHFactor = opts.dilationWFactor = 1
                builtin = "DEPTHWISE_CONV_2D"
            if kind == "conv":
                opts.dilationHFactor = opts.dilationWFactor = 1
            opts.fusedActivationFunction = ACTIVATIONS["RELU"]
            inputs = [x, wt, bias_tensor(b, rng, scale, filter_scales, out_c)]
            c, scale, zero_point = out_c, out_scale, int(rng.integers(-100, 100))
            y = b.activation((n, h, w, c), scale=scale, zero_point=zero_point)
        opts.padding = PADDINGS[padding]
        opts.strideH = opts.strideW = stride
        b.op(builtin, inputs, [y], opts)
        x = y
    return b.finish([first], [x])


def _write(tmp_path: Path, model: bytes) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "chain.tflite"
    path.write_bytes(model)
    return path


def test_regions_paddings_and_buffers_of_a_hand_made_stage(tmp_path: Path) -> None:
    """Two 3x3 SAME convolutions on 8x8x1, a 2x2 grid: each patch's regions and paddings, the
    patch buffers, the recomputed MACs, and the plan's exact buffers, bound and arena."""
    rng = np.random.default_rng(1)
    graph = read_tflite(_write(tmp_path, chain_model(rng, (1, 8, 8, 1), [("conv", 3, 1, "SAME", 1)] * 2)))
    stage = patch_stage(graph, [0, 1], (2, 2))
    first, last = stage.patches[0], stage.patches[3]
    # Patch 0 (output rows and columns 0..3): op 1 reads rows/columns 0..4, padded 1 at the image
    # border; op 0 computes those and reads 0..5.
    assert [(s.input, s.output, s.pad) for s in first] == [
        (Region(0, 6, 0, 6), Region(0, 5, 0, 5), (1, 1)), (Region(0, 5, 0, 5), Region(0, 4, 0, 4), (1, 1))]
    # Patch 3 (4..7): inside the image at the top left, so no padding there; clipped at the bottom right.
    assert [(s.input, s.output, s.pad) for s in last] == [
        (Region(2, 8, 2, 8), Region(3, 8, 3, 8), (0, 0)), (Region(3, 8, 3, 8), Region(4, 8, 4, 8), (0, 0))]
    assert (stage.buffer_bytes, stage.window_bytes, stage.output_patch_bytes) == ((25,), 36, 16)
    assert stage.extra_macs == (4 * 25 - 64) * 9 and stage.macs == 4 * 25 * 9 + 64 * 9
    schedule = replace(select_kernels(graph, frozenset()), patches=stage)
    plan = plan_graph(graph, schedule)
    spans = {p.buffer.key: (p.buffer.size, p.buffer.first_use, p.buffer.last_use) for p in plan.buffers}
    (t_in,) = graph.inputs
    (t_out,) = graph.outputs
    inner = graph.ops[0].outputs[0].index
    assert spans == {f"t{t_in.index}": (64, 0, 1), f"t{t_out.index}": (64, 0, 1), f"p{inner}": (25, 0, 1),
                     f"w{t_in.index}": (36, 0, 0), f"p{t_out.index}": (16, 1, 1)}
    # At op 0: input, output, window and the inner patch, each rounded up to 16 bytes.
    assert plan.lower_bound == plan.arena_bytes == 64 + 64 + 48 + 32
    assert check_no_overlap(plan) == []
    assert not plan.has_place(graph.ops[0].outputs[0])
    assert "Patch stage: ops 0..1 run patch by patch, a 2x2 grid" in plan.render()
    assert plan.to_json()["patches"]["grid"] == [2, 2]
    assert 'data-id="p' in plan.to_svg()


def test_checker_refuses_a_patch_buffer_on_the_stage_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    graph = read_tflite(_write(tmp_path, chain_model(rng, (1, 9, 9, 2), [("conv", 3, 2, "SAME", 4), ("dw", 3, 1, "SAME")])))
    schedule = replace(select_kernels(graph, frozenset()), patches=patch_stage(graph, [0, 1], (2, 2)))
    plan = plan_graph(graph, schedule)
    inner = f"p{graph.ops[0].outputs[0].index}"
    source = next(p for p in plan.buffers if p.buffer.key == f"t{graph.inputs[0].index}")
    moved = replace(plan, buffers=tuple(PlacedBuffer(p.buffer, source.offset, p.reserved) if p.buffer.key == inner else p
                                        for p in plan.buffers))
    problems = check_no_overlap(moved)
    assert any(inner in problem and "overlap while both are live" in problem for problem in problems)


def test_a_stage_must_be_a_chain_of_window_ops(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    graph = read_tflite(_write(tmp_path, chain_model(rng, (1, 6, 6, 2), [("conv", 3, 1, "SAME", 2)] * 2)))
    with pytest.raises(TinykitError, match="consecutive ops"):
        patch_stage(graph, [0, 2], (2, 2))
    with pytest.raises(TinykitError, match="grid does not fit"):
        patch_stage(graph, [0, 1], (7, 1))


# Chains and grids: SAME and VALID, strides 1 and 2, pools, odd sizes (uneven patches).
CHAINS = [
    pytest.param((1, 19, 17, 3), [("conv", 3, 2, "SAME", 8), ("dw", 3, 1, "SAME"), ("conv", 1, 1, "SAME", 8),
                                  ("dw", 3, 2, "SAME")], [0, 1, 2, 3], (3, 3), id="mobilenet-like-3x3"),
    pytest.param((1, 23, 21, 4), [("conv", 5, 1, "VALID", 8), ("max", 3, 2, "SAME"), ("dw", 3, 1, "VALID"),
                                  ("avg", 2, 2, "VALID")], [0, 1, 2, 3], (2, 3), id="valid-pools-2x3"),
    pytest.param((1, 17, 15, 4), [("conv", 3, 1, "SAME", 4), ("avg", 3, 1, "SAME"), ("dw", 5, 2, "SAME"),
                                  ("conv", 1, 1, "SAME", 8)], [1, 2, 3], (4, 1), id="rows-4x1-from-op-1"),
]


@pytest.mark.parametrize("features", [pytest.param(frozenset(), id="reference"), pytest.param(frozenset({"dsp"}), id="dsp")])
@pytest.mark.parametrize("shape, layers, ops, grid", CHAINS)
def test_patch_stage_is_bit_exact(shape, layers, ops, grid, features: frozenset[str], tmp_path: Path) -> None:
    model = chain_model(np.random.default_rng(len(layers) + grid[0]), shape, layers)
    compiled = assert_bit_exact(model, tmp_path, samples=4, features=features, patches=(ops, grid))
    stage = compiled.schedule.patches
    assert stage is not None and stage.grid == grid
    assert "tk_patch_stage" in (compiled.folder / "src" / "model.c").read_text()
    # The runtime's row copy is linked exactly when a patch is not whole rows (bands of rows need none).
    copies = grid[1] > 1
    assert (stage.window_bytes > 0 or stage.output_patch_bytes > 0) == copies
    linked = (compiled.folder / "lib" / "tinykit_runtime" / "src" / COPY_ROWS_SOURCE).exists()
    assert linked == copies and (COPY_ROWS_SOURCE in compiled.schedule.sources()) == copies


# A chain whose first layers hold the arena's peak: a patch stage lowers it (also run on the boards).
PATCHED_CHAIN = ((1, 32, 31, 3), [("conv", 3, 1, "SAME", 16), ("dw", 3, 2, "SAME"), ("conv", 1, 1, "SAME", 8),
                                  ("dw", 3, 1, "SAME")])


def test_max_recompute_chooses_a_smaller_arena(tmp_path: Path) -> None:
    """A cap of 0 keeps every op whole; a cap of 0.5 picks a stage whose arena is smaller and
    whose recomputation is within it, and the build stays bit-exact."""
    model = chain_model(np.random.default_rng(9), *PATCHED_CHAIN)
    graph = read_tflite(_write(tmp_path / "m", model))
    schedule = select_kernels(graph, frozenset())
    assert choose_patches(graph, schedule, 0.0) == schedule
    chosen = choose_patches(graph, schedule, 0.5)
    stage = chosen.patches
    assert stage is not None and 0 < stage.recompute <= 0.5
    assert plan_graph(graph, chosen).arena_bytes < plan_graph(graph, schedule).arena_bytes == stage.arena_without
    compiled = assert_bit_exact(model, tmp_path, samples=4, max_recompute=0.5)
    assert compiled.schedule.patches == stage


def test_vww_zoo_model_with_patches_is_bit_exact(zoo_cache: Path, tmp_path: Path) -> None:
    """The zoo's VWW MobileNet (96x96) with its first ops forced patch by patch, DSP kernels."""
    tflite = converted("vww_mobilenet_v1", zoo_cache)
    compiled = assert_bit_exact(tflite.read_bytes(), tmp_path, samples=3, features=frozenset({"dsp"}), kernels="auto",
                                patches=([1, 2, 3], (3, 3)))
    assert compiled.plan.arena_bytes < compiled.schedule.patches.arena_without


def test_bad_max_recompute_is_refused(tmp_path: Path) -> None:
    model = chain_model(np.random.default_rng(4), (1, 6, 6, 2), [("conv", 3, 1, "SAME", 2)])
    with pytest.raises(TinykitError, match="max-recompute"):
        compile_tflite(_write(tmp_path, model), tmp_path / "build", "host", "chain.tflite", max_recompute=-1)


def conv_then_pads_model() -> bytes:
    """A 3x3 convolution on 1x6x6x2, then two PADs that grow its output to 1x8x8x2 and 1x20x20x2:
    the arena peaks at the second PAD, which no chain of window ops reaches."""
    rng = np.random.default_rng(5)
    b = ModelBuilder()
    x = b.activation((1, 6, 6, 2), scale=0.05, zero_point=-3)
    w = b.constant(rng.integers(-127, 128, (2, 3, 3, 2), dtype=np.int8), scale=[0.01, 0.02], zero_point=[0, 0], axis=0)
    options = schema.Conv2DOptionsT()
    options.padding, options.strideW, options.strideH = PADDINGS["SAME"], 1, 1
    options.dilationHFactor = options.dilationWFactor = 1
    y = b.activation((1, 6, 6, 2), scale=0.1, zero_point=5)
    b.op("CONV_2D", [x, w, bias_tensor(b, rng, 0.05, [0.01, 0.02], 2)], [y], options)
    for size, pad in ((8, 1), (20, 6)):
        padded = b.activation((1, size, size, 2), scale=0.1, zero_point=5)
        pads = b.constant(np.array([[0, 0], [pad, pad], [pad, pad], [0, 0]], dtype=np.int32))
        b.op("PAD", [y, pads], [padded], schema.PadOptionsT())
        y = padded
    return b.finish([x], [y])


def test_why_no_patch_stage_is_said(tmp_path: Path) -> None:
    """With a cap above 0 and no stage chosen, the build says why: no chain of window ops reaches
    the arena's peak, the output is too short for any grid, or no stage lowers the arena."""
    def why(name: str, model: bytes, cap: float) -> str:
        graph = read_tflite(_write(tmp_path / name, model))
        schedule = select_kernels(graph, frozenset())
        assert choose_patches(graph, schedule, cap) == schedule
        return why_no_patches(graph, schedule, cap)

    assert why("pads", conv_then_pads_model(), 0.5) == (
        "no layers can run patch by patch: the arena peaks at op 2 (PAD), and a patch stage must be a chain of "
        "AVERAGE_POOL_2D, CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D ops reaching op 1 or later; the chain from op 0 "
        "stops at op 0: op 1 is PAD, not one of AVERAGE_POOL_2D, CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D")
    row = chain_model(np.random.default_rng(6), (1, 1, 9, 2), [("conv", 3, 1, "SAME", 2)])
    assert why("row", row, 0.5).endswith(
        "peaks at op 0 (CONV_2D); the chain of ops 0..0 ends in a 1-row output, and every patch grid tried cuts at least 2 rows")
    # One layer: a patch stage has no inner tensor to shrink, so nothing beats the plan without patches.
    single = chain_model(np.random.default_rng(7), (1, 6, 6, 2), [("conv", 3, 1, "SAME", 2)])
    assert re.fullmatch(r"none of the \d+ possible patch stages within --max-recompute 0.5 plans an arena smaller "
                        r"than [\d,]+ bytes, the arena without patches", why("single", single, 0.5))


def test_build_notes_why_it_kept_every_layer_whole(tmp_path: Path) -> None:
    model = _write(tmp_path, conv_then_pads_model())
    result = tinykit("build", str(model), "--max-recompute", "0.1", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "patches       none: no layers can run patch by patch: the arena peaks at op 2 (PAD)" in result.stdout
    assert "Traceback" not in result.stderr
