"""cortexm/tk_depthwise_conv_3x3_s8.c lets its output exactly overlay its input
(same base address): it writes channel c of an output pixel over the input
byte of the same pixel index and channel, which that channel has already
widened into its ring. One host program (portable intrinsics, AddressSanitizer
and UndefinedBehaviorSanitizer) runs each layer twice, into a separate
buffer and in place, and the output bytes must be equal; the separate run's
bit-exactness with tflite-micro is tests/test_op_depthwise.py's.

Any other overlap is not allowed (channel c's writes land on bytes of later
channels), which is why the kernel's overlap rule is "exactly 0 or disjoint".
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from tinykit.ir import Padding, conv_output_size, conv_padding_before
from tinykit.resources import firmware_dir
from tinykit.verify.host import SANITIZER_FLAGS, STRICT_FLAGS

# (batch, height, width, channels, stride_h, stride_w, padding, full-range clamp):
# by rows and by columns (stride 1 SAME, taller than wide), strides 2 and 3, VALID.
CASES = [
    (1, 8, 8, 5, 1, 1, Padding.SAME, True),
    (2, 9, 4, 6, 1, 1, Padding.SAME, False),
    (1, 25, 5, 8, 1, 1, Padding.SAME, True),
    (1, 11, 10, 4, 2, 2, Padding.SAME, False),
    (1, 12, 12, 3, 2, 2, Padding.VALID, True),
    (1, 10, 11, 7, 3, 2, Padding.VALID, False),
]


def c_array(ctype: str, name: str, values: np.ndarray) -> str:
    return f"static {ctype} {name}[{max(values.size, 1)}] = {{{', '.join(str(int(v)) for v in values.ravel())}}};"


def case_program(number: int, case: tuple, rng: np.random.Generator) -> tuple[str, str]:
    """The arrays of one case and the statements that run it both ways and compare."""
    n, h, w, c, s_h, s_w, padding, full_range = case
    out_h, out_w = conv_output_size(h, 3, s_h, 1, padding), conv_output_size(w, 3, s_w, 1, padding)
    pad_h, pad_w = conv_padding_before(h, 3, s_h, 1, padding), conv_padding_before(w, 3, s_w, 1, padding)
    taps = rng.integers(-127, 128, (c, 3, 3)).astype(np.int16) * 2
    pairs = np.stack([taps[:, :, 0], taps[:, :, 1], taps[:, :, 1], taps[:, :, 2]], axis=2).astype("<i2")
    in_size, out_size = n * h * w * c, n * out_h * out_w * c
    act = (-128, 127) if full_range else (int(rng.integers(-128, -20)), int(rng.integers(20, 128)))
    arrays = "\n".join([
        c_array("int8_t", f"in{number}", rng.integers(-128, 128, in_size)),
        c_array("int8_t", f"filter{number}", pairs.reshape(-1).view(np.int8)),
        c_array("int32_t", f"bias{number}", rng.integers(-5000, 5000, c) * 2),
        c_array("int32_t", f"mult{number}", rng.integers(1 << 30, (1 << 31) - 1, c)),
        c_array("int32_t", f"shift{number}", rng.integers(-12, 0, c)),
        f"static int8_t apart{number}[{out_size}];",
        f"static int8_t overlay{number}[{max(in_size, out_size)}];",
        f"static int16_t ring{number}[4096];",
    ])
    run = f"""
    {{
        const tk_depthwise_conv_params params = {{.stride_h = {s_h}, .stride_w = {s_w}, .dilation_h = 1,
            .dilation_w = 1, .pad_h = {pad_h}, .pad_w = {pad_w}, .depth_multiplier = 1,
            .input_offset = {int(rng.integers(-127, 129))}, .output_offset = {int(rng.integers(-128, 128))},
            .activation = {{.min = {act[0]}, .max = {act[1]}}}}};
        const tk_per_channel_quant quant = {{.multiplier = mult{number}, .shift = shift{number}}};
        const tk_dims in_dims = {{.n = {n}, .h = {h}, .w = {w}, .c = {c}}};
        const tk_dims filter_dims = {{.n = 1, .h = 3, .w = 3, .c = {c}}};
        const tk_dims out_dims = {{.n = {n}, .h = {out_h}, .w = {out_w}, .c = {c}}};
        const tk_context ctx = {{.buf = ring{number}, .size = (int32_t)sizeof ring{number}}};
        if (tk_depthwise_conv_3x3_s8_get_buffer_size(&params, &in_dims, &filter_dims, &out_dims) > ctx.size) return 2;
        if (tk_depthwise_conv_3x3_s8(&ctx, &params, &quant, &in_dims, in{number}, &filter_dims, filter{number},
                                     bias{number}, &out_dims, apart{number}) != TK_OK) return 3;
        memcpy(overlay{number}, in{number}, sizeof in{number});
        if (tk_depthwise_conv_3x3_s8(&ctx, &params, &quant, &in_dims, overlay{number}, &filter_dims, filter{number},
                                     bias{number}, &out_dims, overlay{number}) != TK_OK) return 4;
        printf("%d\\n", memcmp(apart{number}, overlay{number}, sizeof apart{number}) == 0);
    }}"""
    return arrays, run


def test_output_may_exactly_overlay_the_input(tmp_path: Path) -> None:
    rng = np.random.default_rng(31)
    parts = [case_program(i, case, rng) for i, case in enumerate(CASES)]
    program = tmp_path / "overlay.c"
    program.write_text(
        "#include <stdio.h>\n#include <string.h>\n#include \"tinykit/kernels.h\"\n\n"
        + "\n".join(arrays for arrays, _ in parts)
        + "\n\nint main(void)\n{" + "".join(run for _, run in parts) + "\n    return 0;\n}\n"
    )
    binary = tmp_path / "overlay"
    src = firmware_dir() / "runtime" / "src"
    subprocess.run(
        ["gcc", *STRICT_FLAGS, *SANITIZER_FLAGS, "-I", str(firmware_dir() / "runtime" / "include"), str(program),
         str(src / "cortexm" / "tk_depthwise_conv_3x3_s8.c"), "-o", str(binary)],
        check=True, capture_output=True, text=True,
    )
    result = subprocess.run([str(binary)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1"] * len(CASES)

