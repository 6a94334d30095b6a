"""Every kernel variant's overlap rule, run at its limit.

A variant's ``overlaps`` (tinykit/schedule/overlap.py) says how far below an
input its output may start. Here each variant runs one-op models on the host
(-Werror, AddressSanitizer, UndefinedBehaviorSanitizer; the DSP twins with the
portable intrinsics) with its output placed exactly ``min_distance`` bytes
below its input, sharing bytes with it, and every output byte must equal
tflite-micro's (which the op tests hold equal to disjoint buffers). One byte
closer, the plan checker must refuse the placement, and for the variants whose
rule is exact (``TIGHT``) some case must then compute wrong bytes: the rule
is not more cautious than the loop order needs.

A variant registered with an overlap rule but without cases in
``OVERLAP_CASES`` fails ``test_every_variant_with_an_overlap_rule_has_cases``;
the element-wise rule (``same_size_inputs``, distance 0) is exercised by the
op tests' in-place cases (``assert_in_place``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Callable

import tempfile

import numpy as np
import pytest
from bitexact import mismatches_at_distance
from test_op_conv import ConvCase, case_seed, conv_model, random_conv_case
from test_op_depthwise import DepthwiseCase, depthwise_model, random_depthwise_case
from test_op_fully_connected import FullyConnectedCase, fully_connected_model

from tinykit.frontend.tflite_reader import read_tflite
from tinykit.ir import Graph, OpKind
from tinykit.planner import check_no_overlap
from tinykit.planner.kernel_choice import memory_aware_kernels
from tinykit.schedule import Overlap, Schedule, variants_of
from tinykit.schedule.overlap import Order, Window, no_overlap, same_size_inputs, window_min_distance


def _conv(*cases: ConvCase) -> list[tuple[str, Callable[[], bytes]]]:
    return [(str(c), lambda c=c: conv_model(c, np.random.default_rng(case_seed(c)))) for c in cases]


def _depthwise(*cases: DepthwiseCase) -> list[tuple[str, Callable[[], bytes]]]:
    return [(str(c), lambda c=c: depthwise_model(c, np.random.default_rng(case_seed(c)))) for c in cases]


def _fully_connected(*cases: FullyConnectedCase) -> list[tuple[str, Callable[[], bytes]]]:
    return [(str(c), lambda c=c: fully_connected_model(c, np.random.default_rng(case_seed(c)))) for c in cases]


def _random(key: tuple[str, str], draw: Callable, model: Callable, count: int = 2,
            seeds: range = range(9000, 9600)) -> list[tuple[str, Callable[[], bytes]]]:
    """``count`` random cases (the op tests' generators, fixed seeds) that select ``key``
    and whose output can overlap its input at the rule's distance."""
    found = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in seeds:
            case = draw(np.random.default_rng(seed))
            path = Path(folder) / "model.tflite"
            path.write_bytes(model(case, np.random.default_rng(case_seed(case))))
            graph = read_tflite(path)
            (entry,) = _schedule(graph, key).ops
            (op,) = graph.ops
            if (entry.kernel, entry.variant) == key and \
                    -op.inputs[0].nbytes < entry.overlaps[0].min_distance < op.outputs[0].nbytes:
                found.append((f"random-{case}", lambda c=case: model(c, np.random.default_rng(case_seed(c)))))
            if len(found) == count:
                break
    return found


# The kernels mode each key's cases are built with: "fastest" runs the preferred variant, and
# tk_conv_quads_s8, never the fastest where it applies (tk_conv_triples_s8 and tk_conv_shallow_s8
# are), runs where the memory-aware choice takes it for its smaller scratch.
KERNEL_MODE = {("tk_conv_quads_s8", "dsp"): "auto"}


def _mode(key: tuple[str, str]) -> str:
    return KERNEL_MODE.get(key, "fastest")


def _schedule(graph: Graph, key: tuple[str, str]) -> Schedule:
    return memory_aware_kernels(graph, _features(key), _mode(key))


def _features(key: tuple[str, str]) -> frozenset[str]:
    # A kernel may be registered more than once (tk_depthwise_conv_c4_s8 at two preferences), always
    # needing the same features.
    (requires,) = {v.requires for kind in OpKind for v in variants_of(kind) if (v.kernel, v.variant) == key}
    return requires


# Windows that overlap (3x3 at stride 1), strides with more output than input channels over
# batches, and a KWS-like first layer (one input channel, a tall kernel, stride 2).
CONV_CASES = [
    ConvCase(1, 7, 6, 4, 4, 3, 3, 1, 1, 1, "SAME", "RELU", True, True),
    ConvCase(2, 9, 5, 3, 8, 3, 2, 2, 2, 1, "SAME", "NONE", True, True),
    ConvCase(1, 10, 4, 1, 16, 5, 3, 2, 1, 1, "VALID", "NONE", True, False),
]

# Keyed by (kernel, variant): one-op models that select it, shaped so that the
# output overlaps the input at the rule's distance (windows that overlap, more
# and fewer output than input channels, strides, padding, batches, groups),
# then random shapes from the op tests' generators.
OVERLAP_CASES: dict[tuple[str, str], list[tuple[str, Callable[[], bytes]]]] = {
    ("tk_conv_s8", "reference"): _conv(*CONV_CASES, ConvCase(1, 8, 8, 8, 3, 1, 1, 1, 1, 1, "VALID", "RELU6", False, True))
    + _random(("tk_conv_s8", "reference"), random_conv_case, conv_model),
    # The DSP build gives output channels in whole fours (one group) to the quads kernels, so the
    # pairs kernels' cases have one channel more.
    ("tk_conv_s8", "dsp"): _conv(*(replace(c, out_channels=c.out_channels + 1) for c in CONV_CASES),
                                 ConvCase(1, 6, 5, 6, 4, 3, 3, 1, 1, 1, "SAME", "NONE", True, True, groups=2))
    + _random(("tk_conv_s8", "dsp"), random_conv_case, conv_model),
    # Input depths in whole words go to the quads kernel (where the memory-aware choice prefers its
    # pixel pair to the triples' three widened patches: KERNEL_MODE), the others (first layers) to the
    # shallow one.
    ("tk_conv_quads_s8", "dsp"): _conv(*(replace(c, in_channels=4 * -(-c.in_channels // 4)) for c in CONV_CASES))
    + _random(("tk_conv_quads_s8", "dsp"), random_conv_case, conv_model),
    ("tk_conv_shallow_s8", "dsp"): _conv(*CONV_CASES[1:], ConvCase(1, 11, 9, 3, 8, 3, 3, 2, 2, 1, "SAME", "RELU6", True, True))
    + _random(("tk_conv_shallow_s8", "dsp"), random_conv_case, conv_model),
    ("tk_conv_triples_s8", "dsp"): _conv(
        ConvCase(1, 7, 6, 4, 4, 3, 3, 1, 1, 1, "SAME", "RELU", True, True),
        ConvCase(2, 9, 5, 8, 8, 3, 2, 2, 2, 1, "SAME", "NONE", True, True),
        ConvCase(1, 6, 7, 8, 6, 3, 3, 1, 1, 2, "VALID", "NONE", False, True),
        ConvCase(1, 8, 8, 16, 8, 3, 3, 1, 1, 1, "SAME", "NONE", True, True),
    ) + _random(("tk_conv_triples_s8", "dsp"), random_conv_case, conv_model),
    ("tk_conv_1x1_s8", "dsp"): _conv(
        ConvCase(1, 8, 8, 8, 7, 1, 1, 1, 1, 1, "VALID", "RELU6", False, True),
        ConvCase(1, 5, 7, 16, 5, 1, 1, 1, 1, 1, "SAME", "NONE", True, True),
        ConvCase(2, 3, 5, 4, 9, 1, 1, 1, 1, 1, "SAME", "RELU", True, True),
        ConvCase(1, 9, 9, 13, 6, 1, 1, 2, 2, 1, "SAME", "NONE", True, True),
    ) + _random(("tk_conv_1x1_s8", "dsp"), random_conv_case, conv_model),
    ("tk_conv_1x1_quads_s8", "dsp"): _conv(
        ConvCase(1, 8, 8, 8, 8, 1, 1, 1, 1, 1, "VALID", "RELU6", False, True),
        ConvCase(1, 5, 7, 16, 8, 1, 1, 1, 1, 1, "SAME", "NONE", True, True),
        ConvCase(2, 3, 5, 4, 12, 1, 1, 1, 1, 1, "SAME", "RELU", True, True),
        ConvCase(1, 9, 9, 12, 4, 1, 1, 2, 2, 1, "SAME", "NONE", True, True),
        ConvCase(1, 4, 5, 8, 6, 1, 1, 1, 1, 1, "VALID", "RELU", True, True),
    ),
    ("tk_depthwise_conv_s8", "reference"): _depthwise(
        DepthwiseCase(1, 8, 6, 4, 1, 3, 3, 1, 1, 1, "SAME", "RELU", True, True),
        DepthwiseCase(1, 9, 7, 3, 2, 3, 3, 2, 2, 1, "SAME", "NONE", True, True),
        DepthwiseCase(2, 6, 6, 5, 1, 5, 3, 1, 1, 1, "VALID", "RELU6", False, True),
    ) + _random(("tk_depthwise_conv_s8", "reference"), random_depthwise_case, depthwise_model),
    ("tk_depthwise_conv_3x3_s8", "dsp"): _depthwise(
        DepthwiseCase(1, 14, 6, 8, 1, 3, 3, 1, 1, 1, "SAME", "RELU", True, True),
        DepthwiseCase(1, 9, 7, 6, 1, 3, 3, 2, 2, 1, "SAME", "NONE", True, True),
        DepthwiseCase(2, 5, 5, 10, 1, 3, 3, 1, 1, 1, "VALID", "RELU6", True, False),
        # taller than wide at stride 1 (the kernel walks columns, as on KWS's 25x5), stride 3 by 2
        DepthwiseCase(1, 25, 5, 8, 1, 3, 3, 1, 1, 1, "SAME", "NONE", True, True),
        DepthwiseCase(2, 9, 4, 6, 1, 3, 3, 1, 1, 1, "SAME", "RELU", False, True),
        DepthwiseCase(1, 10, 11, 7, 1, 3, 3, 3, 2, 1, "VALID", "NONE", True, True),
    ) + _random(("tk_depthwise_conv_3x3_s8", "dsp"), random_depthwise_case, depthwise_model),
    # Channels in whole words go to tk_depthwise_conv_c4_s8, so the general kernel's cases have a tail.
    ("tk_depthwise_conv_dm1_s8", "dsp"): _depthwise(
        DepthwiseCase(1, 8, 6, 9, 1, 5, 5, 1, 1, 1, "SAME", "RELU", True, True),
        DepthwiseCase(1, 9, 9, 5, 1, 3, 3, 1, 1, 2, "SAME", "NONE", True, True),
        DepthwiseCase(1, 10, 6, 6, 1, 5, 3, 2, 1, 1, "VALID", "NONE", True, True),
    ) + _random(("tk_depthwise_conv_dm1_s8", "dsp"), random_depthwise_case, depthwise_model),
    ("tk_depthwise_conv_c4_s8", "dsp"): _depthwise(
        DepthwiseCase(1, 8, 6, 8, 1, 5, 5, 1, 1, 1, "SAME", "RELU", True, True),
        DepthwiseCase(1, 9, 9, 12, 1, 3, 3, 1, 1, 2, "SAME", "NONE", True, True),
        DepthwiseCase(1, 10, 6, 4, 1, 5, 3, 2, 1, 1, "VALID", "NONE", True, True),
        DepthwiseCase(2, 12, 1, 8, 1, 4, 1, 1, 1, 1, "SAME", "RELU6", False, True),
        # 3x3 where it beats the ring kernel: strided, and a small plane at stride 1
        DepthwiseCase(1, 9, 7, 8, 1, 3, 3, 2, 2, 1, "SAME", "NONE", True, True),
        DepthwiseCase(2, 3, 3, 12, 1, 3, 3, 1, 1, 1, "SAME", "RELU", True, True),
    ) + _random(("tk_depthwise_conv_c4_s8", "dsp"), random_depthwise_case, depthwise_model),
    ("tk_fully_connected_s8", "reference"): _fully_connected(
        FullyConnectedCase((6, 16), 8, "NONE", True, True),
        FullyConnectedCase((5, 7), 12, "RELU", False, True),
    ),
    ("tk_fully_connected_folded_s8", "dsp"): _fully_connected(
        FullyConnectedCase((6, 16), 8, "NONE", True, True),
        FullyConnectedCase((5, 7), 12, "RELU", False, False),
    ),
    ("tk_fully_connected_blocks8_s8", "dsp"): _fully_connected(
        FullyConnectedCase((9, 16), 8, "NONE", True, True),
        FullyConnectedCase((5, 37), 12, "RELU", False, False),
    ),
}

# Variants whose rule is exact, and how many bytes closer than its distance some case computes
# wrong bytes: 1 for tk_conv_s8 (dsp), the quads and shallow kernels (a pixel pair's inputs all read before
# its writes); 2 for the depthwise kernels of depth multiplier 1, whose
# rule (Order.CHANNEL_BY_CHANNEL) adds a byte so that it holds at every distance above it (one
# byte closer, a whole number of pixels, is still right; two is not). The other variants
# (Order.WRITES_DURING_READS) assume a pixel's writes may all precede its reads; their last
# channels are in fact written after the last reads, so they are cautious by up to that many bytes.
# tk_depthwise_conv_3x3_s8 (dsp) writes whole channel planes, so its rule is exactly 0 (``max_distance``):
# one byte either way lands on a channel still to be read.
TIGHT = {("tk_conv_s8", "dsp"): 1, ("tk_conv_quads_s8", "dsp"): 1, ("tk_conv_1x1_quads_s8", "dsp"): 1,
         ("tk_conv_shallow_s8", "dsp"): 1, ("tk_conv_triples_s8", "dsp"): 1,
         ("tk_depthwise_conv_s8", "reference"): 2,
         ("tk_depthwise_conv_3x3_s8", "dsp"): 1, ("tk_depthwise_conv_dm1_s8", "dsp"): 2,
         ("tk_depthwise_conv_c4_s8", "dsp"): 2}


def _variant_cases() -> list:
    return [pytest.param(key, name, make, id=f"{key[0]}-{key[1]}-{name}")
            for key, cases in OVERLAP_CASES.items() for name, make in cases]


def test_every_variant_with_an_overlap_rule_has_cases() -> None:
    ruled = {(v.kernel, v.variant) for kind in OpKind for v in variants_of(kind)
             if v.overlaps not in (no_overlap, same_size_inputs)}
    assert ruled - set(OVERLAP_CASES) == set(), "add cases to OVERLAP_CASES for these variants' overlap rules"


def _rule(model: bytes, key: tuple[str, str], tmp_path: Path) -> tuple[Overlap, int, int]:
    """The model's one op's overlap rule under ``key``'s features (checking that it selects
    ``key``), its output bytes and its input bytes."""
    tmp_path.mkdir()
    (tmp_path / "model.tflite").write_bytes(model)
    graph = read_tflite(tmp_path / "model.tflite")
    (entry,) = _schedule(graph, key).ops
    assert (entry.kernel, entry.variant) == key
    (rule,) = entry.overlaps
    (op,) = graph.ops
    return rule, op.outputs[0].nbytes, op.inputs[0].nbytes


@pytest.mark.parametrize(("key", "name", "make"), _variant_cases())
def test_output_at_the_rule_distance_below_its_input_is_bit_exact(
    key: tuple[str, str], name: str, make: Callable[[], bytes], tmp_path: Path,
) -> None:
    model = make()
    features = _features(key)
    rule, out_bytes, in_bytes = _rule(model, key, tmp_path / "rule")
    assert -in_bytes < rule.min_distance < out_bytes, f"{name}: the buffers cannot overlap at {rule.min_distance}"
    compiled, mismatched, compared = mismatches_at_distance(model, tmp_path / "at", rule.min_distance, features, kernels=_mode(key))
    assert compiled.plan.used_overlaps(), "the placement does not overlap output and input"
    assert check_no_overlap(compiled.plan) == []
    assert mismatched == 0, f"{mismatched} of {compared} bytes differ at distance {rule.min_distance}"
    closer, _, _ = mismatches_at_distance(model, tmp_path / "closer", rule.min_distance - 1, features, samples=1,
                                     kernels=_mode(key))
    assert any("only" in problem for problem in check_no_overlap(closer.plan))
    if rule.max_distance is not None:  # a bounded rule: safe up to its end, refused past it
        if rule.max_distance != rule.min_distance:
            _, mismatched, compared = mismatches_at_distance(model, tmp_path / "end", rule.max_distance, features,
                                                          kernels=_mode(key))
            assert mismatched == 0, f"{mismatched} of {compared} bytes differ at distance {rule.max_distance}"
        farther, _, _ = mismatches_at_distance(model, tmp_path / "farther", rule.max_distance + 1, features,
                                              kernels=_mode(key))
        assert any("only" in problem for problem in check_no_overlap(farther.plan))


def _some_case_is_wrong(key: tuple[str, str], tmp_path: Path, distance: Callable[[Overlap], int | None]) -> bool | None:
    """Whether some case of ``key`` computes wrong bytes at ``distance(rule)`` (None when the
    rule has no such distance: an unbounded rule has no distance past its end)."""
    features = _features(key)
    tmp_path.mkdir()
    for number, (_, make) in enumerate(OVERLAP_CASES[key]):
        model = make()
        rule, _, _ = _rule(model, key, tmp_path / f"rule{number}")
        placed = distance(rule)
        if placed is None:
            return None
        _, mismatched, _ = mismatches_at_distance(model, tmp_path / f"case{number}", placed, features, kernels=_mode(key))
        if mismatched:
            return True
    return False


@pytest.mark.parametrize("key", sorted(TIGHT), ids="-".join)
def test_closer_than_the_rule_some_case_is_wrong(key: tuple[str, str], tmp_path: Path) -> None:
    closer = _some_case_is_wrong(key, tmp_path / "closer", lambda rule: rule.min_distance - TIGHT[key])
    assert closer, f"{key}: every case is still right {TIGHT[key]} bytes closer than the rule: it is not tight"
    farther = _some_case_is_wrong(
        key, tmp_path / "farther", lambda rule: None if rule.max_distance is None else rule.max_distance + 1)
    assert farther is not False, f"{key}: every case is still right 1 byte past the rule's largest distance: it is not tight"


# --- the distance formula on hand-worked windows ----------------------------------------------


def _window(shape: tuple[int, int, int, int], out_c: int, kernel: int, stride: int = 1, pad: int = 0) -> Window:
    n, h, w, _ = shape
    out = (n, (h + 2 * pad - kernel) // stride + 1, (w + 2 * pad - kernel) // stride + 1, out_c)
    return Window(shape, out, (kernel, kernel), (stride, stride), (1, 1), (pad, pad))


def test_three_by_three_stride_one_writes_w_plus_two_pixels_below():
    # 5x5x4, SAME: interior pixel q reads input pixels from q - W - 1 on, and that pixel's last reader
    # is q itself, so q's writes (ending at (q + 1) * C) stay below (q - W - 1) * C: (W + 2) * C = 28.
    assert window_min_distance(_window((1, 5, 5, 4), 4, 3, pad=1), 1, Order.WRITES_DURING_READS) == 28


def test_depthwise_channel_by_channel_writes_w_plus_one_pixels_and_a_byte_below():
    # Channel c of pixel q lands on channel c of pixel q - W - 1 (read, or dead) at (W + 1) * C = 24;
    # at any distance that is not a whole number of pixels it lands on a higher channel of the pixel
    # below, which must be dead: beyond the lowest pixel q still reads (q - W - 1) by a byte.
    assert window_min_distance(_window((1, 5, 5, 4), 4, 3, pad=1), 1, Order.CHANNEL_BY_CHANNEL) == 25


def test_pointwise_pairs_in_place_only_when_their_reads_come_first():
    pointwise = _window((1, 4, 4, 8), 8, 1)
    # Each output channel pair of pixels q, q + 1 re-reads both: the pair writes 2 pixels below.
    assert window_min_distance(pointwise, 2, Order.WRITES_DURING_READS) == 16
    # Read into a buffer first, the pair may write exactly over itself.
    assert window_min_distance(pointwise, 2, Order.WRITES_AFTER_READS) == 0


def test_pixel_pairs_restart_in_every_image():
    # Two images of 1x3 pixels, 1 channel in, 4 out: pairs [0, 1], [2], [3, 4], [5]; the last writes
    # up to 6 * 4 = 24 while pixel 5 (byte 5) is still to be read: 24 - 5 = 19.
    assert window_min_distance(_window((2, 1, 3, 1), 4, 1), 2, Order.WRITES_DURING_READS) == 19


def test_more_output_than_input_puts_the_input_at_the_output_tail():
    # 1x1, 2 -> 6 channels over 10 pixels, one at a time, read before written: pixel 8's output
    # ends at 54 while pixel 9's input (from byte 18) is still to be read; the last pixel may write
    # anywhere. So the input may start 36 bytes above the output: 4 below tail-aligned (60 - 20 = 40).
    assert window_min_distance(_window((1, 1, 10, 2), 6, 1), 1, Order.WRITES_AFTER_READS) == 54 - 18
