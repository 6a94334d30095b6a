"""The source trees a Cortex-M build of TF Lite Micro needs, given by the user, checked and identified.

Nothing of them is part of this repository and nothing is downloaded: the
user points the benchmark at checkouts of tensorflow/tflite-micro and
ARM-software/CMSIS-NN, and at one folder holding the third-party trees
tflite-micro's makefile would otherwise download (named as their GitHub
repositories: flatbuffers, gemmlowp, ruy, CMSIS_6, Cortex_DFP). Each tree is
identified by its git commit (or, for a plain copy, a digest of its files), so
the JSON says what was measured and the build cache knows when to rebuild.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tinykit.errors import TinykitError

# tflite-micro's own download scripts name the commits it is tested with
# (tensorflow/lite/micro/tools/make/third_party_downloads.inc, flatbuffers_download.sh,
# ext_libs/cmsis_download.sh, ext_libs/cmsis_nn_download.sh); the hint shows how to get each.
_TFLM_MAKE = "tensorflow/lite/micro/tools/make"
THIRD_PARTY = {
    # folder: (GitHub repository, a file the build includes, where tflite-micro pins the version)
    "flatbuffers": ("google/flatbuffers", "include/flatbuffers/flatbuffers.h", f"{_TFLM_MAKE}/flatbuffers_download.sh"),
    "gemmlowp": ("google/gemmlowp", "fixedpoint/fixedpoint.h", f"{_TFLM_MAKE}/third_party_downloads.inc"),
    "ruy": ("google/ruy", "ruy/profiler/instrumentation.h", f"{_TFLM_MAKE}/third_party_downloads.inc"),
    "CMSIS_6": ("ARM-software/CMSIS_6", "CMSIS/Core/Include/cmsis_compiler.h", f"{_TFLM_MAKE}/ext_libs/cmsis_download.sh"),
    "Cortex_DFP": ("ARM-software/Cortex_DFP", "Device/ARMCM7/Include/ARMCM7.h", f"{_TFLM_MAKE}/ext_libs/cmsis_download.sh"),
}
TFLM_MARKER = "tensorflow/lite/micro/micro_interpreter.h"
CMSIS_NN_MARKER = "Include/arm_nnfunctions.h"


@dataclass(frozen=True)
class TflmSources:
    """Absolute paths of every tree the TF Lite Micro build reads."""

    tflm: Path
    cmsis_nn: Path
    third_party: dict[str, Path]

    def trees(self) -> dict[str, Path]:
        """Every tree by a short name, in a stable order (for the JSON and the cache key)."""
        return {"tflite-micro": self.tflm, "CMSIS-NN": self.cmsis_nn, **self.third_party}


def _missing(what: str, path: Path | None, option: str, marker: str, fetch: str) -> TinykitError:
    where = f"{path} has no {marker}" if path is not None else f"{option} was not given"
    return TinykitError(
        f"the TF Lite Micro side-by-side benchmark needs {what}: {where}. Check out {fetch} "
        f"(e.g. `git clone https://github.com/{fetch} DIR`) and pass {option} DIR."
    )


def locate_sources(tflm_src: Path | None, cmsis_nn_src: Path | None, third_party: Path | None) -> TflmSources:
    """Check the three folders the user gave and return the trees in them, or raise naming what is missing and how to get it."""
    if tflm_src is None or not (tflm_src / TFLM_MARKER).is_file():
        raise _missing("a tflite-micro source tree", tflm_src, "--tflm-src", TFLM_MARKER, "tensorflow/tflite-micro")
    if cmsis_nn_src is None or not (cmsis_nn_src / CMSIS_NN_MARKER).is_file():
        raise _missing(
            "a CMSIS-NN source tree (the commit tflite-micro pins in "
            f"{_TFLM_MAKE}/ext_libs/cmsis_nn_download.sh)",
            cmsis_nn_src, "--cmsis-nn-src", CMSIS_NN_MARKER, "ARM-software/CMSIS-NN",
        )
    if third_party is None or not third_party.is_dir():
        names = ", ".join(f"{name}/ ({repo})" for name, (repo, _, _) in THIRD_PARTY.items())
        where = "--third-party was not given" if third_party is None else f"{third_party} is not a folder"
        raise TinykitError(
            f"the TF Lite Micro side-by-side benchmark needs the third-party trees tflite-micro's makefile would "
            f"download: {where}. Make a folder holding {names}, each checked out at the commit tflite-micro pins "
            f"in {_TFLM_MAKE}/, and pass --third-party FOLDER."
        )
    trees = {}
    for name, (repo, marker, pinned_in) in THIRD_PARTY.items():
        folder = third_party / name
        if not (folder / marker).is_file():
            raise TinykitError(
                f"the third-party folder {third_party} has no {name}/{marker}: check out {repo} into "
                f"{folder} at the commit tflite-micro pins in {pinned_in} "
                f"(e.g. `git clone https://github.com/{repo} {folder}` then `git -C {folder} checkout COMMIT`)."
            )
        trees[name] = folder.resolve()
    return TflmSources(tflm=tflm_src.resolve(), cmsis_nn=cmsis_nn_src.resolve(), third_party=trees)


def _git(folder: Path, *args: str) -> str | None:
    try:
        completed = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return completed.stdout.strip()


def _content_digest(folder: Path) -> str:
    """A digest of every file's path and bytes under ``folder``: the identity of a tree that is not a git checkout."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def tree_identity(folder: Path) -> str:
    """The git commit of ``folder`` (``+modified`` and a digest of the changes if it has local ones),
    or ``sha256:...`` of its files when it is not a git checkout."""
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != folder.resolve():
        return "sha256:" + _content_digest(folder)
    commit = _git(folder, "rev-parse", "HEAD")
    changes = _git(folder, "status", "--porcelain", "--untracked-files=no")
    if changes:
        diff = _git(folder, "diff", "HEAD") or ""
        return f"{commit}+modified:{hashlib.sha256(diff.encode()).hexdigest()[:12]}"
    return str(commit)


def identities(sources: TflmSources) -> dict[str, str]:
    """Each tree's identity (commit), for the JSON and the cache key."""
    return {name: tree_identity(folder) for name, folder in sources.trees().items()}
