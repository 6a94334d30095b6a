"""Evolutionary search over the members of a narrowed space, under hard budgets (MCUNet's TinyNAS, step two).

Every candidate is costed first with ``tinykit.latency`` (the build's own
kernel choice, planner and emitters for memory; the board's fitted latency
model for time); only candidates within every budget have their accuracy
measured, which is the expensive part. The search keeps a population of
fitting members, takes the most accurate as parents each generation, and
fills the rest of the next population with their mutations and crossovers
that fit. Everything random is drawn from one seeded generator, and the
costs are deterministic, so a seed gives the same search.

Costing and accuracy each go through an ``Executor`` (``executors.py``),
one batch of new candidates at a time, so both can be spread over workers;
``run.py`` decides which (locally: costing in a process pool, accuracy in
this process; on Ray: both on the cluster). Results come back in the batch's
order and every measurement is deterministic, so the executors change where
the work runs, never the search.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tinykit.boards import Board
from tinykit.errors import TinykitError
from tinykit.latency.estimate import predict_latency
from tinykit.latency.model import LatencyModel
from tinykit.latency.resources import FlashModel, build_schedule, predict_resources
from tinykit.profile.protocol import cycles_to_ms
from tinykit.search.candidate import candidate_graph
from tinykit.search.executors import Executor, SerialExecutor
from tinykit.search.space import Architecture, SearchSpace

# ---------------------------------------------------------------------------
# Budgets and costs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchBudgets:
    """Hard limits on a build: SRAM and flash in bytes, latency in milliseconds; None leaves one unbounded."""

    sram_bytes: int | None = None
    flash_bytes: int | None = None
    latency_ms: float | None = None

    def over(self, cost: CandidateCost) -> dict[str, float]:
        """How far ``cost`` exceeds each budget it breaks, by budget name (empty when it fits)."""
        excess: dict[str, float] = {}
        for name, budget, used in (("sram", self.sram_bytes, cost.sram_bytes),
                                   ("flash", self.flash_bytes, cost.flash_bytes),
                                   ("latency", self.latency_ms, cost.latency_ms)):
            if budget is not None and used > budget:
                excess[name] = used - budget
        return excess


@dataclass(frozen=True)
class CandidateCost:
    """A candidate's predicted build on the board: exact arena and weights, flash and SRAM as
    ``tinykit.latency.resources`` predicts them, latency from the board's latency model."""

    macs: int
    arena_bytes: int
    weights_bytes: int
    flash_bytes: int
    sram_bytes: int
    latency_ms: float


@dataclass(frozen=True)
class Coster:
    """Costs architectures on one board; a plain value, so a process pool can ship it to its workers."""

    board: Board
    flash_model: FlashModel
    latency_model: LatencyModel
    num_classes: int

    def __call__(self, arch: Architecture) -> CandidateCost:
        graph = candidate_graph(arch, self.num_classes)
        schedule = build_schedule(graph, self.board)  # computed once, used by both predictions
        resources = predict_resources(graph, self.board, self.flash_model, schedule)
        latency = predict_latency(graph, schedule, self.latency_model)
        assert resources.flash is not None and resources.sram is not None  # a flash model was given
        return CandidateCost(graph.macs(), resources.arena, resources.weights, resources.flash, resources.sram,
                             cycles_to_ms(latency.cycles, self.board.clock_hz))


# ---------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluated:
    arch: Architecture
    cost: CandidateCost
    accuracy: float

    def to_json(self) -> dict[str, Any]:
        return {"architecture": self.arch.to_dict(), "accuracy": self.accuracy, **self.cost.__dict__}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Evaluated:
        cost = CandidateCost(**{k: document[k] for k in CandidateCost.__dataclass_fields__})
        return cls(Architecture.from_dict(document["architecture"]), cost, float(document["accuracy"]))


@dataclass(frozen=True)
class EvolutionSettings:
    population: int = 16
    generations: int = 6
    parents: int = 4  # the most accurate members kept, and bred from, each generation
    mutation_probability: float = 0.2
    mutation_share: float = 0.5  # of the children, the rest come from crossover
    attempts: int = 20  # proposal rounds to fill a population before giving up on fitting candidates


@dataclass(frozen=True)
class Generation:
    """Progress after one generation: the index, candidates accuracy-measured so far, the best so far."""

    index: int
    evaluated: int
    best: Evaluated


def pareto_front(candidates: Iterable[Evaluated]) -> list[Evaluated]:
    """The candidates no other one beats on accuracy, latency and SRAM together (higher, lower, lower),
    most accurate first."""
    pool = list({c.arch: c for c in candidates}.values())

    def dominates(a: Evaluated, b: Evaluated) -> bool:
        no_worse = (a.accuracy >= b.accuracy and a.cost.latency_ms <= b.cost.latency_ms
                    and a.cost.sram_bytes <= b.cost.sram_bytes)
        better = (a.accuracy > b.accuracy or a.cost.latency_ms < b.cost.latency_ms
                  or a.cost.sram_bytes < b.cost.sram_bytes)
        return no_worse and better

    front = [c for c in pool if not any(dominates(o, c) for o in pool)]
    return sorted(front, key=lambda c: (-c.accuracy, c.cost.latency_ms, c.cost.sram_bytes))


class Evolution:
    """The search over ``space`` (narrowed) within ``budgets``; ``cost`` costs a candidate, on ``executor``;
    ``accuracy`` measures one fitting member, on ``accuracy_executor`` (by default in this process)."""

    def __init__(self, space: SearchSpace, budgets: SearchBudgets, cost: Callable[[Architecture], CandidateCost],
                 accuracy: Callable[[Architecture], float], executor: Executor, settings: EvolutionSettings,
                 seed: int, accuracy_executor: Executor | None = None) -> None:
        self.space, self.budgets, self.cost, self.accuracy = space, budgets, cost, accuracy
        self.executor, self.settings = executor, settings
        self.accuracy_executor = accuracy_executor if accuracy_executor is not None else SerialExecutor()
        self.rng = np.random.default_rng([seed, 11])
        self.costs: dict[Architecture, CandidateCost] = {}
        self.evaluated: dict[Architecture, Evaluated] = {}

    def _fitting(self, proposals: list[Architecture]) -> list[Architecture]:
        """The proposals (deduplicated, in order) within the budgets, costing those not costed before in one batch."""
        unique = list(dict.fromkeys(proposals))
        new = [a for a in unique if a not in self.costs]
        self.costs.update(zip(new, self.executor.map(self.cost, new)))
        return [a for a in unique if not self.budgets.over(self.costs[a])]

    def _measure(self, archs: list[Architecture]) -> list[Evaluated]:
        """``archs`` with their accuracies, measuring those not measured before in one batch."""
        new = [a for a in dict.fromkeys(archs) if a not in self.evaluated]
        for arch, accuracy in zip(new, self.accuracy_executor.map(self.accuracy, new)):
            self.evaluated[arch] = Evaluated(arch, self.costs[arch], accuracy)
        return [self.evaluated[a] for a in archs]

    def _fill(self, wanted: int, propose: Callable[[], Architecture], exclude: set[Architecture]) -> list[Architecture]:
        chosen: list[Architecture] = []
        for _ in range(self.settings.attempts):
            if len(chosen) >= wanted:
                break
            proposals = [propose() for _ in range(2 * (wanted - len(chosen)))]
            for arch in self._fitting(proposals):
                if arch not in exclude and arch not in chosen and len(chosen) < wanted:
                    chosen.append(arch)
        return chosen

    def run(self, report: Callable[[Generation], None] = lambda generation: None) -> list[Evaluated]:
        """Every candidate whose accuracy was measured (the front is ``pareto_front`` of them)."""
        s = self.settings
        population = self._measure(self._fill(s.population, lambda: self.space.sample(self.rng), set()))
        if not population:
            raise TinykitError("no sampled member of the chosen space fits the budgets; loosen a budget.")
        for index in range(s.generations):
            parents = sorted(population, key=lambda e: -e.accuracy)[:s.parents]
            report(Generation(index, len(self.evaluated), max(self.evaluated.values(), key=lambda e: e.accuracy)))
            if index == s.generations - 1:
                break
            kept = {p.arch for p in parents}
            mutations = int(round((s.population - len(parents)) * s.mutation_share))

            def mutant() -> Architecture:
                return self.space.mutate(parents[int(self.rng.integers(len(parents)))].arch, self.rng,
                                         s.mutation_probability)

            def child() -> Architecture:
                a, b = self.rng.choice(len(parents), size=2, replace=len(parents) < 2)
                return self.space.crossover(parents[int(a)].arch, parents[int(b)].arch, self.rng)

            children = self._fill(mutations, mutant, kept)
            children += self._fill(s.population - len(parents) - len(children), child, kept | set(children))
            population = parents + self._measure(children)
        return list(self.evaluated.values())
