"""tinykit/requantize.h against TFLite's reference requantization written out
in Python (gemmlowp's SaturatingRoundingDoublingHighMul and
RoundingDivideByPOT, as MultiplyByQuantizedMultiplier composes them).

The C side is the branch-free form the kernels use; this pins it to the
reference arithmetic on corners and seeded random operands, under -Werror and
the sanitizers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from tinykit.codegen.ops.conv import FC_SHARED_MAX_SHIFT, conv_channel_records, fc_blocks8_channels
from tinykit.resources import firmware_dir
from tinykit.schedule.kernels.conv import QUADS_ACCUMULATOR_LIMIT
from tinykit.verify.host import SANITIZER_FLAGS, STRICT_FLAGS

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def wrap32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def doubling_high_mul(a: int, b: int) -> int:
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    total = ab + nudge
    quotient = abs(total) // (1 << 31)  # C division truncates toward zero
    return quotient if total >= 0 else -quotient


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def requantize(x: int, multiplier: int, shift: int) -> int:
    left, right = max(shift, 0), max(-shift, 0)
    return rounding_divide_by_pot(doubling_high_mul(wrap32(x << left), multiplier), right)


def operands() -> list[tuple[int, int, int]]:
    rng = np.random.default_rng(17)
    xs = [0, 1, -1, INT32_MAX, INT32_MIN, 1 << 30, -(1 << 30), (1 << 30) + 1, -(1 << 30) - 1, 12345, -12345]
    xs += [int(v) for v in rng.integers(INT32_MIN, INT32_MAX, 200, endpoint=True)]
    xs += [int(v) for v in rng.integers(-(1 << 20), 1 << 20, 200)]
    multipliers = [1 << 30, INT32_MAX, INT32_MIN, 1, -1, 0, 1518500250]
    multipliers += [int(v) for v in rng.integers(1 << 30, 1 << 31, 12)]
    shifts = [-31, -30, -20, -12, -9, -8, -5, -2, -1, 0, 1, 2, 7]
    cases = [(x, m, s) for x in xs for m in multipliers[:3] for s in shifts]
    cases += [(x, int(rng.choice(multipliers)), int(rng.integers(-31, 8))) for x in xs for _ in range(12)]
    return cases


def compile_and_run(program: Path) -> str:
    """Build the C file ``program`` against the runtime headers (-Werror, sanitizers) and return its output."""
    binary = program.with_suffix("")
    subprocess.run(
        ["gcc", *STRICT_FLAGS, *SANITIZER_FLAGS, "-I", str(firmware_dir() / "runtime" / "include"), str(program),
         "-o", str(binary)],
        check=True, capture_output=True, text=True,
    )
    return subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout


def test_requantize_equals_the_reference_arithmetic(tmp_path: Path) -> None:
    cases = operands()
    rows = ",\n".join(f"    {{(int32_t)({x}LL), (int32_t)({m}LL), {s}}}" for x, m, s in cases)
    program = tmp_path / "requantize.c"
    program.write_text(
        "#include <stdio.h>\n#include \"tinykit/requantize.h\"\n\n"
        f"static const int32_t cases[][3] = {{\n{rows}\n}};\n\n"
        "int main(void)\n{\n"
        "    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; ++i) {\n"
        "        printf(\"%ld %ld\\n\", (long)tk_saturating_rounding_doubling_high_mul(cases[i][0], cases[i][1]),\n"
        "               (long)tk_requantize(cases[i][0], cases[i][1], cases[i][2]));\n"
        "    }\n    return 0;\n}\n"
    )
    lines = compile_and_run(program).split("\n")
    got = [tuple(int(v) for v in line.split()) for line in lines if line]
    expected = [(doubling_high_mul(x, m), requantize(x, m, s)) for x, m, s in cases]
    assert len(got) == len(expected)
    wrong = [(c, g, e) for c, g, e in zip(cases, got, expected) if g != e]
    assert wrong == [], "\n".join(f"{c}: C {g}, reference {e}" for c, g, e in wrong[:20])


def test_prepared_channel_records_requantize_as_the_reference(tmp_path: Path) -> None:
    """tinykit/conv_quads.h's single SMMLAR rounding from the records the build writes
    (tinykit.codegen.ops.conv.conv_channel_records) equals TFLite's two roundings plus the output
    offset for every right shift 1..31, multiplier 0 and offset, on accumulators across the range
    the build allows (QUADS_ACCUMULATOR_LIMIT): corners, random operands and near-ties."""
    rng = np.random.default_rng(23)
    limit = QUADS_ACCUMULATOR_LIMIT
    xs = [0, 1, -1, 2, -2, limit, -limit, limit - 1, -limit + 1, 12345, -12345]
    xs += [int(v) for v in rng.integers(-limit, limit, 60, endpoint=True)]
    xs += [int(v) for v in rng.integers(-(1 << 20), 1 << 20, 60)]
    multipliers = [1 << 30, INT32_MAX, 1518500250] + [int(v) for v in rng.integers(1 << 30, 1 << 31, 20)]
    cases = [(x, m, s, o) for x in xs for m in multipliers[:3] for s in range(-31, 0) for o in (-128, 0, 127)]
    cases += [(x, 0, 0, o) for x in xs for o in (-128, 0, 5, 127)]  # quantize_multiplier's (0, 0)
    for _ in range(4000):
        m, s, o = int(rng.choice(multipliers)), int(rng.integers(-31, 0)), int(rng.integers(-128, 128))
        # Accumulators whose scaled value lands within a step of a rounding tie.
        tie = (int(rng.integers(-2000, 2000)) * 2 + 1) << (30 - s)
        x = max(-limit, min(limit, tie // m + int(rng.integers(-2, 3))))
        cases.append((x, m, s, o))
    records = np.concatenate([conv_channel_records(np.zeros(1, dtype=np.int32), [(m, s)], o, np.zeros(1, dtype=bool)) for _, m, s, o in cases])
    words = ", ".join(f"(int32_t)({v}LL)" for v in records)
    xs_c = ", ".join(f"(int32_t)({x}LL)" for x, _, _, _ in cases)
    program = tmp_path / "ready.c"
    program.write_text(
        "#include <stdio.h>\n#include \"tinykit/conv_quads.h\"\n\n"
        f"static const int32_t records[] = {{{words}}};\nstatic const int32_t xs[] = {{{xs_c}}};\n\n"
        "int main(void)\n{\n"
        "    for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; ++i) {\n"
        "        printf(\"%ld\\n\", (long)tk_requant_ready(xs[i], records + i * TK_CONV_CHANNEL_WORDS));\n"
        "    }\n    return 0;\n}\n"
    )
    got = [int(v) for v in compile_and_run(program).split()]
    expected = [requantize(x, m, s) + o for x, m, s, o in cases]
    assert len(got) == len(expected)
    wrong = [(c, g, e) for c, g, e in zip(cases, got, expected) if g != e]
    assert wrong == [], "\n".join(f"{c}: C {g}, reference {e}" for c, g, e in wrong[:20])


def test_shared_fully_connected_record_requantizes_as_the_reference(tmp_path: Path) -> None:
    """cortexm/tk_fully_connected_blocks8_s8.c's shared form (``fc_blocks8_channels``): the output
    offset folded into the rounding constant as offset * 2^e, no offset added after the shift,
    equals TFLite's requantization plus the offset for every right shift up to FC_SHARED_MAX_SHIFT
    and the extreme offsets, on accumulators up to QUADS_ACCUMULATOR_LIMIT; a larger shift keeps a
    record per unit."""
    rng = np.random.default_rng(29)
    limit = QUADS_ACCUMULATOR_LIMIT
    xs = [0, 1, -1, limit, -limit, limit - 1, -limit + 1] + [int(v) for v in rng.integers(-limit, limit, 40)]
    multipliers = [1 << 30, INT32_MAX] + [int(v) for v in rng.integers(1 << 30, 1 << 31, 4)]
    cases = [(x, m, s, o) for x in xs for m in multipliers for s in range(-FC_SHARED_MAX_SHIFT, 0)
             for o in (-128, -1, 96, 127)]
    shared = []
    for m, s, o in sorted({(m, s, o) for _, m, s, o in cases}):
        records = conv_channel_records(np.zeros(2, dtype=np.int32), [(m, s)] * 2, o, np.zeros(2, dtype=bool))
        channels = fc_blocks8_channels(records, full_range=True)
        assert channels[0] == 1 and len(channels) == 4 + 2
        shared.append(((m, s, o), channels[1:4]))
    index = {key: i for i, (key, _) in enumerate(shared)}
    words = ", ".join(f"0, (int32_t)({m}LL), (int32_t)({k}LL), {e}, 0" for _, (m, k, e) in shared)
    rows = ", ".join(f"{{(int32_t)({x}LL), {index[(m, s, o)]}}}" for x, m, s, o in cases)
    program = tmp_path / "shared.c"
    program.write_text(
        "#include <stdio.h>\n#include \"tinykit/conv_quads.h\"\n\n"
        f"static const int32_t records[] = {{{words}}};\nstatic const int32_t cases[][2] = {{{rows}}};\n\n"
        "int main(void)\n{\n"
        "    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; ++i) {\n"
        "        printf(\"%ld\\n\", (long)tk_requant_ready(cases[i][0], records + cases[i][1] * TK_CONV_CHANNEL_WORDS));\n"
        "    }\n    return 0;\n}\n"
    )
    got = [int(v) for v in compile_and_run(program).split()]
    expected = [requantize(x, m, s) + o for x, m, s, o in cases]
    wrong = [(c, g, e) for c, g, e in zip(cases, got, expected) if g != e]
    assert len(got) == len(expected) and wrong == [], "\n".join(f"{c}: C {g}, reference {e}" for c, g, e in wrong[:20])
    beyond = conv_channel_records(np.zeros(2, dtype=np.int32), [(1 << 30, -FC_SHARED_MAX_SHIFT - 1)] * 2, 5,
                                  np.zeros(2, dtype=bool))
    assert fc_blocks8_channels(beyond, full_range=True)[0] == 0
    assert fc_blocks8_channels(records, full_range=False)[0] == 0
