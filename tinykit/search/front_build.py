"""Every model on the search's Pareto front, built for the board as `tinykit build` builds it.

The evolution ranks candidates by predicted costs: arena, weights and flash
exact, SRAM from the board's flash model within a few bytes of a real link
(``tinykit.latency.resources``). The search still proves them on the real
thing: after the evolution each front member is extracted from the
super-network (batch norms recalibrated), converted to int8 with the run's
calibration samples and built into a firmware image (compile and link, no
run), and the search reports the built figures: the same size report
`tinykit build --json` prints. A member whose built image breaks a budget
is dropped from the front, saying which budget and by how much.

Files, per front member ``NN`` (its place in the evolution's front)::

    OUT/front/NN.tflite    the member's int8 model (inherited weights, not fine-tuned)
    OUT/front/NN/          its build folder: a PlatformIO project, as `tinykit build -o` writes one
    OUT/front/NN.json      its architecture and built size report; present only once the build finished,
                           so a rerun skips the members built before an interrupt
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from tinykit.errors import TinykitError, damaged_file
from tinykit.jsonio import read_json, write_json
from tinykit.kws.progress import Bar, no_bar
from tinykit.search.evolution import Evaluated, SearchBudgets
from tinykit.search.space import Architecture

FRONT_FOLDER = "front"
# The figures compared with the prediction, as (name in the size report, name in the prediction).
COMPARED = (("arena_bytes", "arena_bytes"), ("weights_bytes", "weights_bytes"), ("flash_bytes", "flash_bytes"),
            ("ram_bytes", "sram_bytes"))


@dataclass(frozen=True)
class BuiltMember:
    """One front member with its built size report (``tinykit.firmware_report.firmware_usage`` plus the MACs)."""

    index: int
    member: Evaluated
    built: dict[str, Any]
    seconds: float  # converting and building it

    @property
    def name(self) -> str:
        return f"{self.index:02d}"

    @property
    def error(self) -> dict[str, int]:
        """Predicted minus built, per compared figure (0 where the prediction is exact)."""
        predicted = self.member.cost.__dict__
        return {ours: predicted[ours] - self.built[theirs] for theirs, ours in COMPARED}

    def over(self, budgets: SearchBudgets) -> dict[str, float]:
        """The budgets the built image breaks, by how much (latency stays predicted: nothing runs here)."""
        return budgets.over(replace(self.member.cost, flash_bytes=self.built["flash_bytes"],
                                    sram_bytes=self.built["ram_bytes"]))

    def to_json(self) -> dict[str, Any]:
        return {**self.member.to_json(), "name": self.name, "tflite": f"{FRONT_FOLDER}/{self.name}.tflite",
                "build_folder": f"{FRONT_FOLDER}/{self.name}", "built": self.built, "prediction_error": self.error,
                "build_seconds": self.seconds}


def int8_member(supernet: Any, arch: Architecture, recalibration: Sequence[np.ndarray], calibration: np.ndarray,
                path: Path) -> None:
    """Write ``arch``'s int8 model to ``path``: its inherited weights with batch norms recalibrated (as the
    evolution measured it), converted with the run's calibration samples."""
    from tinykit.frontend.convert import convert_to_int8
    from tinykit.search.supernet import recalibrate_batch_norm

    model = supernet.extract(arch)
    recalibrate_batch_norm(model, recalibration)
    with tempfile.TemporaryDirectory(prefix="tinykit-front-") as work:
        model.save(Path(work) / "member.keras")
        convert_to_int8(Path(work) / "member.keras", calibration, Path(work) / "member.tflite")
        os.replace(Path(work) / "member.tflite", path)


def build_size_report(tflite: Path, folder: Path, board: str) -> dict[str, Any]:
    """Build ``tflite`` for ``board`` into ``folder`` as `tinykit build` does, and return its size report: the
    figures `tinykit build --json` prints (``firmware_usage``) and the MACs."""
    from tinykit.boards import get_board
    from tinykit.build import build
    from tinykit.firmware_report import firmware_usage

    compiled = build(tflite, folder, board=board)
    assert compiled.firmware is not None  # a Cortex-M board: the search refuses the host
    return {"macs": compiled.graph.macs(), **firmware_usage(get_board(board), compiled.firmware.sizes)}


def build_front(front: Sequence[Evaluated], out: Path, board: str, write_tflite: Callable[[Architecture, Path], None],
                bar: Bar = no_bar, report: Callable[[str], None] = lambda message: None) -> list[BuiltMember]:
    """Build every member of ``front`` (or read its report, when a previous run built it); ``write_tflite``
    writes a member's int8 model (``int8_member`` with the run's super-network and samples)."""
    folder = out / FRONT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    built: list[BuiltMember] = []
    with bar(len(front), f"building the front's {len(front)} models for {board}") as advance:
        for index, member in enumerate(front):
            name = f"{index:02d}"
            done = folder / f"{name}.json"
            if done.exists():
                saved = _read_json(done)
                if Architecture.from_dict(saved["architecture"]) != member.arch:
                    raise TinykitError(f"{done} holds another architecture than front member {name} of this run: the "
                                       f"folder mixes runs. Delete {folder} and rerun to build the front again.")
                built.append(BuiltMember(index, member, saved["built"], saved["build_seconds"]))
                how = f"built before, {done}"
            else:
                started = time.perf_counter()
                tflite = folder / f"{name}.tflite"
                converted = not tflite.exists()
                if converted:
                    write_tflite(member.arch, tflite)
                try:
                    sizes = build_size_report(tflite, folder / name, board)
                except TinykitError as error:
                    raise TinykitError(f"front member {name} ({tflite}) did not build for {board}: {error}") from error
                one = BuiltMember(index, member, sizes, time.perf_counter() - started)
                write_json(done, {"architecture": member.arch.to_dict(), "built": sizes, "build_seconds": one.seconds})
                built.append(one)
                how = f"{'converted and ' if converted else ''}built in {one.seconds:.1f} s"
            one = built[-1]
            report(f"front {one.name}: built flash {one.built['flash_bytes']:,} B (predicted "
                   f"{member.cost.flash_bytes:,}), SRAM {one.built['ram_bytes']:,} B (predicted "
                   f"{member.cost.sram_bytes:,}), arena {one.built['arena_bytes']:,} B, weights "
                   f"{one.built['weights_bytes']:,} B ({how})")
            advance(1)
    return built


def fitting(built: Sequence[BuiltMember], budgets: SearchBudgets,
            report: Callable[[str], None] = lambda message: None) -> tuple[list[BuiltMember], list[dict[str, Any]]]:
    """The members whose built image fits every budget, and the others (each with what it breaks); reports each
    dropped one, naming the budget and the excess."""
    limits = {"sram": budgets.sram_bytes, "flash": budgets.flash_bytes, "latency": budgets.latency_ms}
    kept: list[BuiltMember] = []
    dropped: list[dict[str, Any]] = []
    for one in built:
        excess = one.over(budgets)
        if not excess:
            kept.append(one)
            continue
        dropped.append({**one.to_json(), "over": excess})
        report(f"front {one.name} dropped from the front: built, its "
               + "; its ".join(f"{what} exceeds the {what} budget of {limits[what]:,} by {over:,}"
                               for what, over in excess.items()))
    return kept, dropped


def build_stage(document: dict[str, Any], front_file: Path, board: str, budgets: SearchBudgets,
                write_tflite: Callable[[Architecture, Path], None], bar: Bar = no_bar,
                report: Callable[[str], None] = lambda message: None) -> dict[str, Any]:
    """The search's stage after the evolution: ``document`` (front.json's content) with its front built and cut
    to the members that fit when built, each with its size report and the prediction's error; "dropped" lists
    the others, "built" sums the errors up. Written to ``front_file``; a document that has "built" is returned
    as it is (the stage finished before)."""
    if "built" in document:
        return document
    document = json.loads(json.dumps(document))  # as a resumed run reads it (lists, not tuples)
    front = [Evaluated.from_json(c) for c in document["front"]]
    built = build_front(front, front_file.parent, board, write_tflite, bar, report)
    kept, dropped = fitting(built, budgets, report)
    if not kept:
        raise TinykitError(f"no model of the front fits the budgets when built for {board} (see the messages above "
                           f"and {front_file.parent / FRONT_FOLDER}/*.json): loosen the budget they break.")
    document = json.loads(json.dumps({**document, "front": [b.to_json() for b in kept], "dropped": dropped,
                                      "built": summary(built)}))
    write_json(front_file, document)
    errors = document["built"]["error_range"]
    report(f"front: {len(kept)} of {len(built)} models fit when built; predicted minus built: "
           + ", ".join(f"{name.removesuffix('_bytes')} {low:+,} to {high:+,} B" for name, (low, high) in errors.items()))
    return document


def summary(built: Sequence[BuiltMember]) -> dict[str, Any]:
    """The prediction's error over the built members: per figure, the least and the most predicted-minus-built."""
    return {"members": len(built), "seconds_per_member": sum(b.seconds for b in built) / max(len(built), 1),
            "error_range": {ours: [min(b.error[ours] for b in built), max(b.error[ours] for b in built)]
                            for _, ours in COMPARED}}


def _read_json(path: Path) -> dict[str, Any]:
    """A member's saved report, or a TinykitError saying how to rebuild it."""
    fix = "delete it and rerun to build that front member again"
    saved = read_json(path, fix)
    if not isinstance(saved, dict) or not {"architecture", "built", "build_seconds"} <= saved.keys():
        raise damaged_file(path, "not a front member's build report", fix)
    return saved
