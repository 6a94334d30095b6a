"""The arithmetic, activation, reduction, spatial and transposed-convolution
kernels on an emulated Cortex-M4, bit-exact with tflite-micro: one firmware
image holding two ops of every kind (the host tests cover each kind in depth;
this checks that the target's compiler and integer behaviour give the same
bytes)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from modelgen import ModelBuilder
from test_op_activation import KINDS as ACTIVATION_KINDS
from test_op_activation import add_activation_ops
from test_op_arithmetic import KINDS as BINARY_KINDS
from test_op_arithmetic import add_binary_ops
from test_op_reduce import KINDS as REDUCE_KINDS
from test_op_reduce import add_reduce_ops
from test_op_spatial import KINDS as SPATIAL_KINDS
from test_op_spatial import add_spatial_ops
from test_op_transpose_conv import add_transpose_conv_ops

from tinykit.verify.run import verify_model

pytestmark = pytest.mark.slow


def test_new_kernels_are_bit_exact_on_qemu_m4(tmp_path: Path) -> None:
    rng = np.random.default_rng(77)
    b = ModelBuilder()
    inputs, outputs = [], []
    for add, kinds in ((add_binary_ops, BINARY_KINDS), (add_activation_ops, ACTIVATION_KINDS),
                       (add_reduce_ops, REDUCE_KINDS), (add_spatial_ops, SPATIAL_KINDS)):
        for kind in kinds:
            ins, outs = add(b, kind, rng, 2)
            inputs += ins
            outputs += outs
    ins, outs = add_transpose_conv_ops(b, rng, 2)
    inputs += ins
    outputs += outs
    tflite = tmp_path / "ops.tflite"
    tflite.write_bytes(b.finish(inputs, outputs))
    result = verify_model(tflite, tmp_path / "build", board="qemu_m4", samples=3, seed=5)
    assert result.compared_bytes > 0
    assert result.bit_exact, result.render()
