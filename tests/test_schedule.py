"""Kernel selection: the registry of kernel variants and ``select_kernels``.

The registry is checked against the C sources it names (each file exists and
defines the kernel), every op kind has its portable reference, and the
Schedule of a real graph carries the choice the target's ISA features allow,
which the planner and the copied runtime then follow.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from test_op_conv import ConvCase, case_seed, conv_model

from tinykit.build import compile_tflite
from tinykit.codegen.runtime import MLPERF_SOURCES, MODEL_SOURCE
from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.ir import OpKind
from tinykit.planner import check_no_overlap, plan_graph
from tinykit.resources import firmware_dir
from tinykit.schedule import Overlap, select_kernels, variants_of
from tinykit.simplify import FOLDED_ONLY

ALL_VARIANTS = [v for kind in OpKind for v in variants_of(kind)]


@pytest.mark.parametrize("variant", ALL_VARIANTS, ids=lambda v: f"{v.kind.value}-{v.kernel}-{v.variant}")
def test_each_variant_names_a_source_that_defines_its_kernel(variant) -> None:
    own = (firmware_dir() / "runtime" / "src" / variant.sources[0]).read_text()
    assert re.search(rf"^tk_status {variant.kernel}\(const tk_context \*ctx,", own, re.M)
    header = "\n".join(p.read_text() for p in (firmware_dir() / "runtime" / "include" / "tinykit").glob("*.h"))
    assert re.search(rf"^tk_status {variant.kernel}\(const tk_context \*ctx,", header, re.M)


def test_every_op_kind_has_a_portable_reference_kernel() -> None:
    for kind in set(OpKind) - FOLDED_ONLY:  # shape arithmetic is folded at read time, never run
        assert [v for v in variants_of(kind) if v.variant == "reference" and not v.requires], kind


def _conv_graph(tmp_path: Path, kernel: int):
    case = ConvCase(1, 6, 6, 8, 4, kernel, kernel, 1, 1, 1, "SAME", "NONE", True, True)
    path = tmp_path / f"conv{kernel}.tflite"
    path.write_bytes(conv_model(case, np.random.default_rng(case_seed(case))))
    return read_tflite(path)


def test_dsp_features_choose_the_dsp_variants_and_the_planner_places_their_scratch(tmp_path: Path) -> None:
    graph = _conv_graph(tmp_path, 3)
    (conv,) = graph.ops
    dsp = select_kernels(graph, {"dsp", "fpu"})
    entry = dsp.op(conv)
    assert (entry.kernel, entry.variant, entry.sources, entry.scratch_bytes) == (
        "tk_conv_triples_s8", "dsp", ("cortexm/tk_conv_triples_s8.c",), 3 * 2 * 3 * 3 * 8)
    plan = plan_graph(graph, dsp)
    assert check_no_overlap(plan) == []
    [scratch] = [p for p in plan.buffers if p.buffer.scratch_op == conv.index]
    assert (scratch.buffer.size, scratch.buffer.first_use, scratch.buffer.last_use) == (432, 0, 0)
    assert plan.scratch_offset(conv) == scratch.offset
    # 6x6x8 input and 6x6x4 output are both live at op 0, and so are the three widened patches;
    # the kernel's overlap rule lets the output start 24 bytes (32 aligned) below its input.
    assert entry.overlaps == (Overlap(0, 24),)
    assert plan.lower_bound == 288 + 144 + 432 - (144 - 32)

    reference = select_kernels(graph, {"dsp", "fpu"}, kernels="reference")
    assert (reference.op(conv).variant, reference.op(conv).scratch_bytes) == ("reference", 0)
    assert plan_graph(graph, reference).scratch_offset(conv) is None
    assert select_kernels(graph, frozenset()).ops == reference.ops  # no features: the reference kernels


def test_shape_variants_apply_only_to_their_shapes(tmp_path: Path) -> None:
    graph = _conv_graph(tmp_path, 1)
    (pointwise,) = graph.ops
    entry = select_kernels(graph, {"dsp"}).op(pointwise)
    # 8 channels in, 4 out: the quads 1x1 kernel, three input pixels widened to int16 in scratch,
    # read before their outputs are written, so the output (half as wide) may even start 12 bytes
    # above its input: pixels q..q + 2 write up to byte 4 (q + 3), the next three read from 8 (q + 3).
    assert (entry.kernel, entry.sources, entry.scratch_bytes, entry.overlaps) == (
        "tk_conv_1x1_quads_s8", ("cortexm/tk_conv_1x1_quads_s8.c",), 3 * 2 * 8, (Overlap(0, -12),))
    # Five output channels are not whole pairs: the pairs kernel, no scratch.
    case = ConvCase(1, 6, 6, 8, 5, 1, 1, 1, 1, 1, "SAME", "NONE", True, True)
    path = tmp_path / "pairs.tflite"
    path.write_bytes(conv_model(case, np.random.default_rng(case_seed(case))))
    odd = read_tflite(path)
    entry = select_kernels(odd, {"dsp"}).op(odd.ops[0])
    assert (entry.kernel, entry.sources, entry.scratch_bytes) == ("tk_conv_1x1_s8", ("cortexm/tk_conv_1x1_s8.c",), 0)


def test_unknown_kernels_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TinykitError, match="--kernels 'fast'.*auto, fastest, reference"):
        select_kernels(_conv_graph(tmp_path, 3), {"dsp"}, kernels="fast")


def test_copied_runtime_holds_exactly_the_chosen_sources(tmp_path: Path) -> None:
    graph_file = tmp_path / "m.tflite"
    case = ConvCase(1, 6, 6, 8, 4, 3, 3, 1, 1, 1, "SAME", "NONE", True, True)
    graph_file.write_bytes(conv_model(case, np.random.default_rng(1)))
    for features, expected in ((frozenset(), ["reference/tk_conv_s8.c"]), ({"dsp"}, ["cortexm/tk_conv_quads_s8.c"])):
        compiled = compile_tflite(graph_file, tmp_path / f"build{len(features)}", "host", "m.tflite", features=features)
        src = compiled.folder / "lib" / "tinykit_runtime" / "src"
        model_api = [MODEL_SOURCE, *MLPERF_SOURCES]  # the model API over model.c's data, with every model
        assert sorted(p.relative_to(src).as_posix() for p in src.rglob("*.c")) == sorted([*expected, *model_api])
        assert list(compiled.schedule.sources()) == expected
