"""The bit-exactness check every kernel and model test uses.

A model goes through the real pipeline (reader, kernel selection, planner,
code generator, host gcc with -Werror and, by default, AddressSanitizer and
UndefinedBehaviorSanitizer) and its outputs are compared with tflite-micro's
for the same random int8 inputs, every byte.

``features`` are the ISA features the kernel selection may use. On the host
the cortexm/ twins build with portable C definitions of the ACLE intrinsics
(tinykit/acle.h), so a test run with ``features={"dsp"}`` checks the DSP
kernels' arithmetic under the sanitizers; ``isa_feature_sets(kind)`` lists the
feature sets that select a different kernel for an op kind, for
``pytest.mark.parametrize``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from tinykit.build import CompiledModel, compile_tflite
from tinykit.errors import TinykitError
from tinykit.ir import Graph, OpKind
from tinykit.planner import MemoryPlan, PlacedBuffer, check_no_overlap
from tinykit.planner.bound import peak_live_bytes
from tinykit.planner.greedy import align_up
from tinykit.planner.lifetimes import buffer_overlaps, graph_buffers
from tinykit.schedule import Schedule
from tinykit.schedule import variants_of
from tinykit.verify.compare import compare, random_samples
from tinykit.verify.host import build_host, run_host
from tinykit.verify.tflm import run_tflm


def isa_feature_sets(*kinds: OpKind) -> list:
    """``pytest.param`` feature sets, one per distinct set of ISA features some
    registered variant of ``kinds`` requires: the empty set (the reference
    kernels, id "reference") first, then e.g. {"dsp"} (id "dsp")."""
    sets = {frozenset()} | {v.requires for kind in kinds for v in variants_of(kind)}
    ordered = sorted(sets, key=lambda s: (len(s), sorted(s)))
    return [pytest.param(s, id="+".join(sorted(s)) or "reference") for s in ordered]


def assert_bit_exact(
    model: bytes, tmp_path: Path, samples: int = 20, seed: int = 0, sanitize: bool = True,
    features: Iterable[str] = frozenset(), reference_model: bytes | None = None, kernels: str = "fastest",
    **build_options,
) -> CompiledModel:
    """tinykit's build of ``model`` gives tflite-micro's outputs byte for byte. tflite-micro runs
    ``reference_model`` instead when given (the model as tinykit simplified it, for a file tflite-micro
    cannot run as it is). ``kernels`` is "fastest" by default, so that an op test runs the variant
    it names even where a slower one would plan a smaller arena; whole models pass "auto".
    ``build_options`` go to ``compile_tflite`` (``patches``, ``max_recompute``)."""
    tflite = tmp_path / "model.tflite"
    tflite.write_bytes(model)
    compiled = compile_tflite(tflite, tmp_path / "build", board="host", source_name=tflite.name, features=features,
                              kernels=kernels, **build_options)
    assert check_no_overlap(compiled.plan) == []
    host = build_host(compiled.folder, sanitize=sanitize, shared_library=False)
    inputs = random_samples(compiled.graph, samples, seed)
    ours = run_host(host, compiled.graph, inputs)
    reference = run_tflm(model if reference_model is None else reference_model, inputs)
    compared, mismatched, examples = compare(reference, ours)
    assert compared > 0
    kernels = ", ".join(sorted({f"{e.kernel} ({e.variant})" for e in compiled.schedule.ops}))
    details = "\n".join(
        f"  sample {m.sample} output {m.output} at {list(m.index)}: tflite-micro {m.expected:g}, tinykit {m.got:g}" for m in examples
    )
    assert mismatched == 0, f"{mismatched} of {compared} output bytes differ from tflite-micro (kernels: {kernels}):\n{details}"
    return compiled


def placed_at_distance(distance: int) -> Callable[[Graph, Schedule], MemoryPlan]:
    """A planner for one-op graphs: the op's output at offset 0 and its input 0
    exactly ``distance`` bytes above it (below it when negative), every other
    buffer after both: the placement an overlap rule's distance allows at its limit."""

    def planner(graph: Graph, schedule: Schedule) -> MemoryPlan:
        (op,) = graph.ops
        buffers = graph_buffers(graph, schedule, in_place=False)
        owner = {index: b for b in buffers for index in b.tensors}
        out, source = owner[op.outputs[0].index], owner[op.inputs[0].index]
        offsets = {out.key: max(0, -distance), source.key: max(0, distance)}
        end = max(offsets[out.key] + out.size, offsets[source.key] + source.size)
        for b in buffers:  # scratch areas after both, aligned as the planner aligns them
            if b.key not in offsets:
                start = align_up(end, 16)
                offsets[b.key], end = start, start + b.size
        overlaps = buffer_overlaps(graph, schedule, buffers)
        bound, _ = peak_live_bytes(buffers, 1, overlaps)
        return MemoryPlan(
            graph_name=graph.name, op_kinds=(op.kind.value,), alignment=1, arena_bytes=end, lower_bound=bound,
            peak_op=0, strategy=f"output {distance} bytes below its input", in_place=False,
            buffers=tuple(PlacedBuffer(b, offsets[b.key], b.size) for b in buffers), overlaps=overlaps,
        )

    return planner


def mismatches_at_distance(model: bytes, tmp_path: Path, distance: int, features: Iterable[str],
                           samples: int = 10, seed: int = 0, kernels: str = "fastest") -> tuple[CompiledModel, int, int]:
    """The one-op ``model`` built (host, -Werror, ASan + UBSan) with its output
    ``distance`` bytes below its input (``placed_at_distance``) and run on random
    inputs: the build, and how many of how many output bytes differ from
    tflite-micro's (which equal a build with disjoint buffers: the op tests check that)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    tflite = tmp_path / "model.tflite"
    tflite.write_bytes(model)
    # kernels="fastest" by default: the case tests the preferred variant's rule, even where a slower
    # one plans smaller; "auto" tests a variant the memory-aware choice takes (its choice is planned
    # with the real planner, then the output is placed at ``distance``).
    compiled = compile_tflite(tflite, tmp_path / "build", board="host", source_name=tflite.name, features=features,
                              kernels=kernels, planner=placed_at_distance(distance))
    host = build_host(compiled.folder, sanitize=True, shared_library=False)
    inputs = random_samples(compiled.graph, samples, seed)
    compared, mismatched, _ = compare(run_tflm(model, inputs), run_host(host, compiled.graph, inputs))
    assert compared > 0
    return compiled, mismatched, compared


def assert_refused(model: bytes, tmp_path: Path, match: str) -> None:
    """``tinykit build`` of the model stops with a TinykitError whose message matches ``match``."""
    tflite = tmp_path / "refused.tflite"
    tflite.write_bytes(model)
    with pytest.raises(TinykitError, match=match):
        compile_tflite(tflite, tmp_path / "refused-build", board="host", source_name=tflite.name)


def assert_in_place(model: bytes, tmp_path: Path, op_index: int, input_position: int,
                    features: Iterable[str] = frozenset()) -> None:
    """The planner puts op ``op_index``'s output on its input ``input_position`` (so the
    kernel's aliasing is exercised), and the model stays bit-exact with tflite-micro; both
    with the fastest kernels ``features`` allow."""
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "model.tflite").write_bytes(model)
    compiled = compile_tflite(tmp_path / "plan" / "model.tflite", tmp_path / "plan" / "build", "host", "model.tflite",
                              features=features, kernels="fastest")
    op = compiled.graph.ops[op_index]
    assert compiled.plan.tensor_offset(op.outputs[0]) == compiled.plan.tensor_offset(op.inputs[input_position]), \
        f"the planner did not place the {op.kind.value} output in place, so this test would not exercise aliasing"
    (tmp_path / "run").mkdir()
    assert_bit_exact(model, tmp_path / "run", features=features)
