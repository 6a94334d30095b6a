"""How fast the architecture search builds and scores candidates on one core, written as JSON.

    .venv/bin/python -m benchmarks.search_candidates [--samples 200] [--board qemu_m7] [-o benchmarks/search_candidates.json]

For each keyword-spotting space, seeded members are built as int8 IR graphs
and checked by tinykit.legality (``candidate_graph``), then scored as
search-space optimisation scores them: kernel selection for the board and
the planner's fast mode (``candidate_cost``). Rates are per second of this
process's CPU time, so other work on the machine slows them less than wall
time. A measurement, not a test: nothing here passes or fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from benchmarks.environment import ROOT, environment
from tinykit.boards import get_board
from tinykit.search.candidate import candidate_graph
from tinykit.search.space import KWS_DSCNN_SPACE, KWS_MBV2_SPACE
from tinykit.search.space_choice import candidate_cost

SCHEMA = "tinykit-bench-search-candidates/1"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "search_candidates.json"
CLASSES = 12


def _per_cpu_second(count: int, work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return count / (time.process_time() - started)


def measure(samples: int, board: str, seed: int = 0) -> dict[str, dict[str, float]]:
    features = get_board(board).features
    results = {}
    for space in (KWS_DSCNN_SPACE, KWS_MBV2_SPACE):
        rng = np.random.default_rng(seed)
        archs = [space.sample(rng) for _ in range(samples)]
        candidate_graph(archs[0], CLASSES)  # imports and registries, outside the timing
        results[space.family] = {
            "built_and_checked_per_cpu_second": _per_cpu_second(
                samples, lambda: [candidate_graph(a, CLASSES) for a in archs]),
            "scored_per_cpu_second": _per_cpu_second(
                samples, lambda: [candidate_cost(a, CLASSES, features) for a in archs]),
            "mean_ops_per_candidate": float(np.mean([len(candidate_graph(a, CLASSES).ops) for a in archs])),
        }
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--board", default="qemu_m7")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    document = {"schema": SCHEMA, "environment": environment(), "board": args.board, "samples": args.samples,
                "spaces": measure(args.samples, args.board)}
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    print(json.dumps(document["spaces"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
