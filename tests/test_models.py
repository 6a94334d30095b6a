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

from tinykit.boards import get_board
from tinykit.verify.tflm import tflm_arena

pytestmark = pytest.mark.slow


# The portable reference kernels, and the optimized variants a Cortex-M7's
# features select (built on the host with the portable intrinsics; their
# scratch areas are planned in the arena too).
FEATURE_SETS = [pytest.param(frozenset(), id="reference"), pytest.param(get_board("qemu_m7").features, id="dsp")]


@pytest.mark.parametrize("features", FEATURE_SETS)
@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model_is_bit_exact_and_planned_tighter_than_tflm(
    name: str, features: frozenset[str], zoo_cache: Path, tmp_path: Path,
) -> None:
    tflite = converted(name, zoo_cache)
    model = tflite.read_bytes()
    plan = assert_bit_exact(model, tmp_path, samples=10, seed=1, sanitize=True, features=features, kernels="auto").plan
    assert plan.lower_bound <= plan.arena_bytes
    assert plan.arena_bytes % 16 == 0
    tflm = tflm_arena(model)
    # The DSP variants' scratch (tk_conv_s8's im2col columns) is planned in the arena too; with the
    # kernels' overlap rules (an output may start just below the input it replaces) the activations
    # leave room for it (ResNet-8 and tensor_shuffles exceeded tflite-micro's arena before).
    assert plan.arena_bytes <= tflm.head, f"tinykit arena {plan.arena_bytes} > tflite-micro head {tflm.head}"
