"""The cost side of the architecture search: memory predicted without a
firmware build, the per-kernel latency model, and `tinykit estimate` /
`tinykit calibrate` as a user runs them.

The memory test builds zoo models (MLPerf Tiny's architectures) for qemu_m7
and holds the prediction against the real build: arena, weights, kernels and
flash exactly, SRAM within a bound (see test_predicted_memory_equals_the_build;
tests/test_flash_exact.py holds flash exact on more networks and boards). The latency test profiles a network
the shipped model was not fitted on in QEMU (instruction-counted, so the
figure is exact) and holds the model's error under the issue's worst-case
aim."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_cli import assert_refused, conv_model, tinykit
from zoo import converted

from tinykit.boards import all_boards, get_board
from tinykit.build import CompiledModel, build
from tinykit.codegen.runtime import MLPERF_SOURCES, MODEL_SOURCE
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.latency.calibrate import results_observations
from tinykit.latency.calibration_set import HELD_OUT
from tinykit.latency.estimate import predict_latency
from tinykit.latency.model import load_latency, nonnegative_fit, read_models
from tinykit.latency.resources import fit_flash, linked_kernels, load_flash, predict_resources
from tinykit.profile.measure import profile_build

BOARD = "qemu_m7"
ZOO = ("kws_ds_cnn", "resnet8", "ad_autoencoder")
# SRAM: the app's statics are taken as the largest seen beside the input copy; .bss padding differs by a few bytes.
SRAM_BOUND_BYTES = 16


@pytest.fixture(scope="module")
def built(zoo_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, CompiledModel]:
    folder = tmp_path_factory.mktemp("latency")
    return {name: build(converted(name, zoo_cache), folder / name, board=BOARD) for name in ZOO}


@pytest.mark.slow
@pytest.mark.parametrize("name", ZOO)
def test_predicted_memory_equals_the_build(built: dict[str, CompiledModel], name: str) -> None:
    """Arena, weights and kernel choice come from the build's own functions, so they are equal. Flash is
    the model's data (computed by the generator), each kernel's measured code (kernels are compiled without
    LTO, each section placed on a word) and the constant rest: equal too. These zoo models carry MLPerf
    Tiny ids (kws01's table of printed values, ad01's error coefficients), which no calibration network has."""
    compiled, board = built[name], get_board(BOARD)
    predicted = predict_resources(read_tflite(compiled.tflite), board, load_flash(board))
    sizes = compiled.firmware.sizes
    assert [(e.kernel, e.arena_saved) for e in predicted.schedule.ops] == \
        [(e.kernel, e.arena_saved) for e in compiled.schedule.ops]
    assert predicted.arena == compiled.plan.arena_bytes == sizes.arena
    assert predicted.weights == compiled.weights_bytes == sizes.weights
    assert predicted.uncalibrated_kernels == ()
    assert predicted.flash == sizes.flash
    assert 0 <= predicted.sram - sizes.sram <= SRAM_BOUND_BYTES, (predicted.sram, sizes.sram)


@pytest.mark.slow
def test_the_latency_model_predicts_a_network_it_was_not_fitted_on(built: dict[str, CompiledModel]) -> None:
    compiled = built["kws_ds_cnn"]
    profile = profile_build(compiled.folder, runs=1, warmups=0)
    board = get_board(BOARD)
    predicted = predict_latency(compiled.graph, predict_resources(compiled.graph, board, load_flash(board)).schedule,
                                load_latency(BOARD))
    assert predicted.uncalibrated_kernels == ()
    error = abs(predicted.cycles - profile["latency_cycles"]) / profile["latency_cycles"]
    assert error < 0.2, (predicted.cycles, profile["latency_cycles"])


@pytest.mark.slow
def test_the_linker_map_gives_each_kernel_its_bytes(built: dict[str, CompiledModel]) -> None:
    compiled = built["resnet8"]
    linked = linked_kernels(compiled.firmware.elf.parent / "firmware.map")
    milli, mse = MLPERF_SOURCES
    assert compiled.mlperf.id == "ic01"  # its results are values in thousandths: tk_mlperf_milli.c computes them
    assert set(linked.bytes) <= {*compiled.schedule.sources(), MODEL_SOURCE, milli}
    # The linker keeps the MLPerf results source the model's data points at, and drops the other.
    assert linked.bytes.get(milli, 0) > 0 and mse not in linked.bytes
    # Every kernel an op calls holds code in the image (a RESHAPE view calls none).
    called = {e.sources[0] for e, op in zip(compiled.schedule.ops, compiled.graph.ops) if not op.is_view}
    assert all(linked.bytes.get(source, 0) > 0 for source in called), linked.bytes
    assert sum(linked.bytes.values()) < compiled.firmware.sizes.flash_minus_weights


def test_the_fit_recovers_known_costs_and_never_goes_negative() -> None:
    rng = np.random.default_rng(0)
    rows = np.column_stack([np.ones(40), rng.integers(1, 10**6, size=(40, 3))]).astype(np.float64)
    truth = np.array([500.0, 1.5, 20.0, 0.0])
    assert np.allclose(nonnegative_fit(rows, rows @ truth), truth, atol=1e-6)
    # Targets that a negative per-element cost would fit best are fitted with that cost dropped instead.
    targets = rows @ np.array([500.0, 1.5, 0.0, 0.0]) - 0.2 * rows[:, 3]
    assert np.all(nonnegative_fit(rows, np.maximum(targets, 1.0)) >= 0)


def test_every_emulated_board_ships_a_latency_model_and_every_board_a_flash_model() -> None:
    for board in all_boards():
        if not board.is_cortex_m:
            continue
        document, _ = read_models(board.name)
        assert "flash" in document
        if board.kind == "emulated":
            model = load_latency(board.name)
            assert model.provenance["tinykit_commit"] and len(model.provenance["held_out"]) == HELD_OUT
            assert all(e < 0.2 for e in model.provenance["held_out_relative_errors"])


@pytest.fixture()
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "net.tflite"
    path.write_bytes(conv_model())
    return path


def test_estimate_json_has_latency_and_memory(model_file: Path, tmp_path: Path) -> None:
    result = tinykit("estimate", str(model_file), "--board", BOARD, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    row, = json.loads(result.stdout)["boards"]
    assert row["board"] == BOARD and row["latency_cycles"] > 0 and row["fits_flash"] and row["fits_sram"]
    assert row["latency_ms"] == pytest.approx(row["latency_cycles"] / get_board(BOARD).clock_hz * 1000, rel=1e-3)
    assert row["flash_bytes"] > row["weights_bytes"] > 0 and row["sram_bytes"] > row["arena_bytes"] > 0


def test_estimate_all_boards_is_a_table_naming_what_needs_calibrating(model_file: Path, tmp_path: Path) -> None:
    result = tinykit("estimate", str(model_file), "--board", "all", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for board in all_boards():
        assert (f"\n{board.name} " in result.stdout) == board.is_cortex_m
    assert "tinykit calibrate --board nucleo_f746 --port" in result.stdout


def test_estimate_latency_on_an_uncalibrated_board_says_to_calibrate(model_file: Path, tmp_path: Path) -> None:
    assert_refused(tinykit("estimate", str(model_file), "--board", "nucleo_f746", "--latency", cwd=tmp_path),
                   "nucleo_f746 has no fitted latency model", "tinykit calibrate --board nucleo_f746 --port")


@pytest.mark.parametrize("args, phrases", [
    (("nowhere.tflite", "--board", BOARD), ("nowhere.tflite", "no such file")),
    (("net.tflite", "--board", "qemu_m9"), ("Unknown board 'qemu_m9'",)),
    (("net.tflite", "--board", "host"), ("the host has no flash",)),
    (("notes.txt", "--board", BOARD), ("notes.txt is not a .tflite file",)),
    (("garbage.tflite", "--board", BOARD), ("is not a TFLite model",)),
])
def test_estimate_refuses_bad_input_in_one_paragraph(model_file: Path, tmp_path: Path, args: tuple[str, ...],
                                                     phrases: tuple[str, ...]) -> None:
    (tmp_path / "notes.txt").write_text("not a model\n")
    (tmp_path / "garbage.tflite").write_text("these are my notes, not a model\n" * 10)
    assert_refused(tinykit("estimate", *args, cwd=model_file.parent), *phrases)


@pytest.mark.parametrize("board, phrase", [
    ("host", "the host has no latency model"),
    ("nucleo_f746", "give its serial port"),
])
def test_calibrate_refuses_what_it_cannot_measure(tmp_path: Path, board: str, phrase: str) -> None:
    assert_refused(tinykit("calibrate", "--board", board, "--work", str(tmp_path / "work"), cwd=tmp_path), phrase)


@pytest.mark.slow
def test_calibrations_mlperf_results_builds_link_their_sources_and_agree_on_the_shipped_constant(tmp_path: Path) -> None:
    """`calibrate`'s two extra builds (kws01 and ad01 results) build for real, each links its results source,
    and the image's constant they measure is the shipped flash model's."""
    board = get_board("qemu_m7")
    milli, mse = results_observations(tmp_path, board)
    assert MLPERF_SOURCES[0] in milli.sources and MLPERF_SOURCES[1] in mse.sources
    assert fit_flash(board.name, [milli, mse]).constant == load_flash(board).constant
