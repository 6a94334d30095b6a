"""A board's latency model: per kernel, cycles as a linear function of the op's
features (``features.COLUMNS``), fitted on per-layer profiles by
``tinykit calibrate`` and stored as JSON (one file per board).

Each kernel variant has its own coefficients: variants differ in what they
pay per MAC, per output and per call, and the kernel selection already picks
variants by shape (channels in multiples of four, 1x1 filters). A kernel the
calibration never ran falls back to the fit of all layers of its op kind, and
the estimate says so. Coefficients are non-negative (every count costs time),
so a layer larger than any in the calibration set never gets a negative time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinykit.errors import TinykitError
from tinykit.latency.features import COLUMNS, OpFeatures

LATENCY_SCHEMA = "tinykit-latency-model/1"
# Shipped models (fitted on the emulated boards): tinykit/latency/models/<board>.json.
SHIPPED_DIR = Path(__file__).parent / "models"


@dataclass(frozen=True)
class Sample:
    """One measured layer: its features and the median cycles the profiler timed."""

    features: OpFeatures
    cycles: float


@dataclass(frozen=True)
class LatencyModel:
    """Coefficients per kernel (and per op kind, the fallback) over ``COLUMNS``."""

    board: str
    kernels: dict[str, tuple[float, ...]]
    kinds: dict[str, tuple[float, ...]]
    # Cycles a whole inference spends outside the ops' kernels, per op (the
    # model's invoke loop), from whole-inference timings against layer sums.
    per_op_overhead: float
    provenance: dict = field(default_factory=dict)

    def op_cycles(self, features: OpFeatures) -> tuple[float, bool]:
        """Predicted cycles of one op, and whether its kernel was calibrated (False: its op kind's fit)."""
        coefficients = self.kernels.get(features.kernel)
        calibrated = coefficients is not None
        if coefficients is None:
            coefficients = self.kinds.get(features.kind)
        if coefficients is None:
            # An op kind no calibration layer had: its call cost only, flagged as uncalibrated.
            coefficients = self.kinds.get("*", (0.0,) * len(COLUMNS))
        # The per-op overhead is measured as a difference of two timings and can be slightly negative.
        return max(0.0, float(np.dot(coefficients, features.values)) + self.per_op_overhead), calibrated

    def to_json(self) -> dict:
        return {
            "schema": LATENCY_SCHEMA,
            "board": self.board,
            "columns": list(COLUMNS),
            "kernels": {k: list(v) for k, v in sorted(self.kernels.items())},
            "kinds": {k: list(v) for k, v in sorted(self.kinds.items())},
            "per_op_overhead": self.per_op_overhead,
            "provenance": self.provenance,
        }

    @classmethod
    def from_json(cls, document: dict, source: Path | str = "the latency model") -> LatencyModel:
        if document.get("schema") != LATENCY_SCHEMA or document.get("columns") != list(COLUMNS):
            raise TinykitError(
                f"{source} is not a latency model this tinykit reads (schema {document.get('schema')!r}, "
                f"expected {LATENCY_SCHEMA!r} with columns {list(COLUMNS)}); fit it again with `tinykit calibrate`."
            )
        return cls(
            board=document["board"],
            kernels={k: tuple(v) for k, v in document["kernels"].items()},
            kinds={k: tuple(v) for k, v in document["kinds"].items()},
            per_op_overhead=float(document["per_op_overhead"]),
            provenance=dict(document.get("provenance", {})),
        )


def nonnegative_fit(rows: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Least squares of ``rows @ x ~ targets`` in relative error (each row divided by its target, so a small
    layer counts as much as a large one), with ``x >= 0``: columns whose coefficient comes out negative are
    dropped and the rest refitted, until none is (an active-set method, enough for six columns)."""
    weighted = rows / targets[:, None]
    active = [j for j in range(rows.shape[1]) if np.any(rows[:, j])]
    solution = np.zeros(rows.shape[1])
    while active:
        coefficients, *_ = np.linalg.lstsq(weighted[:, active], np.ones(len(targets)), rcond=None)
        if np.all(coefficients >= 0):
            solution[active] = coefficients
            break
        active.pop(int(np.argmin(coefficients)))
    return solution


def _fit_groups(samples: Sequence[Sample], key) -> dict[str, tuple[float, ...]]:
    groups: dict[str, list[Sample]] = {}
    for sample in samples:
        groups.setdefault(key(sample), []).append(sample)
    fitted = {}
    for name, members in groups.items():
        rows = np.array([m.features.values for m in members], dtype=np.float64)
        targets = np.array([max(m.cycles, 1.0) for m in members], dtype=np.float64)
        fitted[name] = tuple(float(c) for c in nonnegative_fit(rows, targets))
    return fitted


def fit(board: str, samples: Sequence[Sample], per_op_overhead: float, provenance: dict) -> LatencyModel:
    """Fit one model per kernel and per op kind (and ``*`` over all layers, for a kind never seen)."""
    if not samples:
        raise TinykitError(f"no profiled layers to fit a latency model for {board}; calibration measured nothing.")
    kinds = _fit_groups(samples, lambda s: s.features.kind)
    kinds["*"] = _fit_groups(samples, lambda s: "*")["*"]
    return LatencyModel(board, _fit_groups(samples, lambda s: s.features.kernel), kinds, per_op_overhead, provenance)


def shipped_path(board: str) -> Path:
    return SHIPPED_DIR / f"{board}.json"


def user_path(board: str) -> Path:
    """Where `tinykit calibrate` writes a board's models by default: beside tinykit's other caches."""
    from tinykit.deploy.platformio import default_core_dir

    return default_core_dir().parent.parent / "latency" / f"{board}.json"


def read_models(board: str, path: Path | None = None) -> tuple[dict, Path] | None:
    """The JSON document of ``board``'s models and where it came from: ``path``, else the user's own calibration,
    else the one tinykit ships; None when there is none."""
    if path is not None and not path.is_file():
        raise TinykitError(f"{path}: no such file; fit a board's models with `tinykit calibrate --board {board} -o {path}`.")
    for candidate in [path] if path is not None else [user_path(board), shipped_path(board)]:
        if candidate.is_file():
            try:
                document = json.loads(candidate.read_text())
            except ValueError as error:
                raise TinykitError(f"{candidate} is not valid JSON ({error}); fit it again with `tinykit calibrate`.") from error
            if document.get("board") != board:
                raise TinykitError(f"{candidate} holds the models of {document.get('board')!r}, not {board}; give that board's file.")
            return document, candidate
    return None


def load_latency(board: str, path: Path | None = None) -> LatencyModel:
    """``board``'s latency model, or a TinykitError saying how to fit one."""
    found = read_models(board, path)
    if found is None or "kernels" not in found[0]:
        raise TinykitError(
            f"{board} has no fitted latency model yet. Fit one on the board itself (a few minutes of building, "
            f"flashing and profiling): `tinykit calibrate --board {board} --port /dev/ttyACM0` (the board's serial "
            f"port); it is written to {user_path(board)} and used from then on."
        )
    return LatencyModel.from_json(found[0], found[1])
