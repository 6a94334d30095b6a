"""Compile a generated model for the build machine and run it.

`tinykit build --board host` produces a command-line runner and a shared
library; `tinykit verify` and the tests feed the runner random inputs and
compare its outputs with TF Lite Micro's.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinykit.errors import TinykitError
from tinykit.ir import Graph
from tinykit.resources import firmware_dir
from tinykit.verify.child import run_bounded

# The generated code and the runtime must build warning-free with these.
STRICT_FLAGS = ("-std=c99", "-Wall", "-Wextra", "-Werror")
RELEASE_FLAGS = ("-O2",)
SANITIZER_FLAGS = ("-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer")


@dataclass(frozen=True)
class HostBuild:
    runner: Path
    library: Path | None


def _compiler() -> str:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        raise TinykitError("no C compiler found for the host build: install gcc (Debian/Ubuntu: `sudo apt-get install gcc`).")
    return compiler


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise TinykitError(
            f"compiling {what} for the host failed; this is a tinykit bug, please report it with the model.\n"
            f"{' '.join(command)}\n{result.stderr.strip()}"
        )


def _digest(flags: tuple[str, ...], paths: list[Path]) -> str:
    """20 hex characters naming a compilation: the flags and each file's folder/name and bytes
    (the folder keeps reference/tk_conv_s8.c and cortexm/tk_conv_s8.c apart)."""
    digest = hashlib.sha256(" ".join(flags).encode())
    for path in paths:
        digest.update(str(path.relative_to(path.parent.parent)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _runtime_archive(project: Path, flags: tuple[str, ...], cache_dir: Path) -> Path:
    """The runtime compiled once per (sources, flags) and reused across builds."""
    include = project / "lib" / "tinykit_runtime" / "include"
    root = project / "lib" / "tinykit_runtime" / "src"
    sources = sorted(root.rglob("*.c"))  # reference/ and cortexm/ kernels, as the schedule chose
    archive = cache_dir / f"libtinykit_runtime-{_digest(flags, [*sorted(include.rglob('*.h')), *sources])}.a"
    if archive.exists():
        return archive
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        objects = []
        for source in sources:
            obj = Path(tmp) / ("_".join(source.relative_to(root).with_suffix(".o").parts))
            _run([_compiler(), *flags, "-fPIC", "-I", str(include), "-c", str(source), "-o", str(obj)], f"the runtime ({source.name})")
            objects.append(str(obj))
        staged = Path(tmp) / archive.name
        _run(["ar", "rcs", str(staged), *objects], "the runtime archive")
        staged.replace(archive)  # atomic: parallel test workers may race here
    return archive


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "tinykit" / "host-runtime"


def cached_shared_library(
    name: str, sources: list[Path], include_dirs: list[Path], flags: tuple[str, ...], cache_dir: Path | None = None
) -> Path:
    """``sources`` compiled into ``lib<name>-<digest>.so`` in the cache, once per
    (sources, headers, flags): later calls, and other processes, reuse it."""
    cache_dir = cache_dir or default_cache_dir()
    headers = sorted(h for d in include_dirs for h in d.rglob("*.h"))
    library = cache_dir / f"lib{name}-{_digest(flags, [*headers, *sorted(sources)])}.so"
    if library.exists():
        return library
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        staged = Path(tmp) / library.name
        includes = [arg for d in include_dirs for arg in ("-I", str(d))]
        _run([_compiler(), *flags, "-fPIC", "-shared", *includes, *map(str, sorted(sources)), "-o", str(staged)], name)
        staged.replace(library)  # atomic: parallel test workers may race here
    return library


def build_host(project: Path, sanitize: bool = False, shared_library: bool = True, cache_dir: Path | None = None) -> HostBuild:
    """Compile the generated model in ``project`` into ``project/host/``."""
    flags = STRICT_FLAGS + (SANITIZER_FLAGS if sanitize else RELEASE_FLAGS)
    archive = _runtime_archive(project, flags, cache_dir or default_cache_dir())
    includes = ["-I", str(project / "src"), "-I", str(project / "lib" / "tinykit_runtime" / "include")]
    model_sources = [str(project / "src" / "model.c"), str(project / "src" / "model_weights.c")]
    out = project / "host"
    out.mkdir(exist_ok=True)
    runner = out / ("tinykit_run_sanitized" if sanitize else "tinykit_run")
    main = firmware_dir() / "apps" / "host_runner" / "main.c"
    _run([_compiler(), *flags, *includes, *model_sources, str(main), str(archive), "-o", str(runner)], "the generated model")
    library = None
    if shared_library and not sanitize:
        library = out / "libtinykit_model.so"
        # The whole archive: nothing in model.c calls the model API (tk_model.c), which the library exports.
        whole = ["-Wl,--whole-archive", str(archive), "-Wl,--no-whole-archive"]
        _run([_compiler(), *flags, "-fPIC", "-shared", *includes, *model_sources, *whole, "-o", str(library)], "the model library")
    return HostBuild(runner=runner, library=library)


# Seconds the runner gets: a floor for start-up, plus time for the MACs at a
# pace far below even a sanitized build's, so only a runner that never ends is stopped.
RUNNER_BASE_SECONDS = 60.0
RUNNER_MACS_PER_SECOND = 5e6


def run_host(build: HostBuild, graph: Graph, samples: list[list[np.ndarray]]) -> list[list[np.ndarray]]:
    """Run samples (each a list with one array per model input) through the runner.

    The runner is stopped if it outlives a generous time budget or writes more
    than the outputs it owes (see tinykit.verify.child); the temporary files go
    whatever happens.
    """
    per_sample = sum(t.nbytes for t in graph.outputs)
    expected = per_sample * len(samples)
    timeout = RUNNER_BASE_SECONDS + graph.macs() * len(samples) / RUNNER_MACS_PER_SECOND
    with tempfile.TemporaryDirectory(prefix="tinykit-run-") as tmp:
        inputs, outputs = Path(tmp) / "in.bin", Path(tmp) / "out.bin"
        with inputs.open("wb") as f:
            for sample in samples:
                for tensor, array in zip(graph.inputs, sample):
                    f.write(np.ascontiguousarray(array, dtype=tensor.dtype.numpy).tobytes())
        result = run_bounded([str(build.runner), str(inputs), str(outputs)], "the host build of the model",
                             timeout=timeout, max_file_bytes=expected + 1024 * 1024)
        if result.returncode != 0:
            raise TinykitError(f"the host build of the model failed while running (exit status {result.returncode}):\n{result.output}")
        raw = outputs.read_bytes()
    if len(raw) != expected:
        raise TinykitError(f"the host runner wrote {len(raw)} bytes, expected {expected}")
    results = []
    for s in range(len(samples)):
        offset = s * per_sample
        sample_out = []
        for tensor in graph.outputs:
            chunk = raw[offset : offset + tensor.nbytes]
            sample_out.append(np.frombuffer(chunk, dtype=tensor.dtype.numpy).reshape(tensor.shape))
            offset += tensor.nbytes
        results.append(sample_out)
    return results
