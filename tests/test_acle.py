"""The portable C definitions of the ACLE intrinsics (tinykit/acle.h) that
the host builds of the cortexm/ kernels use, against the instructions'
architectural results written out here in Python (Arm ARM, Armv7-M A7.7).

Inputs are the corners (0, -1, the int8/int16/int32 extremes) and seeded
random words; the program builds under -Werror and UBSan, so a definition
that relies on undefined behaviour fails here too.
"""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path
from typing import Callable

import numpy as np

from tinykit.resources import firmware_dir
from tinykit.verify.host import SANITIZER_FLAGS, STRICT_FLAGS


def s32(u: int) -> int:
    u &= 0xFFFFFFFF
    return u - (1 << 32) if u & 0x80000000 else u


def lane(x: int, bits: int, index: int) -> int:
    v = (x >> (bits * index)) & ((1 << bits) - 1)
    return v - (1 << bits) if v >> (bits - 1) else v


def pack16(lo: int, hi: int) -> int:
    return s32((lo & 0xFFFF) | ((hi & 0xFFFF) << 16))


def sat(x: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, x))


# name -> (C expression over a, b, c, the Python result of that expression)
BINARY: dict[str, tuple[str, Callable[[int, int, int], int]]] = {
    "sxtb16": ("__sxtb16(a)", lambda a, b, c: pack16(lane(a, 8, 0), lane(a, 8, 2))),
    "sxtab16": ("__sxtab16(a, b)", lambda a, b, c: pack16(lane(a, 16, 0) + lane(b, 8, 0), lane(a, 16, 1) + lane(b, 8, 2))),
    "uxtb16": ("(int32_t)__uxtb16((uint32_t)a)", lambda a, b, c: s32(a & 0x00FF00FF)),
    "smuad": ("__smuad(a, b)", lambda a, b, c: s32(lane(a, 16, 0) * lane(b, 16, 0) + lane(a, 16, 1) * lane(b, 16, 1))),
    "smlad": ("__smlad(a, b, c)", lambda a, b, c: s32(c + lane(a, 16, 0) * lane(b, 16, 0) + lane(a, 16, 1) * lane(b, 16, 1))),
    "smladx": ("__smladx(a, b, c)", lambda a, b, c: s32(c + lane(a, 16, 0) * lane(b, 16, 1) + lane(a, 16, 1) * lane(b, 16, 0))),
    "smlabb": ("__smlabb(a, b, c)", lambda a, b, c: s32(c + lane(a, 16, 0) * lane(b, 16, 0))),
    "smlabt": ("__smlabt(a, b, c)", lambda a, b, c: s32(c + lane(a, 16, 0) * lane(b, 16, 1))),
    "smlatb": ("__smlatb(a, b, c)", lambda a, b, c: s32(c + lane(a, 16, 1) * lane(b, 16, 0))),
    "smlatt": ("__smlatt(a, b, c)", lambda a, b, c: s32(c + lane(a, 16, 1) * lane(b, 16, 1))),
    "qadd": ("__qadd(a, b)", lambda a, b, c: sat(a + b, -(1 << 31), (1 << 31) - 1)),
    "qsub": ("__qsub(a, b)", lambda a, b, c: sat(a - b, -(1 << 31), (1 << 31) - 1)),
    "ssat8": ("__ssat(a, 8)", lambda a, b, c: sat(a, -128, 127)),
    "ssat16": ("__ssat(a, 16)", lambda a, b, c: sat(a, -32768, 32767)),
    "usat8": ("(int32_t)__usat(a, 8)", lambda a, b, c: sat(a, 0, 255)),
    "ror8": ("(int32_t)tk_ror((uint32_t)a, 8)", lambda a, b, c: s32(((a & 0xFFFFFFFF) >> 8) | ((a & 0xFF) << 24))),
    "sxtb16_ror8": ("tk_sxtb16_ror8(a)", lambda a, b, c: pack16(lane(a, 8, 1), lane(a, 8, 3))),
    "sxtab16_ror8": ("tk_sxtab16_ror8(a, b)",
                     lambda a, b, c: pack16(lane(a, 16, 0) + lane(b, 8, 1), lane(a, 16, 1) + lane(b, 8, 3))),
    "smmlar": ("tk_smmlar(a, b, c)", lambda a, b, c: s32((((c & 0xFFFFFFFF) << 32) + a * b + (1 << 31)) >> 32)),
    "pkh_low": ("tk_pkh_low(a, b)", lambda a, b, c: pack16(lane(a, 16, 0), lane(b, 16, 0))),
    "pkh_high": ("tk_pkh_high(a, b)", lambda a, b, c: pack16(lane(a, 16, 1), lane(b, 16, 1))),
    "ror0": ("(int32_t)tk_ror((uint32_t)a, 0)", lambda a, b, c: a),
}


def operands() -> list[tuple[int, int, int]]:
    corners = [0, -1, 1, 127, -128, 0x7F7F7F7F, -0x7F7F7F80, 32767, -32768, 0x7FFF7FFF, -0x7FFF8000,
               (1 << 31) - 1, -(1 << 31), 0x12345678, -0x12345678]
    rng = np.random.default_rng(5)
    random = [int(v) for v in rng.integers(-(1 << 31), 1 << 31, size=60)]
    pairs = list(itertools.product(corners, corners))
    triples = [(a, b, c) for (a, b), c in zip(pairs, itertools.cycle(corners[::-1]))]
    triples += [tuple(random[i : i + 3]) for i in range(0, len(random), 3)]
    return triples


def c_int(v: int) -> str:
    return f"(int32_t)({v}LL)"


def test_portable_intrinsics_have_the_instructions_results(tmp_path: Path) -> None:
    cases = operands()
    lines = []
    for a, b, c in cases:
        lines.append(f"    {{ const int32_t a = {c_int(a)}, b = {c_int(b)}, c = {c_int(c)}; (void)b; (void)c;")
        lines += [f'      printf("%ld\\n", (long)({expr}));' for expr, _ in BINARY.values()]
        lines.append("    }")
    program = tmp_path / "acle.c"
    program.write_text("#include <stdio.h>\n#include \"tinykit/acle.h\"\n\nint main(void)\n{\n" + "\n".join(lines) + "\n    return 0;\n}\n")
    binary = tmp_path / "acle"
    subprocess.run(
        ["gcc", *STRICT_FLAGS, *SANITIZER_FLAGS, "-I", str(firmware_dir() / "runtime" / "include"), str(program), "-o", str(binary)],
        check=True, capture_output=True, text=True,
    )
    got = [int(v) for v in subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout.split()]
    expected = [fn(a, b, c) for a, b, c in cases for _, fn in BINARY.values()]
    names = [name for _ in cases for name in BINARY]
    operand_of = [abc for abc in cases for _ in BINARY]
    wrong = [(n, abc, g, e) for n, abc, g, e in zip(names, operand_of, got, expected) if g != e]
    assert len(got) == len(expected)
    assert wrong == [], "\n".join(f"{n}{abc}: C {g}, architecture {e}" for n, abc, g, e in wrong[:20])
