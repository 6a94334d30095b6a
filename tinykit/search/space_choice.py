"""Search-space optimisation, as MCUNet's TinyNAS does it before any training.

For every (width multiplier, resolution) pair of a space, sample members,
cost each one with tinykit's own figures, keep those that fit the budgets,
and choose the pair whose fitting members have the most compute on average:
within a memory budget, a space whose members can afford more MACs tends to
hold more accurate ones (MCUNet's heuristic). Only pairs where at least a
quarter of the samples fit compete on that (``MIN_FITTING_SHARE``), if any
does: the evolution then samples mostly fitting members. The per-pair distributions
are returned for the report.

Each member is costed on the board's preferred (fastest) kernels, skipping
the build's memory-aware kernel choice (seconds per member; the search's
``Coster`` does it for the candidates it measures). Given the board's
models (``BoardModels``), that is the build's own resource prediction
(``tinykit.latency.resources``: arena, weights, flash and SRAM) and the
board's latency model on those kernels. The memory-aware choice only swaps
in slower kernels that save arena, so the arena and SRAM here are never
below the build's (a member said to fit SRAM does fit it) and the latency
never above it (a member over the latency budget here is over it built).
Without the board's models, the arena comes from the planner's fast mode
(no seeded search rounds; also never below a build's) and SRAM, flash and
latency are not costed: tests of the heuristic use that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from tinykit.errors import TinykitError
from tinykit.boards import Board
from tinykit.latency.estimate import predict_latency
from tinykit.latency.model import LatencyModel
from tinykit.latency.resources import FlashModel, predict_resources
from tinykit.planner.plan import plan_graph
from tinykit.profile.protocol import cycles_to_ms
from tinykit.schedule import select_kernels
from tinykit.search.candidate import candidate_graph
from tinykit.search.space import Architecture, SearchSpace


# The share of a pair's sampled members that must fit for it to be chosen over pairs with more of them fitting.
MIN_FITTING_SHARE = 0.25


@dataclass(frozen=True)
class Budgets:
    """Upper bounds in bytes and milliseconds; None leaves that resource unbounded."""

    arena_bytes: int | None = None
    weight_bytes: int | None = None
    latency_ms: float | None = None
    sram_bytes: int | None = None
    flash_bytes: int | None = None


@dataclass(frozen=True)
class Cost:
    macs: int
    weight_bytes: int
    arena_bytes: int
    latency_ms: float | None = None  # these three None without the board's models
    sram_bytes: int | None = None
    flash_bytes: int | None = None

    def over(self, budgets: Budgets) -> dict[str, float]:
        """Bytes (milliseconds) above each budget this cost exceeds, by budget name (empty when it fits)."""
        excess: dict[str, float] = {}
        if budgets.arena_bytes is not None and self.arena_bytes > budgets.arena_bytes:
            excess["arena"] = self.arena_bytes - budgets.arena_bytes
        if budgets.weight_bytes is not None and self.weight_bytes > budgets.weight_bytes:
            excess["weights"] = self.weight_bytes - budgets.weight_bytes
        for name, budget, used in (("latency", budgets.latency_ms, self.latency_ms),
                                   ("sram", budgets.sram_bytes, self.sram_bytes),
                                   ("flash", budgets.flash_bytes, self.flash_bytes)):
            if budget is not None and used is not None and used > budget:
                excess[name] = used - budget
        return excess


@dataclass(frozen=True)
class BoardModels:
    """A board and its flash and latency models, to cost members' SRAM, flash and latency with."""

    board: Board
    flash: FlashModel
    latency: LatencyModel


def candidate_cost(arch: Architecture, num_classes: int, features: Iterable[str],
                   models: BoardModels | None = None) -> Cost:
    """MACs, weight bytes and arena of ``arch`` on a core with ISA ``features`` (a board's ``features``) with its
    preferred kernels; given the board's ``models``, also its SRAM, flash and latency (module docstring)."""
    graph = candidate_graph(arch, num_classes)
    schedule = select_kernels(graph, features)
    if models is None:
        return Cost(graph.macs(), graph.weight_bytes(), plan_graph(graph, schedule, search_rounds=0).arena_bytes)
    resources = predict_resources(graph, models.board, models.flash, schedule)
    latency_ms = cycles_to_ms(predict_latency(graph, schedule, models.latency).cycles, models.board.clock_hz)
    return Cost(graph.macs(), graph.weight_bytes(), resources.arena, latency_ms, resources.sram, resources.flash)


@dataclass(frozen=True)
class SpaceStats:
    """The sampled members of one (width multiplier, resolution) pair and how many fit."""

    width_mult: float
    resolution: tuple[int, int]
    costs: tuple[Cost, ...]
    fitting: int
    mean_fitting_macs: float  # 0 when none fits

    def macs_quantiles(self, budgets: Budgets, quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)) -> tuple[float, ...]:
        """Quantiles of the fitting members' MACs (the distribution MCUNet plots as a CDF); empty when none fits."""
        macs = [c.macs for c in self.costs if not c.over(budgets)]
        return tuple(float(q) for q in np.quantile(macs, quantiles)) if macs else ()


def choose_space(space: SearchSpace, num_classes: int, features: Iterable[str], budgets: Budgets,
                 samples: int = 100, seed: int = 0,
                 models: BoardModels | None = None) -> tuple[SearchSpace, tuple[SpaceStats, ...]]:
    """The narrowed space (one width multiplier and resolution) whose fitting sampled members have the
    highest mean MACs, and the statistics of every pair; TinykitError when no sample of any pair fits,
    naming the binding budget and how far the smallest member is from it. SRAM, flash and latency
    budgets need the board's ``models`` (without them, those are not costed)."""
    features = frozenset(features)
    stats = []
    pairs = [(w, r) for w in space.width_mults for r in space.resolutions]
    for index, (width_mult, resolution) in enumerate(pairs):
        narrowed = space.narrowed(width_mult, resolution)
        rng = np.random.default_rng([seed, index])  # each pair its own stream: adding a pair changes no other
        costs = tuple(candidate_cost(narrowed.sample(rng), num_classes, features, models) for _ in range(samples))
        fitting = [c.macs for c in costs if not c.over(budgets)]
        stats.append(SpaceStats(width_mult, tuple(resolution), costs, len(fitting),
                                float(np.mean(fitting)) if fitting else 0.0))
    # Among pairs where enough members fit for the evolution to breed from, the most compute; a pair where a
    # handful fit would win on their mean and leave the search sampling mostly misfits (a full search under a
    # DS-CNN's own SRAM chose a pair with 4 % fitting, and its evolution found none).
    best = max(stats, key=lambda s: (s.fitting > 0, s.fitting >= MIN_FITTING_SHARE * len(s.costs),
                                     s.mean_fitting_macs))
    if best.fitting == 0:
        _refuse_unreachable(space, num_classes, features, budgets, models)
    return space.narrowed(best.width_mult, best.resolution), tuple(stats)


def _refuse_unreachable(space: SearchSpace, num_classes: int, features: frozenset[str], budgets: Budgets,
                        models: BoardModels | None) -> None:
    smallest = space.smallest()
    excess = candidate_cost(smallest, num_classes, features, models).over(budgets)
    if not excess:
        raise TinykitError(
            "no sampled member of any (width multiplier, resolution) pair fits the budgets, though the space's "
            "smallest member does: sample more members per pair.")
    named = {"arena": (budgets.arena_bytes, "bytes", 0), "weights": (budgets.weight_bytes, "bytes", 0),
             "latency": (budgets.latency_ms, "ms", 2), "sram": (budgets.sram_bytes, "bytes", 0),
             "flash": (budgets.flash_bytes, "bytes", 0)}
    details = "; ".join(f"its {what} exceeds the {what} budget of {named[what][0]:,} {named[what][1]} by "
                        f"{over:,.{named[what][2]}f} {named[what][1]}" for what, over in excess.items())
    raise TinykitError(
        f"no member of the {space.family} space can meet the budgets: even the smallest (width multiplier "
        f"{smallest.width_mult}, resolution {smallest.resolution[0]}x{smallest.resolution[1]}) does not fit: "
        f"{details}. Loosen that budget or search a smaller space.")
