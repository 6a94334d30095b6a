"""``select_kernels``: the graph and the target's ISA features in, a
``Schedule`` out (the kernel variant of every op and what it implies)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import functools
from dataclasses import dataclass
from functools import cached_property

from tinykit.errors import TinykitError
from tinykit.ir import Graph, Op
from tinykit.schedule.overlap import Overlap
from tinykit.schedule.patches import PatchStage
from tinykit.schedule.variants import REFERENCE, KernelVariant, variants_of

# "auto": the most preferred variant the target's features allow, or a less
# preferred one where the arena is smaller with it (tinykit.planner.kernel_choice);
# "fastest": the most preferred variant everywhere, whatever the arena;
# "reference": the portable reference kernels whatever the target.
KERNEL_MODES = ("auto", "fastest", "reference")


@dataclass(frozen=True)
class OpSchedule:
    """The kernel chosen for one op and the facts that follow from it.

    ``sources`` are C files relative to ``firmware/runtime/src``;
    ``scratch_bytes`` is the arena the kernel needs while it runs (equal to its
    C ``_get_buffer_size``); ``overlaps`` when the output may share bytes
    with an input that dies at this op (``tinykit.schedule.overlap``).
    ``arena_saved`` is nonzero when a less preferred (slower) variant was
    chosen because the arena is that many bytes smaller with it
    (``tinykit.planner.kernel_choice``)."""

    op_index: int
    kernel: str
    variant: str
    sources: tuple[str, ...]
    scratch_bytes: int
    overlaps: tuple[Overlap, ...]
    weight_layout: str
    arena_saved: int = 0

    def to_json(self) -> dict:
        return {
            "kernel": self.kernel, "variant": self.variant, "sources": list(self.sources),
            "scratch_bytes": self.scratch_bytes, "overlaps": [o.to_json() for o in self.overlaps],
            "weight_layout": self.weight_layout, "arena_saved": self.arena_saved,
        }


@dataclass(frozen=True)
class Schedule:
    """The kernel of every op of one graph, for one set of ISA features."""

    features: frozenset[str]
    kernels: str  # one of KERNEL_MODES
    ops: tuple[OpSchedule, ...]  # in the graph's op order
    # The first ops run patch by patch (tinykit.schedule.patches), chosen by
    # tinykit.planner.patch_choice; None: every op runs on whole tensors.
    patches: PatchStage | None = None

    @cached_property
    def _by_index(self) -> dict[int, OpSchedule]:
        return {entry.op_index: entry for entry in self.ops}

    def op(self, op: Op | int) -> OpSchedule:
        """The entry of ``op`` (an Op or its index)."""
        index = op if isinstance(op, int) else op.index
        try:
            return self._by_index[index]
        except KeyError:
            raise ValueError(f"op {index} is not in this schedule: it belongs to another graph") from None

    def sources(self) -> tuple[str, ...]:
        """Every C file the chosen kernels and the patch stage need, sorted, each once."""
        stage = self.patches.sources if self.patches is not None else ()
        return tuple(sorted({*stage, *(path for entry in self.ops for path in entry.sources)}))

    def in_patch_stage(self, op: Op | int) -> bool:
        """Whether ``op`` (an Op or its index) runs patch by patch."""
        index = op if isinstance(op, int) else op.index
        return self.patches is not None and index in self.patches.ops

    def to_json(self) -> dict:
        """The schedule as plain JSON values (tinykit.json, the build hash)."""
        document = {
            "features": sorted(self.features),
            "kernels": self.kernels,
            "ops": [{"index": entry.op_index, **entry.to_json()} for entry in self.ops],
        }
        if self.patches is not None:
            document["patches"] = self.patches.to_json()
        return document


def applicable_variants(op: Op, features: frozenset[str], kernels: str) -> list[KernelVariant]:
    """The variants that can run ``op`` on a core with ``features`` in mode ``kernels``, most preferred first."""
    return list(_applicable(op, features, kernels))


# Some predicates compute every channel's requantization from the weights, and an overlap rule walks the
# op's window; the memory-aware kernel choice selects kernels for the whole graph once per trial swap (and
# an estimate does that per candidate graph), so both answers are kept. They depend on their arguments alone
# (ops and variants are frozen values: equal ones get equal answers).
@functools.lru_cache(maxsize=2048)
def _applicable(op: Op, features: frozenset[str], kernels: str) -> tuple[KernelVariant, ...]:
    return tuple(
        candidate for candidate in variants_of(op.kind)
        if (kernels != "reference" or candidate.variant == REFERENCE)
        and candidate.requires <= features and candidate.applies(op)
    )


def link_conflict(kernels: Iterable[tuple[str, tuple[str, ...]]]) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """The first C kernel name that two different source files would define in one build, with
    both files, or None when the (kernel, sources) pairs ``kernels`` link together: a build links
    one file per C name (a cortexm/ twin and its reference define the same function)."""
    linked: dict[str, tuple[str, ...]] = {}
    for kernel, sources in kernels:
        if linked.setdefault(kernel, sources) != sources:
            return kernel, linked[kernel], sources
    return None


def _choose(op: Op, features: frozenset[str], kernels: str, chosen: Mapping[int, tuple[str, int]]) -> OpSchedule:
    candidates = applicable_variants(op, features, kernels)
    if op.index in chosen:
        kernel, saved = chosen[op.index]
        for candidate in candidates:
            if candidate.kernel == kernel:
                return _entry(op, candidate, saved)
        raise ValueError(f"{kernel} cannot run op {op.index} ({op.kind.value}) with features {sorted(features)}")
    if candidates:
        return _entry(op, candidates[0], 0)
    raise TinykitError(
        f"op {op.index} ({op.kind.value}) has no kernel for ISA features {sorted(features) or 'none'} "
        f"(kernels={kernels}). This is a tinykit bug: every op kind the reader accepts must have a portable "
        "reference kernel; please report it with the model."
    )


@functools.lru_cache(maxsize=4096)
def _entry(op: Op, variant: KernelVariant, arena_saved: int) -> OpSchedule:
    return OpSchedule(
        op_index=op.index, kernel=variant.kernel, variant=variant.variant, sources=variant.sources,
        scratch_bytes=variant.scratch_bytes(op), overlaps=variant.overlaps(op),
        weight_layout=variant.weight_layout, arena_saved=arena_saved,
    )


def select_kernels(graph: Graph, features: Iterable[str], kernels: str = "auto",
                   chosen: Mapping[int, tuple[str, int]] | None = None) -> Schedule:
    """The kernel of every op of ``graph`` on a core with ISA ``features``
    (a board's ``Board.features``): the most preferred registered variant whose
    features the core has and whose predicate accepts the op; with
    ``kernels="reference"`` the portable reference kernel of every op.

    ``chosen`` maps op indices to (kernel, arena bytes saved): another
    applicable variant for that op, picked for the arena it saves
    (``tinykit.planner.kernel_choice``, the one place that decides it)."""
    if kernels not in KERNEL_MODES:
        raise TinykitError(f"--kernels {kernels!r} is not known: use one of {', '.join(KERNEL_MODES)}.")
    available = frozenset(features)
    entries = tuple(_choose(op, available, kernels, chosen or {}) for op in graph.ops)
    conflict = link_conflict((entry.kernel, entry.sources) for entry in entries)
    if conflict is not None:
        kernel, first, second = conflict
        raise TinykitError(
            f"two variants of {kernel} ({first} and {second}) were chosen for one build, and they cannot be "
            "linked together. This is a tinykit bug in the kernel registry; please report it."
        )
    return Schedule(features=available, kernels=kernels, ops=entries)
