"""`tinykit estimate`: predicted latency, flash and SRAM of a model on a board,
before anything is built. Memory comes from ``resources`` (the build's own
kernel choice, planner and emitters, plus the board's measured flash model);
latency from the board's fitted ``LatencyModel``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tinykit.boards import Board, all_boards, get_board
from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.ir import Graph
from tinykit.latency.features import op_features
from tinykit.latency.model import LatencyModel, load_latency, read_models
from tinykit.latency.resources import find_flash, predict_resources
from tinykit.profile.protocol import cycles_to_ms
from tinykit.schedule import Schedule


@dataclass(frozen=True)
class Latency:
    """Predicted cycles of one inference, and the kernels the model had no fit of (their op kind's fit used)."""

    cycles: float
    per_op: tuple[float, ...]
    uncalibrated_kernels: tuple[str, ...]


def predict_latency(graph: Graph, schedule: Schedule, model: LatencyModel) -> Latency:
    """Cycles of ``graph`` with the kernels ``schedule`` chose (a build's is ``Resources.schedule``)."""
    per_op, uncalibrated = [], set()
    for op in graph.ops:
        features = op_features(op, schedule.op(op))
        cycles, calibrated = model.op_cycles(features)
        per_op.append(cycles)
        if not calibrated:
            uncalibrated.add(features.kernel)
    return Latency(sum(per_op), tuple(per_op), tuple(sorted(uncalibrated)))


def target_boards(name: str) -> list[Board]:
    """The boards ``--board`` names: one, or ``all`` Cortex-M boards (the host has no flash or clock to estimate)."""
    if name.strip().lower() == "all":
        return [b for b in all_boards() if b.is_cortex_m]
    board = get_board(name)
    if not board.is_cortex_m:
        raise TinykitError("the host has no flash, SRAM budget or clock to estimate for: pick a Cortex-M board "
                           "(`tinykit boards` lists them), or --board all.")
    return [board]


def estimate_graph(graph: Graph, board: Board, models: Path | None = None, require_latency: bool = False) -> dict:
    """One board's figures for ``graph`` as plain JSON values. ``models``: a file `tinykit calibrate` wrote
    (default: the user's calibration of the board, else the one tinykit ships). Without a latency model the
    latency is None and ``latency_note`` says how to fit one, unless ``require_latency`` makes that an error."""
    flash_model = find_flash(board, models)
    resources = predict_resources(graph, board, flash_model)
    result = {
        "board": board.name,
        "clock_hz": board.clock_hz,
        "arena_bytes": resources.arena,
        "state_bytes": resources.state,
        "weights_bytes": resources.weights,
        "flash_bytes": resources.flash,
        "flash_budget": board.flash_bytes,
        "fits_flash": resources.fits_flash,
        "sram_bytes": resources.sram,
        "sram_budget": board.sram_bytes,
        "fits_sram": resources.fits_sram,
        "uncalibrated_kernel_sources": list(resources.uncalibrated_kernels),
        "latency_cycles": None,
        "latency_ms": None,
        "uncalibrated_kernels": [],
    }
    if flash_model is None:
        result["flash_note"] = (f"no flash model for {board.name}: run `tinykit calibrate --board {board.name} "
                                "--flash-only` (builds only, no board needed)")
    found = read_models(board.name, models)
    if found is None or "kernels" not in found[0]:
        if require_latency:
            load_latency(board.name, models)  # raises, saying how to calibrate the board
        port = "" if board.kind == "emulated" else " --port PORT"
        result["latency_note"] = f"no latency model for {board.name}: run `tinykit calibrate --board {board.name}{port}`"
        return result
    latency = predict_latency(graph, resources.schedule, load_latency(board.name, models))
    result.update(latency_cycles=round(latency.cycles), latency_ms=cycles_to_ms(latency.cycles, board.clock_hz),
                  uncalibrated_kernels=list(latency.uncalibrated_kernels))
    return result


def estimate_file(model: Path, board: str, models: Path | None = None, require_latency: bool = False) -> dict:
    """`tinykit estimate MODEL --board BOARD` as one JSON document: the model and a row per board."""
    boards = target_boards(board)  # an unknown board is refused before the model is read
    if model.exists() and model.is_file() and model.suffix.lower() != ".tflite":
        raise TinykitError(f"{model} is not a .tflite file: estimate reads int8 .tflite models. Convert a Keras model "
                           f"first with `tinykit build {model} --data calib.npz` (its build folder holds model.tflite).")
    graph = read_tflite(model)
    return {"model": str(model), "macs": sum(op.macs() for op in graph.ops),
            "boards": [estimate_graph(graph, b, models, require_latency) for b in boards]}


def _kib(n: int | None) -> str:
    return "-" if n is None else f"{n / 1024:,.1f}"


def render_estimates(document: dict) -> str:
    """The estimate as a table, one row per board."""
    header = (f"{'board':<14} {'cycles':>12} {'ms':>9} {'arena KiB':>9} {'weights KiB':>11} {'flash KiB':>10} {'of':>8} "
              f"{'SRAM KiB':>9} {'of':>8}  fits")
    lines = [f"{document['model']}: {document['macs']:,} MACs", header, "-" * len(header)]
    notes = []
    for row in document["boards"]:
        cycles = "-" if row["latency_cycles"] is None else f"{row['latency_cycles']:,}"
        ms = "-" if row["latency_ms"] is None else f"{row['latency_ms']:.2f}"
        if row["fits_flash"] is None:
            fits = "?"
        elif row["fits_flash"] and row["fits_sram"]:
            fits = "yes"
        else:
            fits = "no (" + ", ".join(w for w, ok in (("flash", row["fits_flash"]), ("SRAM", row["fits_sram"])) if not ok) + ")"
        lines.append(f"{row['board']:<14} {cycles:>12} {ms:>9} {_kib(row['arena_bytes']):>9} {_kib(row['weights_bytes']):>11} "
                     f"{_kib(row['flash_bytes']):>10} {_kib(row['flash_budget']):>8} "
                     f"{_kib(row['sram_bytes']):>9} {_kib(row['sram_budget']):>8}  {fits}")
        notes += [row[key] for key in ("flash_note", "latency_note") if key in row]
        if row["uncalibrated_kernels"]:
            notes.append(f"{row['board']}: no latency fit for {', '.join(row['uncalibrated_kernels'])} (their op kind's fit used)")
        if row["uncalibrated_kernel_sources"]:
            notes.append(f"{row['board']}: flash of {', '.join(row['uncalibrated_kernel_sources'])} not measured "
                         "(counted as the largest kernel)")
    return "\n".join(lines + notes)
