"""Flash and SRAM of a graph's firmware on a board, predicted without building it.

The model's own parts come from the build's own functions, so they are
exact: the kernels from ``memory_aware_kernels`` (what `tinykit build` runs),
the arena from ``plan_graph``, the weights (in each kernel's layout, with the
requantization constants) and the rest of the generated model's data (op and
argument tables, parameter structs, strings) from the code generator's
emitters.

Flash is exact too, because the image is laid out so that only data and
whole kernel sources depend on the model (tinykit/codegen/templates/model.c.j2,
tinykit/boards.py's linker script):

- the generated model.c holds no code, only data: its section is the sum of
  its objects (``EmittedModel.data_bytes``), the weights' section the sum of
  their 16-byte blocks (``EmittedModel.weights_bytes``);
- each kernel is called through an adapter compiled with it (without LTO),
  and every kernel and C library input section starts on a word in its own
  output section: each source costs the sum of its sections rounded up to
  a word, whichever others the model links;
- the app, the board support and the runtime's model API read the model's
  figures at run time, so their code is the same for every model: one
  constant per board.

``tinykit calibrate --flash-only`` measures, per board, each kernel source's
and C library member's bytes from the linker maps of real builds, and the
constant; it refuses builds whose constants differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


from tinykit.boards import Board
from tinykit.codegen.generator import NOP_INVOKE, EmittedModel, emit_model, round_up
from tinykit.errors import TinykitError
from tinykit.ir import Graph
from tinykit.mlperf import resolve
from tinykit.planner import MemoryPlan, plan_graph
from tinykit.planner.kernel_choice import memory_aware_kernels
from tinykit.planner.patch_choice import choose_patches
from tinykit.schedule import Schedule

# Every input section of the kernels' output section starts on this many bytes (the linker script's SUBALIGN).
KERNEL_SECTION_ALIGNMENT = 4
# Which layout of the image a flash model describes: a file of another layout is refused, asking for a refit.
FLASH_LAYOUT = "exact-5"
# An input section line of a GNU ld map: "<address> <size> <object>" (the section name on the line before).
_MAP_NAMED = re.compile(r"^ (\.\S+)")
_MAP_SECTION = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+\.o\)?)$")
_MAP_MEMBER = re.compile(r"\.a\((\S+\.o)\)")


@dataclass(frozen=True)
class FlashObservation:
    """One real build's figures, for fitting the flash model."""

    name: str
    flash_minus_weights: int
    linked: LinkedKernels
    sources: tuple[str, ...]  # the runtime sources the build's ops call
    data_bytes: int  # the generated model.c's data (EmittedModel.data_bytes)
    other_sram: int  # static RAM besides the arena, the model's state and the stack reserve
    input_bytes: int


@dataclass(frozen=True)
class FlashModel:
    """A board's flash beyond the model's data: each kernel source's bytes, the C library members they bring
    in, and the constant rest (app, board support, the runtime's model API)."""

    board: str
    kernel_bytes: dict[str, int]
    library_bytes: dict[str, int]  # C library members by name
    pulled_by: dict[str, tuple[str, ...]]  # the members each kernel source brings in
    constant: int  # the image's bytes that are the same for every model
    other_sram: int  # static RAM of the app and board support, besides the copy of the input

    def to_json(self) -> dict:
        return {"layout": FLASH_LAYOUT, "kernel_bytes": dict(sorted(self.kernel_bytes.items())),
                "library_bytes": dict(sorted(self.library_bytes.items())),
                "pulled_by": {k: list(v) for k, v in sorted(self.pulled_by.items())}, "constant": self.constant,
                "other_sram": self.other_sram}

    @classmethod
    def from_json(cls, board: str, document: dict) -> FlashModel:
        if document.get("layout") != FLASH_LAYOUT:
            raise TinykitError(f"the flash model of {board} describes another firmware layout "
                               f"({document.get('layout', 'a fitted one')}, not {FLASH_LAYOUT}); "
                               f"measure it again with `tinykit calibrate --board {board} --flash-only`.")
        return cls(board, dict(document["kernel_bytes"]), dict(document["library_bytes"]),
                   {k: tuple(v) for k, v in document["pulled_by"].items()}, int(document["constant"]),
                   int(document["other_sram"]))

    def kernels_bytes(self, sources: tuple[str, ...]) -> tuple[int, tuple[str, ...]]:
        """Flash of the kernel sources an image links, with the C library members they bring in (each once),
        and what was never measured: sources (counted as the largest measured one: an over-estimate) and C
        library members no calibration build linked (counted as 0), flagged."""
        members = sorted({m for s in sources for m in self.pulled_by.get(s, ())})
        unknown = (*(s for s in sources if s not in self.kernel_bytes), *(m for m in members if m not in self.library_bytes))
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
    flash: int | None  # whole image: weights + the model's data + kernels + the constant rest (None: no flash model)
    sram: int | None  # arena + state + stack reserve + the app's statics, the profiler's input copy among them
    uncalibrated_kernels: tuple[str, ...]  # runtime sources and C library members the flash model never saw

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


def linked_sources(schedule: Schedule, emitted: EmittedModel) -> tuple[str, ...]:
    """The runtime sources whose code the image holds: those of the ops that call a kernel (a RESHAPE planned
    in place calls none, and the linker drops its unreferenced source), and the one computing the MLPerf
    results' values if the model's benchmark prints them."""
    kernels = {path for entry, op in zip(schedule.ops, emitted.op_entries, strict=True)
               if op["invoke"] != NOP_INVOKE for path in entry.sources}
    return tuple(sorted(kernels | ({emitted.results_source} if emitted.results_source else set())))


@dataclass(frozen=True)
class LinkedKernels:
    """What the linker map says the runtime put in flash."""

    bytes: dict[str, int]  # code and constants of each runtime source (``cortexm/tk_conv_s8.c``...), each section
    # rounded up to KERNEL_SECTION_ALIGNMENT as the linker places it
    library_bytes: dict[str, int]  # each C library member linked (``lib_a-memset.o``), by member, likewise
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
        size, owner = round_up(int(match.group(2), 16), KERNEL_SECTION_ALIGNMENT), match.group(3)
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
    emitted = emit_model(compiled.graph, compiled.schedule, compiled.plan, compiled.mlperf)
    return FlashObservation(
        name=compiled.graph.name,
        flash_minus_weights=firmware.sizes.flash_minus_weights,
        linked=linked_kernels(firmware.elf.parent / "firmware.map"),
        sources=linked_sources(compiled.schedule, emitted),
        data_bytes=emitted.data_bytes,
        other_sram=firmware.sizes.other_sram,
        input_bytes=sum(t.nbytes for t in compiled.graph.inputs),
    )


def _constant(seen: FlashObservation, kernel_bytes: dict[str, int], library_bytes: dict[str, int],
              pulled_by: dict[str, tuple[str, ...]]) -> int:
    """What one build's image holds besides the model's data and its kernels: the same in every build."""
    members = {m for s in seen.sources for m in pulled_by.get(s, ())}
    return (seen.flash_minus_weights - seen.data_bytes - sum(kernel_bytes[s] for s in seen.sources)
            - sum(library_bytes[m] for m in members))


def fit_flash(board: str, observations: list[FlashObservation]) -> FlashModel:
    """Kernel and C library sizes as the maps show them (a source compiles to the same bytes in every build:
    the kernels are built without LTO), and the constant rest, which every build must agree on: a build that
    does not means some model-dependent code escaped the layout, and the model would not be exact."""
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
    pulled = {k: tuple(sorted(v)) for k, v in pulled_by.items()}
    constants = {seen.name: _constant(seen, kernel_bytes, library_bytes, pulled) for seen in observations}
    if len(set(constants.values())) != 1:
        raise TinykitError(f"the builds for {board} disagree on the flash every model shares ({constants}): some code "
                           "depends on the model, so flash cannot be predicted exactly. This is a tinykit bug; please "
                           "report it with the builds' firmware.map files.")
    other = max(o.other_sram - o.input_bytes for o in observations)
    return FlashModel(board, kernel_bytes, library_bytes, pulled, next(iter(constants.values())), other)


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
    emitted = emit_model(graph, schedule, plan, resolve(graph, None))
    weights = emitted.weights_bytes
    if flash_model is None:
        return Resources(board.name, schedule, plan, plan.arena_bytes, graph.state_bytes, weights, None, None, ())
    kernels, uncalibrated = flash_model.kernels_bytes(linked_sources(schedule, emitted))
    flash = weights + emitted.data_bytes + kernels + flash_model.constant
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
