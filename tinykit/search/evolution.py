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

With a checkpoint file, the search's state (the generator's state, every
candidate costed and measured so far, the population) is written after each
generation, and a rerun continues from it: with deterministic costs and
accuracy the result is that of an uninterrupted search.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinykit.boards import Board
from tinykit.errors import TinykitError, damaged_file
from tinykit.jsonio import read_json, write_json
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


def finished_generations(checkpoint: Path) -> int:
    """How many generations the evolution checkpoint ``checkpoint`` holds (0 when there is none)."""
    if not Path(checkpoint).exists():
        return 0
    document = read_json(checkpoint)
    if not isinstance(document, dict) or not isinstance(document.get("generations_done"), int):
        raise damaged_file(checkpoint, "no generation count")
    return document["generations_done"]


class Evolution:
    """The search over ``space`` (narrowed) within ``budgets``; ``cost`` costs a candidate, on ``executor``;
    the accuracy function ``run`` is given measures one fitting member, on ``accuracy_executor`` (by default
    in this process)."""

    def __init__(self, space: SearchSpace, budgets: SearchBudgets, cost: Callable[[Architecture], CandidateCost],
                 executor: Executor, settings: EvolutionSettings, seed: int,
                 accuracy_executor: Executor | None = None) -> None:
        self.space, self.budgets, self.cost = space, budgets, cost
        self.executor, self.settings, self.seed = executor, settings, seed
        self.accuracy_executor = accuracy_executor if accuracy_executor is not None else SerialExecutor()
        self.rng = np.random.default_rng([seed, 11])
        self.costs: dict[Architecture, CandidateCost] = {}
        self.evaluated: dict[Architecture, Evaluated] = {}
        self._first: list[Architecture] | None = None

    def first_generation(self) -> list[Architecture]:
        """The first population: sampled members within every budget in full costing. It needs no accuracy,
        so the search draws it before training the super-network, and a space none of whose sampled members
        fits is refused before an hour of training rather than after."""
        if self._first is None:
            self._first = self._fill(self.settings.population, lambda: self.space.sample(self.rng), set())
            if not self._first:
                tried = len(self.costs)
                excess = [self.budgets.over(c) for c in self.costs.values()]
                binding = {name: sum(1 for e in excess if name in e) for name in ("sram", "flash", "latency")}
                broken = ", ".join(f"{name} by {count}" for name, count in binding.items() if count)
                raise TinykitError(f"none of the {tried} sampled members of the chosen space fits the budgets in "
                                   f"full costing (broken: {broken}); loosen the budget broken most often.")
        return self._first

    def _fitting(self, proposals: list[Architecture]) -> list[Architecture]:
        """The proposals (deduplicated, in order) within the budgets, costing those not costed before in one batch."""
        unique = list(dict.fromkeys(proposals))
        new = [a for a in unique if a not in self.costs]
        self.costs.update(zip(new, self.executor.map(self.cost, new)))
        return [a for a in unique if not self.budgets.over(self.costs[a])]

    def _measure(self, archs: list[Architecture], accuracy: Callable[[Architecture], float]) -> list[Evaluated]:
        """``archs`` with their accuracies, measuring those not measured before in one batch."""
        new = [a for a in dict.fromkeys(archs) if a not in self.evaluated]
        for arch, measured in zip(new, self.accuracy_executor.map(accuracy, new)):
            self.evaluated[arch] = Evaluated(arch, self.costs[arch], measured)
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

    def _breed(self, population: list[Evaluated], accuracy: Callable[[Architecture], float]) -> list[Evaluated]:
        """The next generation: the most accurate of ``population`` as parents, and their mutations and
        crossovers that fit."""
        s = self.settings
        parents = sorted(population, key=lambda e: -e.accuracy)[:s.parents]
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
        return parents + self._measure(children, accuracy)

    def run(self, accuracy: Callable[[Architecture], float],
            report: Callable[[Generation], None] = lambda generation: None,
            checkpoint: Path | None = None) -> list[Evaluated]:
        """Every candidate whose accuracy (by ``accuracy``) was measured (the front is ``pareto_front`` of them).

        With ``checkpoint``, the state is written there (atomically) after each generation, before ``report``
        hears of it, and a search found there is continued from its last finished generation."""
        s = self.settings
        done = 0
        if checkpoint is not None and Path(checkpoint).exists():
            done, population = self._restore(Path(checkpoint))
        else:
            population = self._measure(self.first_generation(), accuracy)
        for index in range(done, s.generations):
            if index > 0:
                population = self._breed(population, accuracy)
            if checkpoint is not None:
                self._save(Path(checkpoint), index + 1, population)
            report(Generation(index, len(self.evaluated), max(self.evaluated.values(), key=lambda e: e.accuracy)))
        return list(self.evaluated.values())

    def _identity(self) -> dict[str, Any]:
        """What a checkpoint must share with this search to be continued by it."""
        return {"seed": self.seed, "settings": asdict(self.settings), "budgets": asdict(self.budgets)}

    def _save(self, path: Path, generations_done: int, population: list[Evaluated]) -> None:
        write_json(path, {
            "generations_done": generations_done, **self._identity(), "rng": self.rng.bit_generator.state,
            "costs": [{"architecture": a.to_dict(), **asdict(c)} for a, c in self.costs.items()],
            "evaluated": [e.to_json() for e in self.evaluated.values()],
            "population": [e.arch.to_dict() for e in population],
        })

    def _restore(self, path: Path) -> tuple[int, list[Evaluated]]:
        """Load the state of ``path``; the generations it finished and its last population."""
        document = read_json(path)
        try:
            identity = {k: document[k] for k in self._identity()}
            costs = {Architecture.from_dict(c["architecture"]):
                     CandidateCost(**{k: c[k] for k in CandidateCost.__dataclass_fields__}) for c in document["costs"]}
            evaluated = [Evaluated.from_json(e) for e in document["evaluated"]]
            population = [Architecture.from_dict(a) for a in document["population"]]
            done = int(document["generations_done"])
            np.random.default_rng().bit_generator.state = document["rng"]  # refuses a malformed state
        except (KeyError, TypeError, ValueError, TinykitError) as error:
            raise damaged_file(path, error) from None
        start_over = "delete it to search from the first generation, or resume with the settings it was made with"
        differing = [k for k, v in self._identity().items() if identity[k] != v]
        if differing:
            raise TinykitError(f"{path} is the checkpoint of a search with other settings (its {', '.join(differing)} "
                               f"differ); {start_over}.")
        if done > self.settings.generations or not all(self.space.contains(a) for a in costs):
            raise TinykitError(f"{path} holds another search ({done} generations, or members of another space); "
                               f"{start_over}.")
        self.rng.bit_generator.state = document["rng"]
        self.costs = costs
        self.evaluated = {e.arch: e for e in evaluated}
        try:
            return done, [self.evaluated[a] for a in population]
        except KeyError:
            raise damaged_file(path, "a member of the population was never measured") from None
