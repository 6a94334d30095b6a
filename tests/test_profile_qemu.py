"""`tinykit profile` on emulated Cortex-M boards: the DS-CNN and ResNet-8
zoo models are built as firmware, booted in QEMU (-icount shift=0) and
profiled over the serial protocol on a real TCP socket, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fault_proxy import BOOT_BANNER, FaultProxy, Once, OnceCommand
from mlperf_runner import Console, identify, performance_round
from zoo import converted

from tinykit.boards import get_board
from tinykit.build import build
from tinykit.deploy.qemu import qemu_session
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.handoff import read_handoff
from tinykit.profile import DeviceClient
from tinykit.verify.compare import random_samples
from tinykit.verify.device import firmware_elf
from tinykit.verify.tflm import run_tflm

pytestmark = pytest.mark.slow

BOARDS = ["qemu_m4", "qemu_m7", "qemu_m33"]
MODELS = ["kws_ds_cnn", "resnet8"]
PROFILE_KEYS = {"board", "clock", "runs", "latency_cycles", "latency_ms", "layers", "memory", "outputs_match"}


@pytest.fixture(scope="module")
def firmware(zoo_cache: Path, tmp_path_factory: pytest.TempPathFactory):
    """Build folders by (model, board), built on first use."""
    folders: dict[tuple[str, str], Path] = {}

    def folder_for(model: str, board: str) -> Path:
        if (model, board) not in folders:
            folder = tmp_path_factory.mktemp(f"{model}-{board}")
            build(converted(model, zoo_cache), folder, board=board)
            folders[model, board] = folder
        return folders[model, board]

    return folder_for


def tinykit(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinykit", *args], capture_output=True, text=True, timeout=900, cwd=cwd)


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("model", MODELS)
def test_profile_json_on_emulated_board(model: str, board: str, firmware) -> None:
    folder = firmware(model, board)
    run = tinykit("profile", str(folder), "--runs", "5", "--json")
    assert run.returncode == 0, run.stderr
    profile = json.loads(run.stdout)
    assert PROFILE_KEYS <= profile.keys()
    handoff = read_handoff(folder)
    assert (profile["board"], profile["clock"], profile["runs"]) == (board, "qemu-icount", 5)
    assert profile["build_hash"] == handoff["build_hash"]
    assert profile["outputs_match"] is True
    assert [layer["op"] for layer in profile["layers"]] == [op["kind"] for op in handoff["ops"]]
    assert [layer["macs"] for layer in profile["layers"]] == [op["macs"] for op in handoff["ops"]]
    assert [(layer["kernel"], layer["variant"]) for layer in profile["layers"]] == [
        (op["kernel"], op["variant"]) for op in handoff["ops"]]
    assert all(layer["cycles"] > 0 for layer in profile["layers"])
    # The core's limit is a real ceiling: under -icount a cycle is an instruction, and no
    # instruction retires more MACs than SMLAD's two.
    limit = get_board(board).mac_limit
    assert profile["mac_limit"] == {"macs_per_cycle": 2, "instruction": "SMLAD", "why": limit.why}
    for layer in profile["layers"]:
        assert 0 <= layer["macs_per_cycle"] <= limit.macs_per_cycle
        assert layer["mac_limit_share"] == pytest.approx(layer["macs_per_cycle"] / limit.macs_per_cycle)
    layer_sum = sum(layer["cycles"] for layer in profile["layers"])
    assert abs(layer_sum - profile["latency_cycles"]) <= 0.05 * profile["latency_cycles"]
    assert profile["latency_ms"] == pytest.approx(profile["latency_cycles"] * 1000 / profile["cpu_hz"])
    memory = profile["memory"]
    assert memory["arena"] == handoff["memory"]["arena_bytes"]
    assert 0 < memory["stack_peak"] < memory["stack_reserve"] == get_board(board).stack_reserve
    assert memory["static"] >= memory["arena"]  # the arena is a static array
    assert memory["total_ram"] == memory["static"] + memory["stack_peak"]
    assert handoff["memory"]["weights_bytes"] < memory["flash"] <= get_board(board).flash_bytes


def test_profile_text_names_the_clock_and_every_layer(firmware) -> None:
    folder = firmware("kws_ds_cnn", "qemu_m7")
    run = tinykit("profile", str(folder), "--runs", "3")
    assert run.returncode == 0, run.stderr
    assert "qemu-icount" in run.stdout and "retired instructions, not real core cycles" in run.stdout
    ops = read_handoff(folder)["ops"]
    table = [line.split() for line in run.stdout.splitlines() if line.split()[:1] and line.split()[0].isdigit()]
    assert [(int(row[0]), row[1], row[2], row[3]) for row in table] == [
        (op["index"], op["kind"], op["kernel"], f"({op['variant']})") for op in ops]
    assert "outputs match tflite-micro bit for bit" in run.stdout
    assert "limit     2 MACs per cycle (SMLAD:" in run.stdout
    assert all(row[-1].endswith("%") for row in table)  # each layer's share of that limit
    assert "stack peak" in run.stdout and "flash" in run.stdout


def test_timing_op_by_op_leaves_whole_inference_timing_unchanged(firmware) -> None:
    """tk-layers is a run mode of its own: whole-inference cycles measured
    before and after it agree (QEMU instruction counts are deterministic up
    to one SysTick tick)."""
    folder = firmware("resnet8", "qemu_m4")
    board = get_board("qemu_m4")
    graph = read_tflite(folder / "model.tflite")
    (sample,) = random_samples(graph, 1, seed=3)
    with qemu_session(board, firmware_elf(folder, board)) as url, DeviceClient(url, timeout=60) as device:
        device.load_input(sample[0].tobytes())
        before = device.time_inferences(3)
        layers = device.layer_cycles(3)
        after = device.time_inferences(3)
    assert abs(before.median - after.median) <= 0.001 * before.median
    assert abs(sum(layers.medians) - before.median) <= 0.05 * before.median


def test_mlperf_runner_sequence_on_emulated_firmware(firmware) -> None:
    """Five rounds of db load + infer N W, read with the MLPerf Tiny runner's
    patterns: the DS-CNN reports kws01 (its shapes are MLPerf Tiny's keyword
    spotting model's) and each round's m-results ranks the classes as
    tflite-micro's outputs for its input do (tests/test_mlperf*.py check the
    printed values themselves)."""
    folder = firmware("kws_ds_cnn", "qemu_m7")
    board = get_board("qemu_m7")
    graph = read_tflite(folder / "model.tflite")
    samples = random_samples(graph, 5, seed=9)
    expected = run_tflm((folder / "model.tflite").read_bytes(), samples)
    with qemu_session(board, firmware_elf(folder, board)) as url:
        console = Console(url, timeout=60)
        try:
            console.until_ready()  # the boot banner
            name, profile = identify(console)
            assert name == "tinykit" and profile["model"] == read_handoff(folder)["mlperf"]["id"] == "kws01"
            for (sample,), (reference,) in zip(samples, expected):
                result = performance_round(console, sample.tobytes(), 3, 1)
                assert result["end_time"] > result["start_time"]
                assert len(result["results"]) == reference.size == 12
                assert np.argmax(result["results"]) == np.argmax(reference)
        finally:
            console.close()


def test_profile_refuses_a_board_running_another_build(firmware) -> None:
    """--port pointing at firmware of another build: named, not measured."""
    ours, theirs = firmware("kws_ds_cnn", "qemu_m4"), firmware("resnet8", "qemu_m4")
    board = get_board("qemu_m4")
    with qemu_session(board, firmware_elf(theirs, board)) as url:
        run = tinykit("profile", str(ours), "--port", url)
    assert run.returncode == 1
    assert f"runs build {read_handoff(theirs)['build_hash']}" in run.stderr
    assert "tinykit flash" in run.stderr and "Traceback" not in run.stderr


def test_profile_over_a_port_survives_a_reset_and_a_garbled_record(firmware) -> None:
    """--port as for a real board (a socket URL here), through a link that
    reports a reset during the timed runs and garbles one per-layer record:
    both are recovered by retrying, named in the profile, and the figures
    equal those of a clean run (QEMU counts instructions deterministically)."""
    folder = firmware("kws_ds_cnn", "qemu_m33")
    board = get_board("qemu_m33")
    clean = json.loads(tinykit("profile", str(folder), "--runs", "2", "--json").stdout)
    garble = Once(b"m-tk-layer-run", lambda line: line.replace(b"cycles=", b"cycles=9", 1))
    with qemu_session(board, firmware_elf(folder, board)) as url:
        proxy = FaultProxy(int(url.rsplit(":", 1)[1]), to_host=garble, to_device=OnceCommand(b"tk-time", inject=BOOT_BANNER))
        try:
            run = tinykit("profile", str(folder), "--runs", "2", "--json", "--port", proxy.url)
        finally:
            proxy.close()
    assert run.returncode == 0, run.stderr
    profile = json.loads(run.stdout)
    assert garble.done and len(profile["link_events"]) == 2
    assert "board reset during `tk-time 2%`" in profile["link_events"][0]
    assert "crc" in profile["link_events"][1].lower()
    assert profile["outputs_match"] is True
    assert profile["link"] == proxy.url
    assert abs(profile["latency_cycles"] - clean["latency_cycles"]) <= 0.001 * clean["latency_cycles"]
    for ours, theirs in zip(profile["layers"], clean["layers"], strict=True):
        assert abs(ours["cycles"] - theirs["cycles"]) <= 0.001 * theirs["cycles"] + 100  # a SysTick tick or two


def test_profile_of_a_real_board_build_needs_its_port(zoo_cache: Path, tmp_path: Path) -> None:
    folder = tmp_path / "kws-f746"
    build(converted("kws_ds_cnn", zoo_cache), folder, board="nucleo_f746")
    run = tinykit("profile", str(folder))
    assert run.returncode == 1
    assert "real board" in run.stderr and "--port" in run.stderr and "Traceback" not in run.stderr
    missing = tinykit("profile", str(folder), "--port", "/dev/ttyACM9")
    assert missing.returncode == 1
    assert "/dev/ttyACM9" in missing.stderr and "Traceback" not in missing.stderr


def test_profile_of_a_host_build_or_a_stray_folder_is_refused(zoo_cache: Path, tmp_path: Path) -> None:
    host = tmp_path / "host"
    build(converted("kws_ds_cnn", zoo_cache), host, board="host")
    run = tinykit("profile", str(host))
    assert run.returncode == 1 and "--board qemu_m7" in run.stderr
    stray = tinykit("profile", str(tmp_path / "nothing"))
    assert stray.returncode == 1 and "not a tinykit build folder" in stray.stderr
    assert "Traceback" not in run.stderr + stray.stderr

