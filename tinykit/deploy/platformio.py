"""Offline PlatformIO: a tinykit-owned core folder, and `pio run` on a project.

PlatformIO's core runs every build through its `tool-scons` package, which it
would normally fetch from its registry. tinykit provisions that package from
the `scons` distribution installed next to tinykit (PyPI), so builds work with
no network and never touch the user's own ~/.platformio. The core folder's
settings turn off telemetry and upgrade checks, so `pio run` contacts nobody.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import SCons
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from platformio import __version__ as PLATFORMIO_VERSION
from platformio.app import State
from platformio.project.config import ProjectConfig

from tinykit.errors import TinykitError
from tinykit.deploy.toolchain import find_toolchain
from tinykit.resources import firmware_dir

# The tool-scons version PlatformIO 6.2's core asks for (`~4.41101.0`); it
# encodes SCons 4.11.1, the version tinykit's environment installs.
TOOL_SCONS_VERSION = "4.41101.0"

# Settings of the tinykit-owned core: nothing is sent and nothing is checked
# online. (An interval of a century is how PlatformIO spells "never".)
OFFLINE_SETTINGS = {
    "enable_telemetry": False,
    "check_platformio_interval": 36500,
}


SCONS_LAUNCHER = '''\
"""Entry point PlatformIO runs for builds; written by tinykit from PyPI's scons."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from SCons.Script import main  # noqa: E402

main()
'''


def dev_platform_dir() -> Path:
    """tinykit's PlatformIO dev-platform (platform.json, builder/)."""
    return firmware_dir() / "platformio"


def default_core_dir() -> Path:
    """Where tinykit keeps its PlatformIO core: away from ~/.platformio, one
    folder per tinykit installation. PlatformIO records the dev-platform it
    links to by path, so two installations (two checkouts, or a checkout and a
    wheel) sharing one core would re-point each other's platform mid-build."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    installation = hashlib.sha256(str(dev_platform_dir().resolve()).encode()).hexdigest()[:12]
    return Path(cache_home) / "tinykit" / "platformio" / installation


def _tool_scons_manifest() -> dict:
    return {
        "type": "tool",
        "name": "tool-scons",
        "version": TOOL_SCONS_VERSION,
        "spec": {
            "owner": "platformio",
            "id": None,
            "name": "tool-scons",
            "requirements": None,
            "uri": None,
        },
    }


def _scons_source() -> Path:
    return Path(SCons.__file__).resolve().parent


def _tool_scons_is_current(package_dir: Path) -> bool:
    """True when the package was provisioned from this very SCons."""
    try:
        manifest = json.loads((package_dir / ".piopm").read_text())
        copied_init = (package_dir / "SCons" / "__init__.py").read_bytes()
        launcher = (package_dir / "scons.py").read_text()
    except (OSError, ValueError):
        return False
    return (
        manifest == _tool_scons_manifest()
        and launcher == SCONS_LAUNCHER
        and copied_init == (_scons_source() / "__init__.py").read_bytes()
    )


def _install_tool_scons(package_dir: Path) -> None:
    """Build the package beside its final place, then move it in one rename,
    so a concurrent build never sees half a package."""
    staging = package_dir.with_name(f".{package_dir.name}-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(
        _scons_source(), staging / "SCons", ignore=shutil.ignore_patterns("__pycache__")
    )
    (staging / "scons.py").write_text(SCONS_LAUNCHER)
    (staging / ".piopm").write_text(json.dumps(_tool_scons_manifest()))
    if _tool_scons_is_current(package_dir):
        # Another process finished the same package meanwhile; keep theirs,
        # it may already be running a build.
        shutil.rmtree(staging, ignore_errors=True)
        return
    if package_dir.exists():
        shutil.rmtree(package_dir)
    try:
        staging.rename(package_dir)
    except OSError:
        # Another process provisioned the same package first; keep theirs.
        shutil.rmtree(staging, ignore_errors=True)
        if not _tool_scons_is_current(package_dir):
            raise


def _apply_offline_settings(core_dir: Path) -> None:
    with State(str(core_dir / "appstate.json"), lock=True) as state:
        settings = dict(state.get("settings", {}))
        wanted = {**settings, **OFFLINE_SETTINGS}
        if settings != wanted:
            state["settings"] = wanted
        # A known last version keeps PlatformIO from printing its welcome banner.
        if state.get("last_version", None) != PLATFORMIO_VERSION:
            state["last_version"] = PLATFORMIO_VERSION


def provision_core(core_dir: Path | None = None) -> Path:
    """Make ``core_dir`` (default: :func:`default_core_dir`) a PlatformIO core
    folder that builds offline: tool-scons from the installed SCons, telemetry
    and upgrade checks off. Idempotent; a second call only reads files."""
    core_dir = Path(core_dir) if core_dir is not None else default_core_dir()
    core_dir = core_dir.expanduser().resolve()
    package_dir = core_dir / "packages" / "tool-scons"
    try:
        core_dir.mkdir(parents=True, exist_ok=True)
        package_dir.parent.mkdir(exist_ok=True)
        if not _tool_scons_is_current(package_dir):
            _install_tool_scons(package_dir)
        _apply_offline_settings(core_dir)
    except OSError as error:
        raise TinykitError(
            f"Cannot prepare the PlatformIO core folder {core_dir}: {error}. "
            "tinykit keeps its own PlatformIO core there; make the folder "
            "writable, or set XDG_CACHE_HOME to a writable folder (the core then "
            "goes to $XDG_CACHE_HOME/tinykit/platformio)."
        ) from error
    return core_dir


@dataclass(frozen=True)
class SizeBreakdown:
    """Where the firmware's bytes go, from the ELF. ``flash`` counts the load
    image (code, constants, initial .data), ``sram`` counts .data + .bss and
    the stack section; the other fields split them up."""

    flash: int
    sram: int
    code: int  # machine code: sizes of all function symbols
    weights: int  # constants of the generated model_weights.c
    other_flash: int  # vector table, other constants, .data initial values
    arena: int  # the planned tensor arena (TK_MODEL_ARENA_BYTES)
    state: int  # the model's state beside the arena, an LSTM's (TK_MODEL_STATE_BYTES)
    stack_reserve: int  # bytes the linker script reserves for the stack
    other_sram: int  # every other static variable

    @property
    def flash_minus_weights(self) -> int:
        """Everything in flash but the model's weights: kernels, runtime, app
        (protocol, profiler), board support and their constants. The one
        definition of the firmware's code size: the build report, the size
        check test and the Cortex-M benchmark all read it here."""
        return self.flash - self.weights


@dataclass(frozen=True)
class BuildResult:
    elf: Path
    bin: Path
    sizes: SizeBreakdown


def _read_only_bytes(path: Path) -> int:
    """Bytes of allocated, read-only sections (code and constants) in an object."""
    total = 0
    with path.open("rb") as stream:
        for section in ELFFile(stream).iter_sections():
            flags = section["sh_flags"]
            if flags & SH_FLAGS.SHF_ALLOC and not flags & SH_FLAGS.SHF_WRITE:
                total += section["sh_size"]
    return total


def _elf_sizes(elf: Path) -> tuple[int, int, int, int]:
    """(flash, sram, code, stack section) of a linked ELF."""
    flash = sram = code = stack = 0
    with elf.open("rb") as stream:
        elf_file = ELFFile(stream)
        for section in elf_file.iter_sections():
            flags = section["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC:
                continue
            size = section["sh_size"]
            if section["sh_type"] != "SHT_NOBITS":
                flash += size
            if flags & SH_FLAGS.SHF_WRITE:
                sram += size
            if section.name.startswith((".stack", "._stack")):
                stack += size
        symbols = elf_file.get_section_by_name(".symtab")
        if symbols is not None:
            code = sum(
                symbol["st_size"]
                for symbol in symbols.iter_symbols()
                if symbol["st_info"]["type"] == "STT_FUNC"
            )
    return flash, sram, code, stack


def _model_define(project: Path, name: str) -> int:
    """A byte count the generated model.h defines (0 without one: a hand-written stand-in model)."""
    header = project / "src" / "model.h"
    if not header.is_file():
        return 0
    match = re.search(rf"#define\s+{name}\s+(\d+)", header.read_text())
    return int(match.group(1)) if match else 0


def size_breakdown(elf: Path, project: Path) -> SizeBreakdown:
    """Split a built ELF's flash and SRAM into code, weights, arena, stack and
    the rest. Weights are read from the compiled model_weights.c object, so
    any naming of the weight arrays is counted."""
    build_dir = elf.parent
    flash, sram, code, stack = _elf_sizes(elf)
    weights_object = build_dir / "src" / "model_weights.o"
    weights = (
        _read_only_bytes(weights_object) if weights_object.is_file() else 0
    )
    arena = _model_define(project, "TK_MODEL_ARENA_BYTES")
    state = _model_define(project, "TK_MODEL_STATE_BYTES")
    return SizeBreakdown(
        flash=flash,
        sram=sram,
        code=code,
        weights=weights,
        other_flash=flash - code - weights,
        arena=arena,
        state=state,
        stack_reserve=stack,
        other_sram=sram - arena - state - stack,
    )


def _pio_command(*args: str) -> list[str]:
    """PlatformIO of the environment tinykit runs in, whatever PATH says."""
    return [sys.executable, "-m", "platformio", *args]


def _pio_environment() -> dict[str, str]:
    # The project's platformio.ini names its core folder; a PLATFORMIO_*
    # variable left in the user's shell would silently override it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLATFORMIO_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


# PlatformIO's one-line-per-step output: "Compiling .pio/build/env/src/model.o".
_BUILD_STEP = re.compile(r"(Compiling|Archiving|Linking|Building)\s+\S*?([^/\s]+)$")


class _BuildProgress:
    """Condenses `pio run` output into a few progress messages.

    PlatformIO prints one "Compiling" line per source file: dozens for a model
    with the runtime and the board support, too many to be worth reading. The
    compile phase becomes one message when it starts and one counting the
    files when it ends; linking, the image and the dev-platform's own
    "tinykit: " lines (budgets, upload) each stay one message.
    """

    def __init__(self, progress: Callable[[str], None]) -> None:
        self._progress = progress
        self._compiling = False
        self._compiled = 0

    def line(self, line: str) -> None:
        """Take one line of PlatformIO's output."""
        step = _BUILD_STEP.match(line)
        if step and step.group(1) in ("Compiling", "Archiving"):
            if not self._compiling:
                self._compiling = True
                self._progress("compiling the sources")
            self._compiled += step.group(1) == "Compiling"
            return
        if step:
            message = f"{step.group(1).lower()} {step.group(2)}"
        elif line.startswith("tinykit: "):
            message = line[len("tinykit: "):]
        else:
            return
        self.end_compiling()
        self._progress(message)

    def end_compiling(self) -> None:
        """Report how many files the compile phase compiled, once it is over."""
        if self._compiling:
            self._compiling = False
            self._progress(f"compiled {self._compiled} file{'' if self._compiled == 1 else 's'}")


def _error_lines(output: str) -> str:
    """The compiler's and the builder's own error lines, or the tail."""
    lines = output.splitlines()
    errors = [
        line
        for line in lines
        if re.search(r"(error|Error|undefined reference|overflowed|multiple definition)", line)
        and not line.startswith("*** [")
    ]
    picked = errors or lines[-20:]
    return "\n".join(picked[:40])


def run_pio(
    project: Path,
    targets: list[str],
    progress: Callable[[str], None] | None = None,
) -> str:
    """Run `pio run` with the given targets in ``project``; return its output,
    or raise TinykitError carrying the error lines."""
    command = _pio_command("run", "--project-dir", str(project))
    for target in targets:
        command += ["--target", target]
    process = subprocess.Popen(
        command,
        cwd=project,
        env=_pio_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    assert process.stdout is not None
    output = []
    steps = _BuildProgress(progress or (lambda _: None))
    for line in process.stdout:
        output.append(line)
        steps.line(line.rstrip())
    returncode = process.wait()
    text = "".join(output)
    if returncode != 0:
        raise TinykitError(
            f"PlatformIO failed in {project} (`pio run"
            + "".join(f" -t {t}" for t in targets)
            + f"` exited with {returncode}):\n{_error_lines(text)}\n"
            f"Fix the cause above and {'upload' if 'upload' in targets else 'build'} again; the full log is "
            f"printed by running `pio run{' -t upload' if 'upload' in targets else ''}` in {project}."
        )
    steps.end_compiling()
    return text


def _env_name(project: Path) -> str:
    envs = ProjectConfig(str(project / "platformio.ini"), parse_extra=False).envs()
    if len(envs) != 1:
        raise TinykitError(
            f"{project / 'platformio.ini'} should define exactly one [env:...] "
            f"section but defines {len(envs)}; rewrite it with `tinykit build`."
        )
    return envs[0]


def run_build(
    project: Path, progress: Callable[[str], None] | None = None
) -> BuildResult:
    """Build a project written by :func:`tinykit.deploy.project.write_project`
    with `pio run`, offline, and measure the result."""
    project = Path(project).resolve()
    if not (project / "platformio.ini").is_file():
        raise TinykitError(
            f"{project} holds no platformio.ini, so it is not a firmware project; "
            "write one with `tinykit build --board BOARD -o DIR`."
        )
    find_toolchain()  # a missing compiler is reported plainly, before PlatformIO starts
    run_pio(project, [], progress)
    build_dir = project / ".pio" / "build" / _env_name(project)
    elf = build_dir / "firmware.elf"
    binary = build_dir / "firmware.bin"
    return BuildResult(elf=elf, bin=binary, sizes=size_breakdown(elf, project))
