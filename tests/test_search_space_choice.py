"""Search-space optimisation (MCUNet's heuristic) on the DS-CNN keyword-spotting
space: budgets decide which (width multiplier, resolution) pair is chosen,
fitting members really fit, a build never plans a larger arena than the
search's fast mode, and impossible budgets are refused naming the binding one."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tinykit.boards import get_board
from tinykit.errors import TinykitError
from tinykit.latency.model import load_latency
from tinykit.latency.resources import load_flash
from tinykit.planner.kernel_choice import memory_aware_kernels
from tinykit.planner.plan import plan_graph
from tinykit.search.candidate import candidate_graph
from tinykit.search.evolution import Coster
from tinykit.search.space import KWS_DSCNN_SPACE
from tinykit.search.space_choice import MIN_FITTING_SHARE, BoardModels, Budgets, candidate_cost, choose_space

CLASSES = 12
BOARD = get_board("qemu_m7")
FEATURES = BOARD.features
MODELS = BoardModels(BOARD, load_flash(BOARD), load_latency(BOARD.name))
# Two pairs only, so each test costs a second: half and full width at MLPerf's resolution.
SPACE = dataclasses.replace(KWS_DSCNN_SPACE, width_mults=(0.5, 1.0), resolutions=((49, 10),))


def test_without_budgets_the_pair_with_the_most_compute_is_chosen():
    chosen, stats = choose_space(SPACE, CLASSES, FEATURES, Budgets(), samples=10, seed=0)
    assert chosen == SPACE.narrowed(1.0, (49, 10))
    assert all(s.fitting == 10 for s in stats)
    assert stats[1].mean_fitting_macs > stats[0].mean_fitting_macs


def test_an_arena_budget_only_half_width_members_meet_chooses_half_width():
    full = SPACE.narrowed(1.0, (49, 10))
    budget = candidate_cost(full.smallest(), CLASSES, FEATURES).arena_bytes - 1
    chosen, stats = choose_space(SPACE, CLASSES, FEATURES, Budgets(arena_bytes=budget), samples=10, seed=0)
    assert chosen.width_mults == (0.5,)
    half, whole = stats
    assert whole.fitting == 0 and half.fitting > 0
    assert half.fitting == sum(c.arena_bytes <= budget for c in half.costs)
    low, mid, high = half.macs_quantiles(Budgets(arena_bytes=budget))
    assert low <= mid <= high <= max(c.macs for c in half.costs)


def test_choices_are_reproducible_from_the_seed():
    def costs(seed):
        return choose_space(SPACE, CLASSES, FEATURES, Budgets(), samples=5, seed=seed)[1][0].costs

    assert costs(1) == costs(1)
    assert costs(1) != costs(2)


def test_a_build_plans_no_larger_arena_than_the_searchs_fast_mode():
    rng = np.random.default_rng(3)
    for _ in range(3):
        arch = KWS_DSCNN_SPACE.sample(rng)
        graph = candidate_graph(arch, CLASSES)
        built = plan_graph(graph, memory_aware_kernels(graph, FEATURES)).arena_bytes
        assert built <= candidate_cost(arch, CLASSES, FEATURES).arena_bytes


def test_budgets_no_member_meets_name_the_binding_budget_and_the_distance():
    smallest = candidate_cost(SPACE.smallest(), CLASSES, FEATURES)
    budgets = Budgets(arena_bytes=1000, weight_bytes=smallest.weight_bytes)
    with pytest.raises(TinykitError, match=f"arena exceeds the arena budget of 1,000 bytes by "
                                           f"{smallest.arena_bytes - 1000:,} bytes") as error:
        choose_space(SPACE, CLASSES, FEATURES, budgets, samples=3)
    assert "weights" not in str(error.value)


def test_a_latency_budget_only_half_width_members_meet_chooses_half_width():
    full = SPACE.narrowed(1.0, (49, 10))
    budget = candidate_cost(full.smallest(), CLASSES, FEATURES, MODELS).latency_ms - 0.01
    chosen, stats = choose_space(SPACE, CLASSES, FEATURES, Budgets(latency_ms=budget), samples=10, seed=0,
                                 models=MODELS)
    assert chosen.width_mults == (0.5,)
    half, whole = stats
    assert whole.fitting == 0 and half.fitting == sum(c.latency_ms <= budget for c in half.costs) > 0
    # Without a latency model the same budget cannot be costed, and every member fits.
    assert choose_space(SPACE, CLASSES, FEATURES, Budgets(latency_ms=budget), samples=10, seed=0)[0] == \
        SPACE.narrowed(1.0, (49, 10))


def test_the_space_choice_latency_is_a_lower_bound_of_the_builds_predicted_latency():
    # The build swaps the fastest kernels only for slower ones that save arena, so a member over the latency
    # budget in the space choice is over it in the search's full costing too: no pair that could fit is dropped.
    coster = Coster(BOARD, MODELS.flash, MODELS.latency, CLASSES)
    rng = np.random.default_rng(5)
    for _ in range(4):
        arch = KWS_DSCNN_SPACE.sample(rng)
        cheap, full = candidate_cost(arch, CLASSES, FEATURES, MODELS), coster(arch)
        assert cheap.latency_ms <= full.latency_ms
        # ... and its SRAM never below: the memory-aware choice swaps kernels only to save arena.
        assert cheap.sram_bytes >= full.sram_bytes and cheap.arena_bytes >= full.arena_bytes
        assert cheap.weight_bytes == graph_weights(arch)


def graph_weights(arch) -> int:
    return candidate_graph(arch, CLASSES).weight_bytes()


def test_an_sram_budget_counts_the_whole_builds_sram_not_just_the_arena():
    # The SRAM budget binds on arena plus the runtime's static RAM and stack: a budget the full-width smallest
    # member's arena meets but its SRAM breaks leaves only half-width members.
    full = SPACE.narrowed(1.0, (49, 10))
    smallest = candidate_cost(full.smallest(), CLASSES, FEATURES, MODELS)
    budget = smallest.sram_bytes - 1
    assert smallest.arena_bytes < budget
    chosen, stats = choose_space(SPACE, CLASSES, FEATURES, Budgets(sram_bytes=budget), samples=10, seed=0,
                                 models=MODELS)
    assert chosen.width_mults == (0.5,) and stats[1].fitting == 0
    assert stats[0].fitting == sum(c.sram_bytes <= budget for c in stats[0].costs) > 0


def test_a_latency_budget_no_member_meets_names_latency_and_the_distance():
    smallest = candidate_cost(SPACE.smallest(), CLASSES, FEATURES, MODELS)
    with pytest.raises(TinykitError, match=f"latency exceeds the latency budget of 1.0 ms by "
                                           f"{smallest.latency_ms - 1:,.2f} ms"):
        choose_space(SPACE, CLASSES, FEATURES, Budgets(latency_ms=1.0), samples=3, models=MODELS)


def test_a_pair_where_few_members_fit_loses_to_one_where_enough_do():
    _, unbounded = choose_space(SPACE, CLASSES, FEATURES, Budgets(), samples=10, seed=0, models=MODELS)
    budget = min(c.sram_bytes for c in unbounded[1].costs)  # the same samples: one full-width member fits
    chosen, stats = choose_space(SPACE, CLASSES, FEATURES, Budgets(sram_bytes=budget), samples=10, seed=0,
                                 models=MODELS)
    half, whole = stats
    assert 0 < whole.fitting < MIN_FITTING_SHARE * 10 <= half.fitting
    assert whole.mean_fitting_macs > half.mean_fitting_macs  # the mean alone would choose full width
    assert chosen.width_mults == (0.5,)
