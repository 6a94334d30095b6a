"""Search-space optimisation, as MCUNet's TinyNAS does it before any training.

For every (width multiplier, resolution) pair of a space, sample members,
cost each one with tinykit's own figures (the ops' ``macs()`` and
``weight_bytes()``, the board's kernel selection and the planner's arena on
the candidate graph, and the board's latency model on that kernel
selection), keep those that fit the budgets, and choose the pair
whose fitting members have the most compute on average: within a memory
budget, a space whose members can afford more MACs tends to hold more
accurate ones (MCUNet's heuristic). The per-pair distributions are returned
for the report.

The planner runs in its fast mode (no seeded search rounds) with the
board's preferred kernels, so the arena here is never below the one a build
plans (the build also searches orderings and memory-saving kernels): a
member said to fit the arena bound does fit it. The latency is that of the
preferred (fastest) kernels, which the build only swaps for slower ones that
save arena, so it is a lower bound of the build's predicted latency: a
member over the latency budget here is over it built.

The exact flash and SRAM of a build (runtime code, stack, the app's RAM)
are not costed here, nor the memory-aware kernel choice (seconds per
member, the search's ``Coster`` does both): the search
(``tinykit.search.run``) passes its SRAM and flash budgets as the arena and
weight bounds and its latency budget as it is (all three lower bounds, so
no pair that could fit is dropped), then costs the space's smallest member
in full and refuses budgets even it breaks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from tinykit.errors import TinykitError
from tinykit.latency.estimate import predict_latency
from tinykit.latency.model import LatencyModel
from tinykit.planner.plan import plan_graph
from tinykit.profile.protocol import cycles_to_ms
from tinykit.schedule import select_kernels
from tinykit.search.candidate import candidate_graph
from tinykit.search.space import Architecture, SearchSpace


@dataclass(frozen=True)
class Budgets:
    """Upper bounds in bytes and milliseconds; None leaves that resource unbounded."""

    arena_bytes: int | None = None
    weight_bytes: int | None = None
    latency_ms: float | None = None


@dataclass(frozen=True)
class Cost:
    macs: int
    weight_bytes: int
    arena_bytes: int
    latency_ms: float | None = None  # None without a latency model

    def over(self, budgets: Budgets) -> dict[str, float]:
        """Bytes (milliseconds) above each budget this cost exceeds, by budget name (empty when it fits)."""
        excess: dict[str, float] = {}
        if budgets.arena_bytes is not None and self.arena_bytes > budgets.arena_bytes:
            excess["arena"] = self.arena_bytes - budgets.arena_bytes
        if budgets.weight_bytes is not None and self.weight_bytes > budgets.weight_bytes:
            excess["weights"] = self.weight_bytes - budgets.weight_bytes
        if budgets.latency_ms is not None and self.latency_ms is not None and self.latency_ms > budgets.latency_ms:
            excess["latency"] = self.latency_ms - budgets.latency_ms
        return excess


@dataclass(frozen=True)
class LatencyBound:
    """A board's latency model and clock, to cost members' latency with."""

    model: LatencyModel
    clock_hz: int


def candidate_cost(arch: Architecture, num_classes: int, features: Iterable[str],
                   latency: LatencyBound | None = None) -> Cost:
    """MACs, weight bytes, planned arena and (given ``latency``) the fastest kernels' predicted latency of
    ``arch`` on a core with ISA ``features`` (a board's ``features``)."""
    graph = candidate_graph(arch, num_classes)
    schedule = select_kernels(graph, features)
    plan = plan_graph(graph, schedule, search_rounds=0)
    latency_ms = None
    if latency is not None:
        latency_ms = cycles_to_ms(predict_latency(graph, schedule, latency.model).cycles, latency.clock_hz)
    return Cost(graph.macs(), graph.weight_bytes(), plan.arena_bytes, latency_ms)


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
                 latency: LatencyBound | None = None) -> tuple[SearchSpace, tuple[SpaceStats, ...]]:
    """The narrowed space (one width multiplier and resolution) whose fitting sampled members have the
    highest mean MACs, and the statistics of every pair; TinykitError when no sample of any pair fits,
    naming the binding budget and how far the smallest member is from it. A latency budget needs
    ``latency`` (without it, latency is not costed)."""
    features = frozenset(features)
    stats = []
    pairs = [(w, r) for w in space.width_mults for r in space.resolutions]
    for index, (width_mult, resolution) in enumerate(pairs):
        narrowed = space.narrowed(width_mult, resolution)
        rng = np.random.default_rng([seed, index])  # each pair its own stream: adding a pair changes no other
        costs = tuple(candidate_cost(narrowed.sample(rng), num_classes, features, latency) for _ in range(samples))
        fitting = [c.macs for c in costs if not c.over(budgets)]
        stats.append(SpaceStats(width_mult, tuple(resolution), costs, len(fitting),
                                float(np.mean(fitting)) if fitting else 0.0))
    best = max(stats, key=lambda s: (s.fitting > 0, s.mean_fitting_macs))
    if best.fitting == 0:
        _refuse_unreachable(space, num_classes, features, budgets, latency)
    return space.narrowed(best.width_mult, best.resolution), tuple(stats)


def _refuse_unreachable(space: SearchSpace, num_classes: int, features: frozenset[str], budgets: Budgets,
                        latency: LatencyBound | None) -> None:
    smallest = space.smallest()
    excess = candidate_cost(smallest, num_classes, features, latency).over(budgets)
    if not excess:
        raise TinykitError(
            "no sampled member of any (width multiplier, resolution) pair fits the budgets, though the space's "
            "smallest member does: sample more members per pair.")
    named = {"arena": (budgets.arena_bytes, "bytes", 0), "weights": (budgets.weight_bytes, "bytes", 0),
             "latency": (budgets.latency_ms, "ms", 2)}
    details = "; ".join(f"its {what} exceeds the {what} budget of {named[what][0]:,} {named[what][1]} by "
                        f"{over:,.{named[what][2]}f} {named[what][1]}" for what, over in excess.items())
    raise TinykitError(
        f"no member of the {space.family} space can meet the budgets: even the smallest (width multiplier "
        f"{smallest.width_mult}, resolution {smallest.resolution[0]}x{smallest.resolution[1]}) does not fit: "
        f"{details}. Loosen that budget or search a smaller space.")
