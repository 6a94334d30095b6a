"""Hostile files: seeded mutations of real models are refused with a cause, or
compiled to code that is sanitizer-clean and bit-exact with tflite-micro.

A few hundred mutations (tests/fuzz.py: bit flips, truncation, overwritten
runs, and well-formed hostile values patched through the schema) go through
`tinykit build` in-process; a sample of the accepted ones is built with
AddressSanitizer and UndefinedBehaviorSanitizer, run, and compared with
tflite-micro; a few go through the real command line, to show that no
traceback reaches the user. The longer campaign is `make fuzz`.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fbpatch import pack, unpack
from fuzz import FAILURES, base_models, campaign, mutate, summary

from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import parse_tflite

MUTATIONS = 300
RUN_BUDGET = 8
CLI_MUTATIONS = 6


@pytest.fixture(scope="module")
def models(zoo_cache: Path) -> dict[str, bytes]:
    return base_models(zoo_cache)


@pytest.mark.slow
def test_mutations_are_refused_with_a_cause_or_bit_exact(models: dict[str, bytes]) -> None:
    outcomes = campaign(models, MUTATIONS, seed=7, run_budget=RUN_BUDGET)
    report = summary(outcomes)
    assert not [o for o in outcomes if o.kind in FAILURES], report
    refused = [o for o in outcomes if o.kind == "refused"]
    # Every refusal names the user's file or the op/tensor at fault, and says what to do.
    for o in refused:
        assert "Traceback" not in o.detail and len(o.detail) > 40, (o.mutation, o.detail)
    assert len(refused) > MUTATIONS // 2, report  # most mutations break the model
    assert sum(o.kind == "exact" for o in outcomes) >= RUN_BUDGET // 2, report  # and the harmless ones run


def test_mutations_through_the_command_line_print_no_traceback(models: dict[str, bytes], tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    for k in range(CLI_MUTATIONS):
        label, data = mutate(rng, models["sigmoid_detector"])
        model = tmp_path / f"mutant{k}.tflite"
        model.write_bytes(data)
        done = subprocess.run([sys.executable, "-m", "tinykit", "build", str(model), "-o", str(tmp_path / f"b{k}")],
                              capture_output=True, text=True, timeout=600)
        assert "Traceback" not in done.stderr, (label, done.stderr)
        assert done.returncode in (0, 1), (label, done.returncode, done.stderr)
        if done.returncode == 1:
            assert done.stderr.splitlines()[-1].startswith("error: "), (label, done.stderr)


def _patched(data: bytes, change) -> bytes:
    model = unpack(data)
    change(model)
    return pack(model)


def _refusal(data: bytes) -> str:
    with pytest.raises(TinykitError) as error:
        parse_tflite(data, source="user.tflite")
    return str(error.value)


def test_corrupt_signature_defs_are_refused_naming_the_section(models: dict[str, bytes]) -> None:
    data = models["sigmoid_detector"]
    model = unpack(data)
    assert model.signatureDefs, "the converter writes a signature def"
    packed = bytearray(pack(model))
    name = model.signatureDefs[0].inputs[0].name
    # The string's length field sits right before its bytes: make it run past the file.
    at = bytes(packed).index(name) - 4
    packed[at : at + 4] = (len(packed) * 2).to_bytes(4, "little")
    message = _refusal(bytes(packed))
    assert "user.tflite is truncated or corrupted" in message
    assert "signature_defs[0].inputs[0].name" in message


def test_hostile_values_are_refused_naming_op_and_tensor(models: dict[str, bytes]) -> None:
    data = models["sigmoid_detector"]

    def scale(value):
        def change(model):
            tensor = model.subgraphs[0].tensors[model.subgraphs[0].operators[0].outputs[0]]
            tensor.quantization.scale = [value]
        return change

    for value in (math.nan, math.inf, -1.0, 0.0):
        assert "scales must be finite and positive" in _refusal(_patched(data, scale(value)))

    def zero_point(model):
        model.subgraphs[0].tensors[model.subgraphs[0].operators[0].outputs[0]].quantization.zeroPoint = [200]
    assert "zero point 200, outside [-128, 127]" in _refusal(_patched(data, zero_point))

    def zero_extent(model):
        tensor = model.subgraphs[0].tensors[model.subgraphs[0].inputs[0]]
        tensor.shape = [1, 0, *tensor.shape[2:]]
    assert "every extent must be at least 1" in _refusal(_patched(data, zero_extent))

    def no_outputs(model):
        model.subgraphs[0].outputs = []
    assert "the model has no outputs" in _refusal(_patched(data, no_outputs))

    def minus_one_output(model):
        model.subgraphs[0].outputs = [-1]
    assert "model.subgraphs[0].outputs[0]: tensor -1 is not one of the" in _refusal(_patched(data, minus_one_output))

    def padding(model):
        model.subgraphs[0].operators[0].builtinOptions.padding = 5
    assert "op 0 (CONV_2D) has the padding code 5" in _refusal(_patched(data, padding))

    def one_input(model):
        model.subgraphs[0].operators[0].inputs = model.subgraphs[0].operators[0].inputs[:1]
    assert "op 0 (CONV_2D) has 1 inputs, but CONV_2D takes 2 to 3" in _refusal(_patched(data, one_input))

    def options_of_another_type(model):
        model.subgraphs[0].operators[0].builtinOptionsType = 13  # LocalResponseNormalizationOptions
    assert "op 0 (CONV_2D) carries builtin options of union type 13, but CONV_2D takes Conv2DOptions" in _refusal(
        _patched(data, options_of_another_type))

    def huge_filter_scale(model):
        sub = model.subgraphs[0]
        quant = sub.tensors[sub.operators[0].inputs[1]].quantization
        quant.scale = [1e30] * len(quant.scale)
    assert "shift of" in _refusal(_patched(data, huge_filter_scale))

    def wrong_axis(model):
        sub = model.subgraphs[0]
        sub.tensors[sub.operators[0].inputs[1]].quantization.quantizedDimension = 3
    assert "quantized_dimension 3" in _refusal(_patched(data, wrong_axis))


def test_what_crashes_tflite_micro_is_refused(models: dict[str, bytes]) -> None:
    """Found by the campaign: tflite-micro's DEPTHWISE_CONV_2D dereferences a bias given as index -1."""
    data = models["kws_ds_cnn"]

    def absent_bias(model):
        sub = model.subgraphs[0]
        op = next(op for op in sub.operators if model.operatorCodes[op.opcodeIndex].builtinCode == 4)
        op.inputs = [*op.inputs[:2], -1]
    assert "the bias is given as absent (index -1), which tflite-micro's DEPTHWISE_CONV_2D crashes on" in _refusal(
        _patched(data, absent_bias))


@pytest.mark.parametrize("code,named", [
    (47, "EXP (builtin code 47; tflite-micro has a kernel for it)"),
    (48, "TOPK_V2 (builtin code 48; tflite-micro has no kernel for it either)"),
])
def test_unsupported_ops_are_named_with_tflite_micro_support(models: dict[str, bytes], code: int, named: str) -> None:
    def unsupported(model):
        model.operatorCodes[0].builtinCode = code
        model.operatorCodes[0].deprecatedBuiltinCode = code
    message = _refusal(_patched(models["sigmoid_detector"], unsupported))
    assert named in message
    assert "Supported ops: " in message and "CONV_2D" in message


def test_build_names_the_users_file_not_the_build_folders_copy(models: dict[str, bytes], tmp_path: Path) -> None:
    model = tmp_path / "mine.tflite"
    model.write_bytes(models["sigmoid_detector"][:3000])
    done = subprocess.run([sys.executable, "-m", "tinykit", "build", str(model), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1
    assert f"{model} is truncated or corrupted" in done.stderr and "out/model.tflite" not in done.stderr
