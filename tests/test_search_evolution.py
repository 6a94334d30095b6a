"""The evolutionary search on its own, with the real costs (tinykit.latency on qemu_m7) and, in place of the
super-network's accuracy, the candidate's MACs as its score (more compute scoring higher, as MCUNet's space
choice assumes): every measured candidate fits the budgets, the search is reproducible from its seed, the
process pool costs exactly as this process does, and the Pareto front is the non-dominated set."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tinykit.boards import get_board
from tinykit.kws.dataset import LABELS
from tinykit.latency.model import load_latency
from tinykit.latency.resources import load_flash
from tinykit.search.evolution import (CandidateCost, Coster, Evaluated, Evolution, EvolutionSettings, SearchBudgets,
                                      pareto_front)
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


def _search(coster: Coster, seed: int) -> tuple[Evolution, list[Evaluated]]:
    def score(arch) -> float:
        return coster(arch).macs / 1e6

    evolution = Evolution(SPACE, BUDGETS, coster, score, SerialExecutor(), SETTINGS, seed)
    return evolution, evolution.run()


def test_every_measured_candidate_fits_and_the_search_is_reproducible(coster: Coster) -> None:
    evolution, evaluated = _search(coster, seed=3)
    assert len(evaluated) > SETTINGS.population
    assert all(not BUDGETS.over(e.cost) for e in evaluated)
    assert any(BUDGETS.over(c) for c in evolution.costs.values())  # the latency budget binds: the test can fail
    _, again = _search(coster, seed=3)
    assert [e.arch for e in again] == [e.arch for e in evaluated]


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
