"""TF Lite Micro for the emulated Cortex-M boards: a static library per core and kernel variant, and a benchmark firmware per model.

The library is compiled the way tflite-micro's makefile compiles its
``cortex_m_generic`` target with ``BUILD_TYPE=release`` (the facts are read
from tensorflow/lite/micro/tools/make/: Makefile, sources.inc,
targets/cortex_m_generic_makefile.inc, ext_libs/cmsis_nn.inc): its library
sources, the interpreter core at ``-Os`` and the kernels at ``-O2``,
``-DNDEBUG -DTF_LITE_STRIP_ERROR_STRINGS``, ``-DTF_LITE_STATIC_MEMORY``,
kernels optimised for speed; ``cmsis_nn`` swaps in tflite-micro's CMSIS-NN
kernel files and compiles CMSIS-NN's int8/int16 sources (no f16/f32) at
``-O2``, as ``OPTIMIZED_KERNEL_DIR=cmsis_nn`` does. Code generation flags are
the board's (the same ``-mcpu``/``-mfpu``/``-mfloat-abi`` tinykit's firmware
gets), with Debian's arm-none-eabi-gcc. The signal-processing kernels
(tflite-micro's ``signal/``, which need kissfft) are left out: no benchmarked
model uses them, and the linker drops unused kernels anyway.

Two flatbuffers edits tflite-micro's download script patches in are passed as
defines instead (``FLATBUFFERS_LOCALE_INDEPENDENT=0``,
``FLATBUFFERS_PREFER_PRINTF=1``), so the third-party trees stay untouched.

Libraries are cached under the build folder by a key of the source trees'
commits, the flags and the compiler version: a rerun compiles nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tinykit.boards import Board, bsp_include_dir, bsp_source_dirs, linker_script
from tinykit.deploy.toolchain import find_toolchain
from tinykit.errors import TinykitError

from benchmarks.tflm_sources import TflmSources, identities

VARIANTS = ("reference", "cmsis_nn")
FIRMWARE_MAIN = Path(__file__).resolve().parent / "tflm_firmware" / "main.cc"

# tflite-micro's makefile: CORE_OPTIMIZATION_LEVEL, KERNEL_OPTIMIZATION_LEVEL, THIRD_PARTY_KERNEL_OPTIMIZATION_LEVEL.
CORE_LEVEL = "-Os"
KERNEL_LEVEL = "-O2"
# The benchmark's own main.cc and the BSP: the level tinykit's firmware uses.
FIRMWARE_LEVEL = "-O2"

_COMMON_FLAGS = [
    # Makefile COMMON_FLAGS and the cortex_m_generic PLATFORM_FLAGS.
    "-fno-unwind-tables", "-fno-asynchronous-unwind-tables", "-ffunction-sections", "-fdata-sections",
    "-fmessage-length=0", "-fomit-frame-pointer", "-funsigned-char", "-mlittle-endian",
    "-DTF_LITE_STATIC_MEMORY", "-DTF_LITE_DISABLE_X86_NEON", "-DKERNELS_OPTIMIZED_FOR_SPEED",
    "-DTF_LITE_MCU_DEBUG_LOG",
    # BUILD_TYPE=release.
    "-DNDEBUG", "-DTF_LITE_STRIP_ERROR_STRINGS",
    # What tflite-micro's flatbuffers.patch sets in the headers.
    "-DFLATBUFFERS_LOCALE_INDEPENDENT=0", "-DFLATBUFFERS_PREFER_PRINTF=1",
]
_CXX_FLAGS = ["-std=c++17", "-fno-rtti", "-fno-exceptions", "-fno-threadsafe-statics"]
_C_FLAGS = ["-std=c17"]
_CMSIS_NN_FLAGS = ["-DCMSIS_NN", "-DARM_NN_ENABLE_F16=0", "-DARM_NN_ENABLE_F32=0"]

# GCC -mcpu to the CMSIS core name tflite-micro's cortex_m_generic target uses (CPU_<core>, ARMC<core>.h).
_CORES = {"cortex-m4": "M4", "cortex-m7": "M7", "cortex-m33": "M33"}

# MicroMutableOpResolver's registration method for each builtin operator code the benchmarked models use.
RESOLVER_METHODS = {
    0: "AddAdd", 1: "AddAveragePool2D", 2: "AddConcatenation", 3: "AddConv2D", 4: "AddDepthwiseConv2D",
    6: "AddDequantize", 9: "AddFullyConnected", 14: "AddLogistic", 17: "AddMaxPool2D", 22: "AddReshape",
    25: "AddSoftmax", 34: "AddPad", 40: "AddMean", 60: "AddPadV2", 114: "AddQuantize",
}


@dataclass(frozen=True)
class Library:
    """A built TF Lite Micro static library and the flags code linked against it is compiled with."""

    archive: Path
    variant: str
    board: str
    cxx_flags: list[str]  # code generation, defines and include folders, without the optimisation level
    key: str


def core_name(board: Board) -> str:
    if board.cpu not in _CORES:
        raise TinykitError(
            f"board {board.name} has core {board.cpu}, which the TF Lite Micro benchmark does not build for; "
            f"choose a board with one of {', '.join(_CORES)}."
        )
    return _CORES[board.cpu]


def _makefile_list(tflm: Path, variable: str) -> list[Path]:
    """The files a ``VARIABLE := \\`` list in tflite-micro's sources.inc names."""
    text = (tflm / "tensorflow/lite/micro/tools/make/sources.inc").read_text()
    match = re.search(rf"^{variable} := \\\n((?:.*\\\n)*.*\n)", text, re.MULTILINE)
    if match is None:
        raise TinykitError(
            f"{tflm}/tensorflow/lite/micro/tools/make/sources.inc has no `{variable} :=` list: this tflite-micro "
            "version lays out its makefile differently from the one the benchmark reads; use a recent checkout."
        )
    names = [line.rstrip("\\").strip() for line in match.group(1).splitlines()]
    return [tflm / name.replace("$(TENSORFLOW_ROOT)", "") for name in names if name]


def _specialize(files: Iterable[Path], folder: Path) -> list[Path]:
    """Each file replaced by the file of the same name in ``folder`` when there is one (the makefile's specialize_files.py)."""
    return [folder / f.name if (folder / f.name).is_file() else f for f in files]


def _core_sources(tflm: Path) -> list[Path]:
    micro = tflm / "tensorflow/lite/micro"
    files = [p for d in ("", "arena_allocator", "memory_planner", "tflite_bridge") for p in sorted((micro / d).glob("*.cc"))]
    # TFL_CC_SRCS: TF Lite's shared sources, everything under tensorflow/ but lite/micro and lite/experimental.
    pruned = (tflm / "tensorflow/lite/micro", tflm / "tensorflow/lite/experimental")
    files += sorted(
        p for p in (tflm / "tensorflow").rglob("*")
        if p.suffix in (".cc", ".c") and not any(p.is_relative_to(d) for d in pruned)
        and p != tflm / "tensorflow/lite/array.cc"  # excluded with TF_LITE_STATIC_MEMORY
    )
    files = [p for p in files if not p.name.endswith(("_test.cc", "benchmark.cc"))]
    return _specialize(files, micro / "cortex_m_generic")


def library_sources(sources: TflmSources, variant: str) -> list[tuple[Path, str]]:
    """(source file, optimisation level) of every file in the library of ``variant``."""
    kernels = _makefile_list(sources.tflm, "MICROLITE_CC_KERNEL_SRCS")
    third_party: list[Path] = []
    if variant == "cmsis_nn":
        kernels = _specialize(kernels, sources.tflm / "tensorflow/lite/micro/kernels/cmsis_nn")
        third_party = sorted(
            p for p in (sources.cmsis_nn / "Source").rglob("*.c")
            if not p.name.endswith(("_f16.c", "_f32.c")) and p.name != "arm_nntables_flt.c"
        )
    return [
        *((p, CORE_LEVEL) for p in _core_sources(sources.tflm)),
        *((p, KERNEL_LEVEL) for p in kernels),
        *((p, KERNEL_LEVEL) for p in third_party),
    ]


def compile_flags(sources: TflmSources, board: Board, variant: str) -> list[str]:
    """Code generation flags, defines and include folders of every library file (C and C++), without the level."""
    if variant not in VARIANTS:
        raise TinykitError(f"unknown TF Lite Micro kernel variant {variant!r}; choose from {', '.join(VARIANTS)}.")
    core = core_name(board)
    third = sources.third_party
    flags = [
        *board.gcc_flags(), *_COMMON_FLAGS,
        f"-DCPU_{core}=1", f"-DARMC{core}", f'-DCMSIS_DEVICE_ARM_CORTEX_M_XX_HEADER_FILE="ARMC{core}.h"',
        f"-I{sources.tflm}", f"-I{third['gemmlowp']}", f"-I{third['flatbuffers'] / 'include'}", f"-I{third['ruy']}",
        f"-I{third['Cortex_DFP'] / 'Device' / f'ARMC{core}' / 'Include'}", f"-I{third['CMSIS_6'] / 'CMSIS/Core/Include'}",
    ]
    if variant == "cmsis_nn":
        flags += [*_CMSIS_NN_FLAGS, f"-I{third['CMSIS_6']}", f"-I{sources.cmsis_nn}", f"-I{sources.cmsis_nn / 'Include'}"]
    return flags


def _compiler_version(tool: Path) -> str:
    return subprocess.run([str(tool), "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]


def _gxx(gcc: Path) -> Path:
    gxx = gcc.with_name(gcc.name.replace("gcc", "g++"))
    if not gxx.is_file():
        raise TinykitError(
            f"{gxx} is missing: TF Lite Micro is C++. Install it with `sudo apt-get install "
            "libstdc++-arm-none-eabi-newlib` (Debian/Ubuntu) and run the benchmark again."
        )
    return gxx


def _run(command: list[str], what: str) -> None:
    # nice: the benchmark shares the machine with other work; a build must not starve it.
    completed = subprocess.run(["nice", "-n", "10", *command], capture_output=True, text=True)
    if completed.returncode != 0:
        raise TinykitError(f"{what} failed ({completed.returncode}):\n{completed.stderr.strip()[-3000:]}\nCommand: {' '.join(command)}")


def object_key(compiler: Path, version: str, flags: list[str], source: Path) -> str:
    """What decides an object file: the preprocessed source, the compiler and the flags other than ``-D``/``-I``
    (those act through the preprocessed text). Files a kernel variant's defines do not reach get the same key in
    both variants, so they are compiled once."""
    preprocessed = subprocess.run(["nice", "-n", "10", str(compiler), *flags, "-E", str(source)], capture_output=True)
    if preprocessed.returncode != 0:
        raise TinykitError(f"preprocessing {source} failed:\n{preprocessed.stderr.decode(errors='replace')[-3000:]}")
    digest = hashlib.sha256(version.encode())
    digest.update(json.dumps([f for f in flags if not f.startswith(("-D", "-I"))]).encode())
    digest.update(preprocessed.stdout)
    return digest.hexdigest()[:24]


def _compile(compiler: Path, flags: list[str], source: Path, output: Path) -> None:
    """Compile one file unless its object is cached; the object appears only when complete, so an interrupted build resumes."""
    if output.exists():
        return
    partial = output.with_suffix(".o.partial")
    _run([str(compiler), *flags, "-c", str(source), "-o", str(partial)], f"compiling {source}")
    partial.replace(output)


def build_library(
    sources: TflmSources, board: Board, variant: str, cache: Path, jobs: int, progress: Callable[[str], None],
) -> Library:
    """The TF Lite Micro library of ``variant`` for ``board``'s core, from the cache or compiled now."""
    toolchain = find_toolchain()
    gcc, gxx = toolchain.gcc, _gxx(toolchain.gcc)
    flags = compile_flags(sources, board, variant)
    files = library_sources(sources, variant)
    key_source = {
        "trees": identities(sources), "flags": flags, "c": _C_FLAGS, "cxx": _CXX_FLAGS,
        "files": [(str(f), level) for f, level in files], "compiler": _compiler_version(gxx),
    }
    key = hashlib.sha256(json.dumps(key_source, sort_keys=True).encode()).hexdigest()[:16]
    folder = cache / f"{board.cpu}-{variant}-{key}"
    archive = folder / "libtflm.a"
    library = Library(archive, variant, board.name, [*flags, *_CXX_FLAGS], key)
    if archive.is_file():
        progress(f"TF Lite Micro {variant} for {board.cpu}: cached ({folder})")
        return library
    # Objects are shared by every library in the cache, named by what decides them (object_key).
    objects = cache / "objects"
    objects.mkdir(parents=True, exist_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "key.json").write_text(json.dumps(key_source, indent=2) + "\n")
    versions = {tool: _compiler_version(tool) for tool in (gcc, gxx)}
    progress(f"TF Lite Micro {variant} for {board.cpu}: compiling {len(files)} files with {jobs} jobs (once; cached in {folder})")

    def one(item: tuple[Path, str]) -> Path:
        source, level = item
        compiler, language = (gcc, _C_FLAGS) if source.suffix == ".c" else (gxx, _CXX_FLAGS)
        file_flags = [*flags, *language, level]
        output = objects / f"{source.stem}-{object_key(compiler, versions[compiler], file_flags, source)}.o"
        _compile(compiler, file_flags, source, output)
        return output

    done = 0
    outputs = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for output in pool.map(one, files):
            outputs.append(output)
            done += 1
            if done % 20 == 0 or done == len(files):
                progress(f"TF Lite Micro {variant} for {board.cpu}: {done}/{len(files)} files")
    partial = archive.with_suffix(".a.partial")
    partial.unlink(missing_ok=True)
    _run([str(toolchain.gcc.with_name(toolchain.gcc.name.replace("gcc", "ar"))), "rcs", str(partial), *map(str, outputs)],
         "archiving the TF Lite Micro library")
    partial.replace(archive)
    return library


def builtin_codes(tflite: bytes) -> list[int]:
    """The builtin operator codes a .tflite's operator table lists (in the schema, the larger of the
    deprecated 8-bit field and the 32-bit one), for the op resolver."""
    from tinykit.frontend.flatbuffer import Buffer

    model = Buffer(tflite).root()
    return [max(code.scalar(0, "b"), code.scalar(3, "i")) for code in model.tables(1)]


def ops_header(codes: list[int], name: str) -> str:
    unknown = sorted(set(codes) - set(RESOLVER_METHODS))
    if unknown:
        raise TinykitError(
            f"{name} uses builtin operator codes {unknown}, which the TF Lite Micro benchmark firmware does not register; "
            "add their MicroMutableOpResolver methods to RESOLVER_METHODS in benchmarks/tflm_build.py."
        )
    methods = sorted({RESOLVER_METHODS[code] for code in codes})
    calls = " ".join(f"(resolver).{method}();" for method in methods)
    return (
        f"/* Generated by benchmarks/tflm_build.py for {name}: the ops its operator table lists. */\n"
        f"#define BENCH_OP_COUNT {len(methods)}\n"
        f"#define BENCH_REGISTER_OPS(resolver) do {{ {calls} }} while (0)\n"
    )


def _data_assembly(model: Path, sample: Path) -> str:
    """The model and the input as read-only arrays (``.incbin``: no C array of a megabyte to compile)."""
    return f"""/* Generated by benchmarks/tflm_build.py: the model and the input the firmware runs. */
    .section .rodata.g_bench_model, "a"
    .balign 16
    .global g_bench_model
g_bench_model:
    .incbin "{model}"
    .size g_bench_model, . - g_bench_model
    .section .rodata.g_bench_input, "a"
    .balign 16
    .global g_bench_input
g_bench_input:
    .incbin "{sample}"
    .size g_bench_input, . - g_bench_input
    .balign 4
    .global g_bench_input_size
g_bench_input_size:
    .word {sample.stat().st_size}
    .size g_bench_input_size, 4
"""


def build_firmware(library: Library, board: Board, tflite: Path, sample: bytes, folder: Path) -> Path:
    """Link the benchmark firmware for ``board`` running ``tflite`` on ``sample`` against ``library``; return the ELF."""
    toolchain = find_toolchain()
    gcc, gxx = toolchain.gcc, _gxx(toolchain.gcc)
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / "model.tflite"
    model.write_bytes(tflite.read_bytes())
    input_file = folder / "input.bin"
    input_file.write_bytes(sample)
    (folder / "bench_ops.h").write_text(ops_header(builtin_codes(model.read_bytes()), tflite.name))
    (folder / "bench_model.S").write_text(_data_assembly(model, input_file))
    script = folder / f"{board.name}.ld"
    script.write_text(linker_script(board))
    bsp_dirs = bsp_source_dirs(board)
    bsp_flags = [*board.gcc_flags(), *board.c_defines(), f"-I{bsp_include_dir()}", *(f"-I{d}" for d in bsp_dirs)]
    objects = []
    for source in (s for d in bsp_dirs for s in sorted(d.glob("*.c"))):
        output = folder / f"bsp_{source.parent.name}_{source.stem}.o"
        _run([str(gcc), *bsp_flags, "-std=c99", FIRMWARE_LEVEL, "-ffunction-sections", "-fdata-sections",
              "-c", str(source), "-o", str(output)], f"compiling {source}")
        objects.append(output)
    main = folder / "main.o"
    _run([str(gxx), *library.cxx_flags, *board.c_defines(), f"-I{folder}", f"-I{bsp_include_dir()}", FIRMWARE_LEVEL,
          "-c", str(FIRMWARE_MAIN), "-o", str(main)], "compiling the benchmark firmware")
    data = folder / "bench_model.o"
    _run([str(gcc), *board.gcc_flags(), "-c", str(folder / "bench_model.S"), "-o", str(data)], "assembling the model data")
    elf = folder / "firmware.elf"
    _run([str(gxx), *board.gcc_flags(), "-T", str(script), "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs",
          "-Wl,--gc-sections", *map(str, objects), str(main), str(data), str(library.archive), "-lm",
          "-o", str(elf)], "linking the benchmark firmware")
    return elf


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)))
