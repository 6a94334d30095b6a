"""The evolutionary search on its own, with the real costs (tinykit.latency on qemu_m7) and, in place of the
super-network's accuracy, the candidate's MACs as its score (more compute scoring higher, as MCUNet's space
choice assumes): every measured candidate fits the budgets, the search is reproducible from its seed, an
interrupted search resumes from its checkpoint to the uninterrupted result, a damaged or foreign checkpoint is
refused clearly, the process pool costs exactly as this process does, and the Pareto front is the non-dominated
set."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from tinykit.boards import get_board
from tinykit.errors import TinykitError
from tinykit.kws.dataset import LABELS
from tinykit.latency.model import load_latency
from tinykit.latency.resources import load_flash
from tinykit.search.evolution import (CandidateCost, Coster, Evaluated, Evolution, EvolutionSettings, Generation,
                                      SearchBudgets, finished_generations, pareto_front)
from tinykit.search.executors import ProcessExecutor, SerialExecutor
from tinykit.search.run import QUICK_SPACE

BOARD = "qemu_m7"
SPACE = QUICK_SPACE.narrowed(1.0, (49, 10))
BUDGETS = SearchBudgets(sram_bytes=64 * 1024, flash_bytes=256 * 1024, latency_ms=40.0)
SETTINGS = EvolutionSettings(population=4, generations=3, parents=2, attempts=5)


@pytest.fixture(scope="module")
def coster() -> Coster:
    board = get_board(BOARD)
    return Coster(board, load_flash(board), load_latency(BOARD), len(LABELS))


def _evolution(coster: Coster, seed: int, settings: EvolutionSettings = SETTINGS,
               budgets: SearchBudgets = BUDGETS) -> Evolution:
    return Evolution(SPACE, budgets, coster, SerialExecutor(), settings, seed)


def _macs(coster: Coster) -> Callable:
    """A deterministic stand-in for accuracy: the member's MACs (in millions)."""
    def score(arch) -> float:
        return coster(arch).macs / 1e6
    return score


def _search(coster: Coster, seed: int) -> tuple[Evolution, list[Evaluated]]:
    evolution = _evolution(coster, seed)
    return evolution, evolution.run(_macs(coster))


class Interrupted(Exception):
    """Stands for Ctrl-C."""


def test_every_measured_candidate_fits_and_the_search_is_reproducible(coster: Coster) -> None:
    evolution, evaluated = _search(coster, seed=3)
    assert len(evaluated) > SETTINGS.population
    assert all(not BUDGETS.over(e.cost) for e in evaluated)
    assert any(BUDGETS.over(c) for c in evolution.costs.values())  # the latency budget binds: the test can fail
    _, again = _search(coster, seed=3)
    assert [e.arch for e in again] == [e.arch for e in evaluated]


def _interrupt_after(generations: int) -> Callable[[Generation], None]:
    def report(generation: Generation) -> None:
        if generation.index + 1 == generations:
            raise Interrupted
    return report


def _interrupt_measuring(coster: Coster, calls: int) -> Callable:
    """The score, raising at its ``calls``-th call: an interrupt in the middle of a generation."""
    count = [0]

    def score(arch) -> float:
        count[0] += 1
        if count[0] == calls:
            raise Interrupted
        return coster(arch).macs / 1e6
    return score


@pytest.mark.parametrize("where", ["between generations", "while measuring"])
def test_an_interrupted_search_resumes_to_the_uninterrupted_result(coster: Coster, tmp_path: Path, where: str) -> None:
    straight, expected = _search(coster, seed=3)
    checkpoint = tmp_path / "evolution.json"
    with pytest.raises(Interrupted):
        if where == "between generations":
            _evolution(coster, 3).run(_macs(coster), _interrupt_after(2), checkpoint)
        else:
            # The first generation measures SETTINGS.population members; die in the second one.
            _evolution(coster, 3).run(_interrupt_measuring(coster, SETTINGS.population + 1), checkpoint=checkpoint)
    done = finished_generations(checkpoint)
    assert done == (2 if where == "between generations" else 1)
    measured_before = len(json.loads(checkpoint.read_text())["evaluated"])

    seen: list[Generation] = []
    resumed = _evolution(coster, 3)
    evaluated = resumed.run(_macs(coster), seen.append, checkpoint)
    assert [g.index for g in seen] == list(range(done, SETTINGS.generations))
    assert evaluated == expected  # architectures, costs and accuracies, in the order measured
    assert list(resumed.costs.items()) == list(straight.costs.items())
    assert len(evaluated) > measured_before  # the resumed run did measure the rest
    assert finished_generations(checkpoint) == SETTINGS.generations
    assert resumed.run(_macs(coster), checkpoint=checkpoint) == expected  # a finished search only reads its checkpoint back


def test_a_damaged_or_foreign_checkpoint_is_refused_clearly(coster: Coster, tmp_path: Path) -> None:
    checkpoint = tmp_path / "evolution.json"
    _evolution(coster, 3).run(_macs(coster), checkpoint=checkpoint)
    whole = checkpoint.read_text()

    def refused(evolution: Evolution, *phrases: str) -> None:
        with pytest.raises(TinykitError) as error:
            evolution.run(_macs(coster), checkpoint=checkpoint)
        for phrase in (str(checkpoint), *phrases):
            assert phrase in str(error.value)

    checkpoint.write_text(whole[:len(whole) // 2])
    refused(_evolution(coster, 3), "damaged", "delete it")
    with pytest.raises(TinykitError, match="damaged"):
        finished_generations(checkpoint)
    checkpoint.write_text(whole.replace('"population"', '"populace"'))
    refused(_evolution(coster, 3), "damaged", "delete it")
    checkpoint.write_text(whole)
    refused(_evolution(coster, 4), "other settings", "seed")
    refused(_evolution(coster, 3, settings=replace(SETTINGS, population=5)), "other settings", "settings")


def test_the_first_generation_is_drawn_before_any_accuracy_and_refuses_budgets_no_sample_meets(coster: Coster) -> None:
    early = _evolution(coster, 3)
    first = early.first_generation()  # costing only: the search calls it before training the super-network
    assert first and all(not BUDGETS.over(early.costs[a]) for a in first)
    _, straight = _search(coster, seed=3)
    assert [e.arch for e in early.run(_macs(coster))] == [e.arch for e in straight]  # drawing it early changes nothing
    # The space's members all need more than 1 KB of SRAM: refused before any accuracy is asked for.
    tight = _evolution(coster, 3, budgets=replace(BUDGETS, sram_bytes=1024))
    with pytest.raises(TinykitError, match=r"none of the \d+ sampled members .* \(broken: sram by \d+"):
        tight.first_generation()


def test_the_process_pool_costs_exactly_as_this_process(coster: Coster) -> None:
    archs = [SPACE.largest(), SPACE.smallest()]
    pool = ProcessExecutor(2)
    try:
        assert pool.map(coster, archs) == SerialExecutor().map(coster, archs)
    finally:
        pool.close()


def test_the_front_is_the_non_dominated_set() -> None:
    def candidate(accuracy: float, latency: float, sram: int, width: int) -> Evaluated:
        arch = SPACE.smallest()
        arch = replace(arch, stages=(replace(arch.stages[0], width=width), *arch.stages[1:]))
        return Evaluated(arch, CandidateCost(0, 0, 0, 0, sram, latency), accuracy)

    a, b, c, d = candidate(0.9, 10, 30_000, 16), candidate(0.8, 5, 30_000, 32), candidate(0.7, 6, 30_000, 20), \
        candidate(0.7, 5, 20_000, 24)
    assert pareto_front([c, a, b, d]) == [a, b, d]  # c is worse than b on accuracy and latency, equal on SRAM
