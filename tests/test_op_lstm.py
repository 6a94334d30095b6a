"""UNIDIRECTIONAL_SEQUENCE_LSTM (a Keras LSTM as TF Lite quantizes it): generated C against tflite-micro, bit for bit.

Each model is a tf-keras LSTM converted with a fixed batch to full int8 by the
TFLite converter (``keras_lstm.py``): several units, time steps, features,
batches, both ``return_sequences`` settings, and two LSTMs stacked under a
Dense. The hidden and cell state carry over from one invocation to the next
in tflite-micro, so the samples of one run, fed in turn to both, also check
that tinykit keeps the state (and starts it where tflite-micro does).
Configurations tflite-micro's integer LSTM does not compute are refused,
naming what the file has.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_bit_exact, assert_refused
from fbpatch import builtin_code, pack, unpack
from keras_lstm import LstmShape, converted_lstm
from elftools.elf.elffile import ELFFile
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.boards import get_board
from tinykit.budget import check_fits
from tinykit.build import build, compile_tflite
from tinykit.errors import TinykitError
from tinykit.firmware_report import render_usage
from tinykit.ir import OpKind
from tinykit.verify.host import build_host, run_host
from tinykit.verify.tflm import run_tflm

pytestmark = pytest.mark.slow  # each shape is a TensorFlow conversion (cached afterwards)

SHAPES = [
    LstmShape(batch=1, steps=5, features=3, units=4, sequences=True),
    LstmShape(batch=1, steps=10, features=6, units=8, sequences=False),
    LstmShape(batch=1, steps=7, features=12, units=16, sequences=True),
    LstmShape(batch=1, steps=3, features=1, units=1, sequences=True),
    LstmShape(batch=2, steps=4, features=3, units=5, sequences=True),
    LstmShape(batch=1, steps=6, features=4, units=8, sequences=False, stacked=True),
]
SMALL = SHAPES[0]


def _lstm_operator(model: schema.ModelT) -> schema.OperatorT:
    return next(op for op in model.subgraphs[0].operators
                if builtin_code(model, op) == schema.BuiltinOperator.UNIDIRECTIONAL_SEQUENCE_LSTM)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_lstm_is_bit_exact_with_tflite_micro(shape: LstmShape, zoo_cache: Path, tmp_path: Path) -> None:
    model = converted_lstm(shape, zoo_cache).read_bytes()
    compiled = assert_bit_exact(model, tmp_path, samples=8, seed=shape.units)
    lstms = [op for op in compiled.graph.ops if op.kind is OpKind.UNIDIRECTIONAL_SEQUENCE_LSTM]
    assert len(lstms) == (2 if shape.stacked else 1)
    # The two states per LSTM live outside the arena, as static arrays that keep their values.
    model_c = (compiled.folder / "src" / "model.c").read_text()
    assert all(f"static int8_t tk_state{op.inputs[18].index}[" in model_c for op in lstms)
    assert all(f"static int16_t tk_state{op.inputs[19].index}[" in model_c for op in lstms)


def test_the_state_carries_over_between_invocations_as_in_tflite_micro(zoo_cache: Path, tmp_path: Path) -> None:
    """The same input three times: tflite-micro's outputs change as its state does, and tinykit's follow."""
    tflite = tmp_path / "lstm.tflite"
    tflite.write_bytes(converted_lstm(SMALL, zoo_cache).read_bytes())
    compiled = compile_tflite(tflite, tmp_path / "build", board="host", source_name=tflite.name)
    sample = [np.random.default_rng(4).integers(-128, 128, compiled.graph.inputs[0].shape, dtype=np.int8)]
    reference = run_tflm(tflite.read_bytes(), [sample] * 3)
    assert not np.array_equal(reference[0][0], reference[1][0])
    ours = run_host(build_host(compiled.folder, sanitize=True, shared_library=False), compiled.graph, [sample] * 3)
    for expected, got in zip(reference, ours, strict=True):
        assert np.array_equal(expected[0], got[0])


def test_time_major_lstm_is_bit_exact(zoo_cache: Path, tmp_path: Path) -> None:
    """The same LSTM with its input laid out time first ([steps, batch, features]); with one batch row the
    bytes are the same, and tinykit's time-major loop must give tflite-micro's outputs."""
    model = unpack(converted_lstm(SMALL, zoo_cache).read_bytes())
    operator, tensors = _lstm_operator(model), model.subgraphs[0].tensors
    operator.builtinOptions.timeMajor = True
    for index in (operator.inputs[0], operator.outputs[0]):
        batch, steps, depth = tensors[index].shape
        tensors[index].shape = [steps, batch, depth]
        tensors[index].shapeSignature = None
    assert_bit_exact(pack(model), tmp_path, samples=6, seed=2)


@pytest.mark.parametrize("clip", [0.0, 0.3, 1e-6], ids=["no-clip", "clip-0.3", "clip-to-zero"])
def test_the_cell_clip_is_bit_exact(clip: float, zoo_cache: Path, tmp_path: Path) -> None:
    """The converter writes a clip of 10 (beyond the int16 cell state's range); a tighter one does clamp,
    and one below the cell state's step clamps it to 0 in tflite-micro."""
    def set_clip(model, op):
        op.builtinOptions.cellClip = clip
    assert_bit_exact(_patched(zoo_cache, set_clip), tmp_path, samples=6, seed=7)


def _patched(zoo_cache: Path, change) -> bytes:
    model = unpack(converted_lstm(SMALL, zoo_cache).read_bytes())
    operator = _lstm_operator(model)
    operator.inputs = [int(i) for i in operator.inputs]  # unpacked as a read-only array
    change(model, operator)
    return pack(model)


def test_a_peephole_lstm_is_refused_naming_it(zoo_cache: Path, tmp_path: Path) -> None:
    def peephole(model, op):
        op.inputs[9] = op.inputs[12]  # a [units] vector where a cell-to-input weight would be
    assert_refused(_patched(zoo_cache, peephole), tmp_path, r"has peephole connections \(inputs 9-11")


def test_a_projection_and_layer_norm_are_refused_naming_them(zoo_cache: Path, tmp_path: Path) -> None:
    def projection(model, op):
        op.inputs[16] = op.inputs[5]
    assert_refused(_patched(zoo_cache, projection), tmp_path, "has a projection layer")

    def layer_norm(model, op):
        op.inputs[20] = op.inputs[12]
    (tmp_path / "norm").mkdir()
    assert_refused(_patched(zoo_cache, layer_norm), tmp_path / "norm", "has layer normalization")


def test_an_lstm_without_input_gate_is_refused(zoo_cache: Path, tmp_path: Path) -> None:
    def cifg(model, op):
        op.inputs[1] = op.inputs[5] = op.inputs[12] = -1
    assert_refused(_patched(zoo_cache, cifg), tmp_path, r"without an input gate, CIFG")


def test_a_cell_activation_other_than_tanh_is_refused(zoo_cache: Path, tmp_path: Path) -> None:
    def relu(model, op):
        op.builtinOptions.fusedActivationFunction = schema.ActivationFunctionType.RELU
    assert_refused(_patched(zoo_cache, relu), tmp_path, "the cell activation is RELU")


def test_a_state_that_is_not_variable_is_refused(zoo_cache: Path, tmp_path: Path) -> None:
    def constant_state(model, op):
        model.subgraphs[0].tensors[op.inputs[19]].isVariable = False
    assert_refused(_patched(zoo_cache, constant_state), tmp_path, r"as its state \(input 19\), but the tensor is not variable")


def test_a_keras_3_lstm_loop_is_refused_pointing_at_tf_keras(tmp_path: Path) -> None:
    """What a Keras 3 LSTM becomes in a .tflite: a WHILE loop over its cell (a hand-made one here: the
    converter cannot quantize Keras 3's). The refusal says how to get the op tinykit compiles."""
    from modelgen import ModelBuilder

    b = ModelBuilder()
    x = b.activation((1, 4), scale=0.05, zero_point=0)
    y = b.activation((1, 4), scale=0.05, zero_point=0)
    b.op("WHILE", [x], [y], schema.WhileOptionsT())
    assert_refused(b.finish([x], [y]), tmp_path, r"WHILE .* built with tf-keras and a fixed batch")


def test_the_state_is_counted_in_the_ram_report_and_the_board_budget(zoo_cache: Path, tmp_path: Path) -> None:
    """The state arrays sit beside the arena: the build reports them as "state" (measured here from the
    firmware's symbols), the SRAM split adds up with them, and the board budget check counts them."""
    tflite = tmp_path / "lstm.tflite"
    tflite.write_bytes(converted_lstm(SHAPES[-1], zoo_cache).read_bytes())
    compiled = build(tflite, tmp_path / "fw", board="qemu_m7")
    sizes = compiled.firmware.sizes
    with compiled.firmware.elf.open("rb") as stream:
        symbols = ELFFile(stream).get_section_by_name(".symtab").iter_symbols()
        in_elf = sum(s["st_size"] for s in symbols if s.name.startswith("tk_state"))
    assert in_elf == compiled.graph.state_bytes == sizes.state > 0
    assert f"#define TK_MODEL_STATE_BYTES {in_elf}\n" in (compiled.folder / "src" / "model.h").read_text()
    assert sizes.arena + sizes.state + sizes.stack_reserve + sizes.other_sram == sizes.sram
    assert re.search(rf"^  state +{in_elf:,}$", render_usage(get_board("qemu_m7"), sizes), re.MULTILINE)
    # A board with exactly the SRAM the check counts fits; one byte less is refused, naming the state.
    graph, plan = compiled.graph, compiled.plan
    needed = plan.arena_bytes + graph.state_bytes + 4096 + sum(t.nbytes for t in graph.inputs)
    board = replace(get_board("qemu_m7"), sram_bytes=needed, stack_reserve=4096)
    check_fits(graph, plan, compiled.weights_bytes, board)
    with pytest.raises(TinykitError, match=rf"its state kept between inferences \({in_elf:,} bytes"):
        check_fits(graph, plan, compiled.weights_bytes, replace(board, sram_bytes=needed - 1))
