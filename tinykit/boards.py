"""The board registry: one ``boards/<name>.toml`` per board, read into frozen
``Board`` values.

The toml files are the single source of truth for a board (core, FPU, clock,
memory map, BSP family, console, upload method, QEMU machine). Everything that
differs between boards of one family lives there, so adding a board of an
existing family is a new toml file and no Python change.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tinykit.errors import TinykitError
from tinykit.resources import boards_dir, firmware_dir

KINDS = ("real", "emulated", "host")
UPLOAD_METHODS = ("openocd", "qemu")
# ISA features a board's core may state in ``[cpu] features``; kernel variants
# (tinykit.schedule) require a subset of them. "dsp": the Armv7E-M / Armv8-M
# DSP extension (SMLAD, SXTB16, QADD...); "fpu": a floating-point unit;
# "mve": the M-profile vector extension (Helium).
ISA_FEATURES = ("dsp", "fpu", "mve")
# Folders under firmware/bsp/ that are not families: the public headers, code
# shared by several families (named in their family.toml), the bring-up app.
_SHARED_BSP_DIRS = ("include", "cortexm", "stm32", "hello")


def bsp_dir() -> Path:
    """``firmware/bsp``: the public BSP headers, shared code and one folder per family."""
    return firmware_dir() / "bsp"


@dataclass(frozen=True)
class MacLimit:
    """A core's ceiling on MACs per cycle, and the instruction that sets it."""

    macs_per_cycle: int
    instruction: str
    why: str


@dataclass(frozen=True)
class Board:
    """One board, as described by its toml file."""

    name: str
    aliases: tuple[str, ...]
    description: str
    kind: str                      # "real", "emulated" or "host"
    family: str                    # BSP folder under firmware/bsp/
    cpu: str                       # GCC -mcpu / QEMU -cpu name, or "host"
    fpu: str | None                # GCC -mfpu name, None without FPU
    float_abi: str | None          # "hard", "softfp", "soft"; None for host
    features: frozenset[str]       # ISA features of the core (ISA_FEATURES), read by kernel selection
    clock_hz: int | None           # clock the cycle figures refer to
    flash_origin: int | None
    flash_bytes: int | None
    sram_origin: int | None
    sram_bytes: int | None
    stack_reserve: int | None      # bytes at the top of SRAM kept for the stack
    console: str                   # human description of the console port
    baud: int | None
    upload: str | None             # "openocd", "qemu" or None
    openocd_configs: tuple[str, ...]
    qemu_machine: str | None
    platformio_board: str | None
    defines: tuple[str, ...]       # extra C preprocessor defines for the BSP
    source: Path                   # the toml file this came from

    @property
    def is_cortex_m(self) -> bool:
        return self.kind != "host"

    @property
    def mac_limit(self) -> MacLimit:
        """The most int8 multiply-accumulates one instruction of this core retires: what a layer's
        MACs per cycle are measured against (one instruction per cycle at best, on QEMU by definition)."""
        if "dsp" in self.features:
            return MacLimit(2, "SMLAD", "the DSP extension's SMLAD does two 16-bit multiply-accumulates per instruction")
        return MacLimit(1, "MLA", "without the DSP extension, MLA does one multiply-accumulate per instruction")

    def gcc_flags(self) -> list[str]:
        """Code generation flags for arm-none-eabi-gcc (empty for the host)."""
        if not self.is_cortex_m:
            return []
        flags = [f"-mcpu={self.cpu}", "-mthumb"]
        if self.fpu is not None:
            flags.append(f"-mfpu={self.fpu}")
        flags.append(f"-mfloat-abi={self.float_abi or 'soft'}")
        return flags

    def c_defines(self) -> list[str]:
        """``-D`` flags every BSP and application build of this board gets."""
        macro = "TK_BOARD_" + self.name.upper()
        return [f"-D{macro}=1", *(f"-D{d}" for d in self.defines)]


def _fail(path: Path, field: str, problem: str) -> TinykitError:
    return TinykitError(
        f"Board file {path}: field '{field}' {problem}. Fix that field "
        f"(see the other files in {path.parent} for examples)."
    )


class _Fields:
    """Typed access to a toml table, with errors naming the file and field."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    def get(self, dotted: str, kind: type | tuple[type, ...], required: bool) -> Any:
        node: Any = self.data
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                if required:
                    raise _fail(self.path, dotted, "is missing")
                return None
            node = node[part]
        # bool is an int in Python; a toml `true` is never a valid number here.
        if isinstance(node, bool) and kind is not bool or not isinstance(node, kind):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise _fail(self.path, dotted, f"must be a {names}, not {node!r}")
        return node

    def strings(self, dotted: str, required: bool = False) -> tuple[str, ...]:
        values = self.get(dotted, list, required=required) or []
        if not all(isinstance(v, str) for v in values):
            raise _fail(self.path, dotted, "must be a list of strings")
        return tuple(values)

    def positive(self, dotted: str, required: bool) -> int | None:
        value = self.get(dotted, int, required)
        if value is not None and value <= 0:
            raise _fail(self.path, dotted, f"must be positive, not {value}")
        return value


def load_board(path: Path) -> Board:
    """Read and validate one board file."""
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise TinykitError(f"Board file {path} is not valid TOML ({exc}). Fix its syntax.") from exc
    f = _Fields(path, data)
    name = f.get("name", str, required=True)
    if name != path.stem:
        raise _fail(path, "name", f"is {name!r} but the file is named {path.name}; they must match")
    kind = f.get("kind", str, required=True)
    if kind not in KINDS:
        raise _fail(path, "kind", f"is {kind!r}; it must be one of {', '.join(KINDS)}")
    family = f.get("family", str, required=True)
    families = sorted(p.name for p in bsp_dir().iterdir() if p.is_dir() and p.name not in _SHARED_BSP_DIRS)
    if family not in families:
        raise _fail(path, "family", f"is {family!r}, which has no BSP under {bsp_dir()} (known: {', '.join(families)})")
    mcu = kind != "host"
    upload = f.get("upload.method", str, required=mcu)
    if upload is not None and upload not in UPLOAD_METHODS:
        raise _fail(path, "upload.method", f"is {upload!r}; it must be one of {', '.join(UPLOAD_METHODS)}")
    qemu_machine = f.get("qemu.machine", str, required=kind == "emulated")
    if kind == "emulated" and upload != "qemu":
        raise _fail(path, "upload.method", "must be \"qemu\" for an emulated board")
    board = Board(
        name=name,
        aliases=f.strings("aliases"),
        description=f.get("description", str, required=True),
        kind=kind,
        family=family,
        cpu=f.get("cpu.core", str, required=True),
        fpu=f.get("cpu.fpu", str, required=False),
        float_abi=f.get("cpu.float_abi", str, required=mcu),
        features=frozenset(f.strings("cpu.features", required=mcu)),
        clock_hz=f.positive("cpu.clock_hz", required=mcu),
        flash_origin=f.get("memory.flash_origin", int, required=mcu),
        flash_bytes=f.positive("memory.flash_bytes", required=mcu),
        sram_origin=f.get("memory.sram_origin", int, required=mcu),
        sram_bytes=f.positive("memory.sram_bytes", required=mcu),
        stack_reserve=f.positive("memory.stack_reserve", required=mcu),
        console=f.get("console.uart", str, required=True),
        baud=f.positive("console.baud", required=mcu),
        upload=upload,
        openocd_configs=f.strings("upload.openocd_configs"),
        qemu_machine=qemu_machine,
        platformio_board=f.get("platformio.board", str, required=False),
        defines=f.strings("build.defines"),
        source=path,
    )
    unknown = sorted(board.features - set(ISA_FEATURES))
    if unknown:
        raise _fail(path, "cpu.features", f"names {', '.join(map(repr, unknown))}; known features: {', '.join(ISA_FEATURES)}")
    if ("fpu" in board.features) != (board.fpu is not None):
        raise _fail(path, "cpu.features", "must list \"fpu\" exactly when cpu.fpu names the FPU")
    if board.float_abi not in (None, "hard", "softfp", "soft"):
        raise _fail(path, "cpu.float_abi", f"is {board.float_abi!r}; use hard, softfp or soft")
    if upload == "openocd" and not board.openocd_configs:
        raise _fail(path, "upload.openocd_configs", "is missing; openocd needs its interface and target configs")
    if mcu and board.stack_reserve >= board.sram_bytes:  # type: ignore[operator]
        raise _fail(path, "memory.stack_reserve", "must be smaller than memory.sram_bytes")
    return board


@lru_cache(maxsize=1)
def _registry() -> tuple[Board, ...]:
    paths = sorted(boards_dir().glob("*.toml"))
    if not paths:
        raise TinykitError(f"No board files found in {boards_dir()}. Reinstall tinykit: its boards/ folder is missing.")
    boards = tuple(load_board(p) for p in paths)
    seen: dict[str, Path] = {}
    for board in boards:
        for key in (board.name, *board.aliases):
            if key in seen:
                raise _fail(board.source, "aliases", f"reuses the name {key!r}, already taken by {seen[key]}")
            seen[key] = board.source
    return boards


def all_boards() -> list[Board]:
    """Every board, real ones first, then emulated, then the host."""
    return sorted(_registry(), key=lambda b: (KINDS.index(b.kind), b.name))


def get_board(name: str) -> Board:
    """The board called ``name`` (or one of its aliases)."""
    key = name.strip().lower()
    for board in _registry():
        if key == board.name or key in board.aliases:
            return board
    names = [b.name for b in all_boards()]
    every = names + [a for b in _registry() for a in b.aliases]
    close = difflib.get_close_matches(key, every, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise TinykitError(
        f"Unknown board '{name}'.{hint} Known boards: {', '.join(names)}. "
        f"Pass one of those names, or add a board file to {boards_dir()}."
    )


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    return f"{n // 1024} KB" if n % 1024 == 0 else f"{n} B"


def render_table() -> str:
    """The board list that ``tinykit boards`` prints."""
    header = ("board", "core", "clock", "flash", "SRAM", "kind", "upload")
    rows = [header]
    for b in all_boards():
        clock = f"{b.clock_hz // 1_000_000} MHz" if b.clock_hz else "-"
        core = b.cpu + (" + FPU" if b.fpu else "")
        rows.append((b.name, core, clock, _size(b.flash_bytes), _size(b.sram_bytes), b.kind, b.upload or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def bsp_source_dirs(board: Board) -> list[Path]:
    """BSP folders a firmware build of ``board`` compiles (every ``.c`` in them)
    and puts on the include path, after ``firmware/bsp/include``."""
    return [bsp_dir() / name for name in (*_family_uses(board.family), board.family)]


def bsp_include_dir() -> Path:
    """The public BSP header folder (``tinykit/bsp.h``)."""
    return bsp_dir() / "include"


def linker_script(board: Board) -> str:
    """GNU ld script for ``board``: memory regions from its toml, the vector
    table at the flash origin, the stack reserve at the top of SRAM, no heap.

    Symbols for the startup code: ``_sidata`` (load address of .data in flash),
    ``_sdata``/``_edata``, ``_sbss``/``_ebss``, ``_stack_bottom``/``_stack_top``.
    """
    if not board.is_cortex_m:
        raise TinykitError(
            f"Board '{board.name}' is the build machine: it is linked by the host "
            "compiler and has no linker script. Pick a Cortex-M board."
        )
    return f"""\
/* Generated by tinykit from boards/{board.source.name}: do not edit, edit the toml. */
ENTRY(Reset_Handler)

MEMORY
{{
  FLASH (rx)  : ORIGIN = 0x{board.flash_origin:08X}, LENGTH = {board.flash_bytes}
  RAM   (rwx) : ORIGIN = 0x{board.sram_origin:08X}, LENGTH = {board.sram_bytes}
}}

/* The stack owns the top {board.stack_reserve} bytes of SRAM; the core loads SP from
   the first vector, which the startup code sets to _stack_top. */
_stack_top = ORIGIN(RAM) + LENGTH(RAM);
_stack_bottom = _stack_top - {board.stack_reserve};

SECTIONS
{{
  /* First in flash: the core reads the initial SP and the reset vector here. */
  .vectors :
  {{
    KEEP(*(.vectors))
  }} > FLASH

  /* The kernels (each source's code and constants) and the C library
     members: every input section starts on a word and the section ends on
     one, so it holds each one's size rounded up to a word, whichever kernels
     the model links and in whatever order (tinykit/latency/resources.py;
     a word is all a Cortex-M load needs). The runtime's model API is kept
     whole: the same bytes in every image. */
  .tk_kernels : SUBALIGN(4)
  {{
    KEEP(*tinykit_runtime/tk_model.o(.text .text.* .rodata .rodata.*))
    *tinykit_runtime/*(.text .text.* .rodata .rodata.*)
    *.a:*(.text .text.* .rodata .rodata.*)
    . = ALIGN(4);
  }} > FLASH

  .text :
  {{
    *(.text .text.*)
    *(.glue_7 .glue_7t .vfp11_veneer .v4_bx)
    KEEP(*(.init))
    KEEP(*(.fini))
  }} > FLASH

  /* Aligned outside the section (ALIGN on the section, not a fill inside it),
     so that its size never depends on where the sections before it end. */
  .rodata : ALIGN(16)
  {{
    *(.rodata .rodata.*)
    . = ALIGN(4);
  }} > FLASH

  /* The generated model's data: its constant arrays (16-byte blocks), then
     its tables and structs (whole words), end to end. */
  .tk_model : ALIGN(16)
  {{
    *(.tk_weights)
    *(.tk_model)
  }} > FLASH

  .ARM.extab : {{ *(.ARM.extab* .gnu.linkonce.armextab.*) }} > FLASH
  .ARM.exidx : {{ *(.ARM.exidx* .gnu.linkonce.armexidx.*) }} > FLASH

  /* Initialised data: stored in flash, copied to SRAM by Reset_Handler. */
  .data :
  {{
    . = ALIGN(16);
    _sdata = .;
    *(.data .data.*)
    . = ALIGN(4);
    _edata = .;
  }} > RAM AT> FLASH
  _sidata = LOADADDR(.data);

  /* Zeroed by Reset_Handler; the model arena lives here. */
  .bss (NOLOAD) :
  {{
    . = ALIGN(16);
    _sbss = .;
    *(.bss .bss.*)
    *(COMMON)
    . = ALIGN(4);
    _ebss = .;
  }} > RAM

  .stack _stack_bottom (NOLOAD) :
  {{
    . = . + {board.stack_reserve};
  }} > RAM

  ASSERT(_ebss <= _stack_bottom,
         "tinykit: .data + .bss overlap the stack reserve; shrink the model arena or memory.stack_reserve in the board file")
}}
"""


def _family_uses(family: str) -> list[str]:
    """Shared BSP folders a family builds with, from its ``family.toml``."""
    path = bsp_dir() / family / "family.toml"
    if not path.is_file():
        return []
    uses = _Fields(path, tomllib.loads(path.read_text())).strings("uses")
    return list(uses)
