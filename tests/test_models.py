"""Whole models, converted from Keras by tinykit, bit-exact with tflite-micro.

Each zoo model (MLPerf Tiny's four reference networks, a MobileNetV2 block
stack, and models that bring in CONCATENATION, PAD, MAX_POOL_2D, LOGISTIC and
the data-movement ops) goes through the real pipeline; the generated C is compiled with
-Werror, AddressSanitizer and UndefinedBehaviorSanitizer, and every output
byte is compared with tflite-micro for random inputs. The memory plan must not
overlap live tensors and must not be larger than tflite-micro's own plan.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bitexact import assert_bit_exact
from zoo import ZOO, converted

from tinykit.verify.tflm import tflm_arena

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model_is_bit_exact_and_planned_tighter_than_tflm(name: str, zoo_cache: Path, tmp_path: Path) -> None:
    tflite = converted(name, zoo_cache)
    model = tflite.read_bytes()
    plan = assert_bit_exact(model, tmp_path, samples=10, seed=1, sanitize=True).plan
    assert plan.lower_bound <= plan.arena_bytes
    assert plan.arena_bytes % 16 == 0
    tflm = tflm_arena(model)
    assert plan.arena_bytes <= tflm.head, f"tinykit arena {plan.arena_bytes} > tflite-micro head {tflm.head}"
