"""Arena: tinykit's planned arena against the arena tflite-micro allocates for the same model."""

from __future__ import annotations

from tinykit.build import CompiledModel
from tinykit.verify.tflm import tflm_arena


def compare_arenas(compiled: CompiledModel) -> dict:
    """Both arenas in bytes and their ratios (below 1: tinykit needs less).

    tflite-micro's ``head`` is its planned activation and scratch space, the
    same thing tinykit's arena holds; its ``tail`` holds the interpreter's
    persistent bookkeeping, which tinykit's generated code keeps in flash as
    constants instead, so the total is the fair whole-RAM comparison.
    """
    tinykit_bytes = compiled.plan.arena_bytes
    tflm = tflm_arena(compiled.tflite.read_bytes())
    return {
        "tinykit_bytes": tinykit_bytes,
        "tinykit_lower_bound_bytes": compiled.plan.lower_bound,
        "tflm_head_bytes": tflm.head,
        "tflm_tail_bytes": tflm.tail,
        "tflm_total_bytes": tflm.total,
        "ratio_tinykit_to_tflm_head": tinykit_bytes / tflm.head,
        "ratio_tinykit_to_tflm_total": tinykit_bytes / tflm.total,
    }
