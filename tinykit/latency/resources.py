"""Flash and SRAM of a graph's firmware on a board, predicted without building it.

The model's own parts come from the build's own functions, so they are
exact: the kernels from ``memory_aware_kernels`` (what `tinykit build` runs),
the arena from ``plan_graph``, the weights (in each kernel's layout, with the
requantization constants) from the code generator's emitters. What the
compiler makes of the rest is measured, per board, from real builds
(``tinykit calibrate``): each kernel source's code as the linker map shows
it, and a linear fit of the rest of the image (the app, the board support,
the generated op calls and their parameter structs, linked with LTO).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinykit.boards import Board
from tinykit.codegen.generator import emit_model
from tinykit.errors import TinykitError
from tinykit.ir import Graph
from tinykit.planner import MemoryPlan, plan_graph
from tinykit.planner.kernel_choice import memory_aware_kernels
from tinykit.planner.patch_choice import choose_patches
from tinykit.schedule import Schedule

# Counts of the generated model.c the rest of the image is fitted on (besides a constant): each kernel call's
# code grows with its arguments (each one a constant loaded from a literal pool), each parameter struct's
# constant data with its fields. Chosen over op, struct and array counts by leave-one-out error on the
# calibration builds (qemu_m7: 104 bytes at worst against 172).
FLASH_COLUMNS = ("kernel_calls", "call_arguments", "struct_fields")
# An input section line of a GNU ld map: "<address> <size> <object>" (the section name on the line before).
_MAP_NAMED = re.compile(r"^ (\.\S+)")
_MAP_SECTION = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+\.o\)?)$")
_MAP_MEMBER = re.compile(r"\.a\((\S+\.o)\)")


@dataclass(frozen=True)
class FlashObservation:
    """One real build's figures, for fitting the flash model."""

    flash_minus_weights: int
    linked: LinkedKernels
    sources: tuple[str, ...]  # the runtime sources the build's schedule names
    counts: tuple[int, ...]  # FLASH_COLUMNS
    other_sram: int  # static RAM besides the arena, the model's state and the stack reserve
    input_bytes: int


@dataclass(frozen=True)
class FlashModel:
    """A board's flash beyond the weights: each kernel source's bytes plus a linear fit of the rest."""

    board: str
    kernel_bytes: dict[str, int]
    library_bytes: dict[str, int]  # C library members by name
    pulled_by: dict[str, tuple[str, ...]]  # the members each kernel source brings in
    coefficients: tuple[float, ...]  # constant, then FLASH_COLUMNS
    other_sram: int  # static RAM of the app and board support, besides the copy of the input

    def to_json(self) -> dict:
        return {"kernel_bytes": dict(sorted(self.kernel_bytes.items())), "library_bytes": dict(sorted(self.library_bytes.items())),
                "pulled_by": {k: list(v) for k, v in sorted(self.pulled_by.items())}, "columns": ["constant", *FLASH_COLUMNS],
                "coefficients": list(self.coefficients), "other_sram": self.other_sram}

    @classmethod
    def from_json(cls, board: str, document: dict) -> FlashModel:
        if document.get("columns") != ["constant", *FLASH_COLUMNS]:
            raise TinykitError(f"the flash model of {board} was fitted on other columns ({document.get('columns')}); "
                               f"fit it again with `tinykit calibrate --board {board} --flash-only`.")
        return cls(board, dict(document["kernel_bytes"]), dict(document["library_bytes"]),
                   {k: tuple(v) for k, v in document["pulled_by"].items()}, tuple(document["coefficients"]),
                   int(document["other_sram"]))

    def kernels_bytes(self, sources: tuple[str, ...]) -> tuple[int, tuple[str, ...]]:
        """Flash of the kernel sources a schedule names, with the C library members they bring in (each once),
        and the sources never measured (counted as the largest measured one: an over-estimate, flagged)."""
        unknown = tuple(s for s in sources if s not in self.kernel_bytes)
        members = {m for s in sources for m in self.pulled_by.get(s, ())}
        largest = max(self.kernel_bytes.values(), default=0)
        return (sum(self.kernel_bytes.get(s, largest) for s in sources)
                + sum(self.library_bytes.get(m, 0) for m in members)), unknown


@dataclass(frozen=True)
class Resources:
    """What a build of the graph for the board would use, in bytes."""

    board: str
    schedule: Schedule
    plan: MemoryPlan
    arena: int
    state: int
    weights: int
    flash: int | None  # whole image: weights + kernels + app, board support and generated calls (None: no flash model)
    sram: int | None  # arena + state + stack reserve + the app's statics, the profiler's input copy among them
    uncalibrated_kernels: tuple[str, ...]  # runtime sources the flash model never saw (their size estimated)

    @property
    def fits_flash(self) -> bool | None:
        return self._fits(self.flash, "flash")

    @property
    def fits_sram(self) -> bool | None:
        return self._fits(self.sram, "sram")

    def _fits(self, used: int | None, what: str) -> bool | None:
        from tinykit.boards import get_board

        budget = getattr(get_board(self.board), f"{what}_bytes")
        return None if used is None else budget is None or used <= budget


def _counts(emitted) -> tuple[int, ...]:
    """``FLASH_COLUMNS`` of an emitted model (``tinykit.codegen.generator.emit_model``)."""
    calls = [entry["call"] for entry in emitted.op_entries if entry["call"].endswith(")")]
    arguments = sum(call.count(",") + 1 for call in calls if not call.endswith("()"))
    fields = sum(struct.initializer.count("=") for struct in emitted.ctx.structs)
    return (len(calls), arguments, fields)


@dataclass(frozen=True)
class LinkedKernels:
    """What the linker map says the runtime put in flash."""

    bytes: dict[str, int]  # code and constants of each runtime source (``cortexm/tk_conv_s8.c``...)
    library_bytes: dict[str, int]  # each C library member linked (``lib_a-memset.o``), by member
    pulled_by: dict[str, tuple[str, ...]]  # the C library members each runtime source brought in


def linked_kernels(map_file: Path) -> LinkedKernels:
    """Read a GNU ld map: each runtime object's input sections of code and constants in the memory map (after
    --gc-sections: only what the image keeps), each C library member's, and which runtime object pulled each
    member in (the map's "Archive member included to satisfy reference" list; only kernels use memset and
    friends, the app does not)."""
    text = map_file.read_text()
    start = text.index("Linker script and memory map")
    pulled: dict[str, list[str]] = {}
    member = None
    for line in text[:start].splitlines():
        archived = _MAP_MEMBER.search(line)
        if archived and not line.startswith(" "):
            member = archived.group(1)
        elif member and "/tinykit_runtime/" in line:
            pulled.setdefault(_runtime_source(line.split()[0]), []).append(member)
            member = None
    sizes: dict[str, int] = {}
    library: dict[str, int] = {}
    section = ""
    for line in text[start:].splitlines():
        named = _MAP_NAMED.match(line)
        if named:
            section = named.group(1)
            line = line[named.end(1):]
            if not line.strip():
                continue  # the address, size and object follow on the next line
        match = _MAP_SECTION.match(" " + line.strip())
        if not match or not section.startswith((".text", ".rodata")):
            continue
        size, owner = int(match.group(2), 16), match.group(3)
        if "/tinykit_runtime/" in owner:
            source = _runtime_source(owner)
            sizes[source] = sizes.get(source, 0) + size
        elif _MAP_MEMBER.search(owner):
            name = _MAP_MEMBER.search(owner).group(1)
            library[name] = library.get(name, 0) + size
    return LinkedKernels(sizes, library, {k: tuple(v) for k, v in pulled.items()})


def _runtime_source(object_path: str) -> str:
    return object_path.split("/tinykit_runtime/", 1)[1].removesuffix(".o") + ".c"


def flash_observation(compiled) -> FlashObservation:  # compiled: tinykit.build.CompiledModel with firmware
    """The flash model's figures of one real firmware build."""
    firmware = compiled.firmware
    emitted = emit_model(compiled.graph, compiled.schedule, compiled.plan)
    return FlashObservation(
        flash_minus_weights=firmware.sizes.flash_minus_weights,
        linked=linked_kernels(firmware.elf.parent / "firmware.map"),
        sources=compiled.schedule.sources(),
        counts=_counts(emitted),
        other_sram=firmware.sizes.other_sram,
        input_bytes=sum(t.nbytes for t in compiled.graph.inputs),
    )


def fit_flash(board: str, observations: list[FlashObservation]) -> FlashModel:
    """Kernel sizes as the maps show them (a source compiles to the same bytes in every build: the kernels are
    built without LTO; the largest figure seen is kept, a build where nothing calls it shows 0), and least
    squares of the rest of the image over ``FLASH_COLUMNS``."""
    kernel_bytes: dict[str, int] = {}
    library_bytes: dict[str, int] = {}
    pulled_by: dict[str, set[str]] = {}
    for seen in observations:
        for source in seen.sources:
            kernel_bytes[source] = max(kernel_bytes.get(source, 0), seen.linked.bytes.get(source, 0))
        for member, size in seen.linked.library_bytes.items():
            library_bytes[member] = max(library_bytes.get(member, 0), size)
        for source, members in seen.linked.pulled_by.items():
            pulled_by.setdefault(source, set()).update(members)
    rows = np.array([(1, *o.counts) for o in observations], dtype=np.float64)
    rest = np.array([o.flash_minus_weights - sum(o.linked.bytes.values()) - sum(o.linked.library_bytes.values())
                     for o in observations], dtype=np.float64)
    coefficients, *_ = np.linalg.lstsq(rows, rest, rcond=None)
    other = max(o.other_sram - o.input_bytes for o in observations)
    return FlashModel(board, kernel_bytes, library_bytes, {k: tuple(sorted(v)) for k, v in pulled_by.items()},
                      tuple(float(c) for c in coefficients), other)


def build_schedule(graph: Graph, board: Board, kernels: str = "auto") -> Schedule:
    """The schedule `tinykit build` gives ``graph`` on ``board`` (no patch stage: `--max-recompute 0`)."""
    return choose_patches(graph, memory_aware_kernels(graph, board.features, kernels), 0.0)


def predict_resources(graph: Graph, board: Board, flash_model: FlashModel | None,
                      schedule: Schedule | None = None) -> Resources:
    """Flash and SRAM of ``graph`` built for ``board`` (None without the board's ``flash_model``; the arena
    and weights need none). ``schedule``: the kernels, when the caller already has
    them (``build_schedule``); the memory-aware kernel choice plans the graph once per candidate swap, by far
    the slowest step, so a search that scores a graph twice passes it."""
    if schedule is None:
        schedule = build_schedule(graph, board)
    plan = plan_graph(graph, schedule)
    emitted = emit_model(graph, schedule, plan)
    weights = emitted.weights_bytes
    if flash_model is None:
        return Resources(board.name, schedule, plan, plan.arena_bytes, graph.state_bytes, weights, None, None, ())
    kernels, uncalibrated = flash_model.kernels_bytes(schedule.sources())
    rest = float(np.dot(flash_model.coefficients, (1, *_counts(emitted))))
    flash = weights + kernels + int(round(rest))
    inputs = sum(t.nbytes for t in graph.inputs)
    sram = plan.arena_bytes + graph.state_bytes + (board.stack_reserve or 0) + flash_model.other_sram + inputs
    return Resources(board.name, schedule, plan, plan.arena_bytes, graph.state_bytes, weights, flash, sram, uncalibrated)


def find_flash(board: Board, path: Path | None = None) -> FlashModel | None:
    """``board``'s flash model (from the file `tinykit calibrate` wrote, or the one tinykit ships), or None."""
    from tinykit.latency.model import read_models

    found = read_models(board.name, path)
    return None if found is None or "flash" not in found[0] else FlashModel.from_json(board.name, found[0]["flash"])


def load_flash(board: Board, path: Path | None = None) -> FlashModel:
    """``board``'s flash model, or a TinykitError saying how to fit one."""
    model = find_flash(board, path)
    if model is None:
        raise TinykitError(
            f"{board.name} has no flash model yet: fit one from real builds (no board needed) with "
            f"`tinykit calibrate --board {board.name} --flash-only`."
        )
    return model
