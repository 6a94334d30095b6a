"""`tinykit search --quick` end to end on the small synthetic keyword-spotting set, with the issue's
invariants: every model on the front fits the budgets, and the chosen model built for qemu_m7 has exactly
the predicted arena and weights, and flash within the flash model's bound. Also: a rerun resumes without
retraining, a run interrupted (Ctrl-C) in the super-network's training and again in the evolution resumes to
exactly the uninterrupted run's results, other settings are refused naming the difference, a damaged checkpoint
is refused naming it, and bad input is refused before training."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_cli import assert_refused, tinykit
from test_latency import FLASH_BOUND_BYTES, SRAM_BOUND_BYTES

BOARD = "qemu_m7"
# The tight hand-given budgets, and a latency budget the quick space's larger members break.
BUDGETS = ("--sram-kb", "64", "--flash-kb", "256", "--latency-ms", "40")


@pytest.fixture(scope="module")
def searched(kws_synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("search")
    result = tinykit("search", "--board", BOARD, "--data", str(kws_synthetic), "-o", "out", "--quick", *BUDGETS,
                     cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "space: chose width multiplier" in result.stderr and "generation 3/3" in result.stderr
    return folder


def test_every_model_on_the_front_fits_the_budgets(searched: Path) -> None:
    document = json.loads((searched / "out" / "front.json").read_text())
    assert document["front"] and document["measured"] >= len(document["front"])
    for candidate in document["candidates"]:
        assert candidate["sram_bytes"] <= 64 * 1024
        assert candidate["flash_bytes"] <= 256 * 1024
        assert candidate["latency_ms"] <= 40
        assert 0 <= candidate["accuracy"] <= 1
    front = document["front"]
    # Sorted by accuracy, and no member dominated by another.
    assert [c["accuracy"] for c in front] == sorted((c["accuracy"] for c in front), reverse=True)
    def key(c: dict) -> tuple[float, float, int]:
        return -c["accuracy"], c["latency_ms"], c["sram_bytes"]

    for a in front:
        assert not any(all(x <= y for x, y in zip(key(b), key(a))) and key(b) != key(a) for b in front)


@pytest.mark.slow
def test_the_chosen_model_builds_with_exactly_the_predicted_arena_and_weights(searched: Path) -> None:
    out = searched / "out"
    chosen = json.loads((out / "summary.json").read_text())["chosen"]
    result = tinykit("build", str(out / "best.tflite"), "--board", BOARD, "-o", "build", "--json", cwd=searched)
    assert result.returncode == 0, result.stderr
    built = json.loads(result.stdout)
    assert built["macs"] == chosen["macs"]
    assert built["arena_bytes"] == chosen["arena_bytes"]
    assert built["weights_bytes"] == chosen["weights_bytes"]
    assert abs(built["flash_bytes"] - chosen["flash_bytes"]) <= FLASH_BOUND_BYTES
    assert 0 <= chosen["sram_bytes"] - built["ram_bytes"] <= SRAM_BOUND_BYTES
    assert built["flash_bytes"] <= 256 * 1024 and built["ram_bytes"] <= 64 * 1024


def test_a_rerun_resumes_and_other_settings_are_refused(searched: Path, kws_synthetic: Path) -> None:
    out = searched / "out"
    weights = (out / "supernet.npz").stat().st_mtime_ns
    again = tinykit("search", "--board", BOARD, "--data", str(kws_synthetic), "-o", "out", "--quick", *BUDGETS,
                    cwd=searched)
    assert again.returncode == 0, again.stderr
    assert "super-network: trained weights from" in again.stderr and "generation" not in again.stderr
    assert (out / "supernet.npz").stat().st_mtime_ns == weights
    other = tinykit("search", "--board", BOARD, "--data", str(kws_synthetic), "-o", "out", "--quick", "--seed", "1",
                    *BUDGETS, cwd=searched)
    assert_refused(other, "other settings", "seed was 0, now 1")


def _interrupt_at(line: str, args: tuple[str, ...], cwd: Path) -> str:
    """Run tinykit until its stderr shows ``line``, then press Ctrl-C; its whole stderr. As a terminal does,
    SIGINT goes to tinykit's whole process group, its costing workers included."""
    process = subprocess.Popen([sys.executable, "-m", "tinykit", *args], cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert process.stderr is not None
    seen = []
    for text in process.stderr:
        seen.append(text)
        if line in text:
            os.killpg(process.pid, signal.SIGINT)
            break
    _, rest = process.communicate(timeout=600)
    stderr = "".join(seen) + rest
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "run the same command again to resume" in stderr
    return stderr


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as saved:
        return {name: saved[name] for name in saved.files if name != "state"}


def test_an_interrupted_search_resumes_to_the_uninterrupted_results(searched: Path, kws_synthetic: Path,
                                                                     tmp_path: Path) -> None:
    args = ("search", "--board", BOARD, "--data", str(kws_synthetic), "-o", "out", "--quick", *BUDGETS)
    _interrupt_at("super-network epoch 1/3", args, tmp_path)
    second = _interrupt_at("generation 1/3", args, tmp_path)
    assert "super-network: resuming after epoch 1/3 from out/supernet.npz" in second
    assert "super-network epoch 1/3" not in second and "super-network epoch 2/3" in second
    last = tinykit(*args, cwd=tmp_path)
    assert last.returncode == 0, last.stderr
    assert "evolution: resuming after generation 1/3 from out/evolution.json" in last.stderr
    assert "generation 1/3" not in last.stderr.replace("after generation 1/3", "")
    assert "generation 3/3" in last.stderr

    straight, resumed = searched / "out", tmp_path / "out"
    expected, got = _arrays(straight / "supernet.npz"), _arrays(resumed / "supernet.npz")
    assert expected.keys() == got.keys() and all(np.array_equal(expected[k], got[k]) for k in expected)
    front = {k: v for k, v in json.loads((straight / "front.json").read_text()).items() if k != "seconds"}
    assert {k: v for k, v in json.loads((resumed / "front.json").read_text()).items() if k != "seconds"} == front
    assert json.loads((resumed / "summary.json").read_text()) == json.loads((straight / "summary.json").read_text())


def test_a_damaged_checkpoint_is_refused_naming_it(searched: Path, kws_synthetic: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("settings.json", "space.json"):
        (out / name).write_bytes((searched / "out" / name).read_bytes())
    whole = (searched / "out" / "supernet.npz").read_bytes()
    (out / "supernet.npz").write_bytes(whole[:len(whole) // 3])  # as a full disk would leave it
    result = tinykit("search", "--board", BOARD, "--data", str(kws_synthetic), "-o", "out", "--quick", *BUDGETS,
                     cwd=tmp_path)
    assert_refused(result, "out/supernet.npz is damaged", "delete it and rerun the same command")


@pytest.mark.parametrize(("args", "phrases"), [
    (("--sram-kb", "4"), ("smallest", "budget of 4,096 bytes")),
    (("--latency-ms", "0.5"), ("even the smallest", "does not fit", "latency budget of 0.5 ms")),
    (("--task", "vision"), ("unknown task 'vision'",)),
])
def test_unreachable_budgets_and_unknown_tasks_are_refused_before_training(
        kws_synthetic: Path, tmp_path: Path, args: tuple[str, ...], phrases: tuple[str, ...]) -> None:
    result = tinykit("search", "--board", BOARD, "--data", str(kws_synthetic), "-o", "out", "--quick", *args,
                     cwd=tmp_path)
    assert_refused(result, *phrases)
    assert not (tmp_path / "out" / "supernet.npz").exists()


def test_a_missing_data_folder_is_refused(tmp_path: Path) -> None:
    assert_refused(tinykit("search", "--board", BOARD, "--data", "nowhere", "-o", "out", "--quick", cwd=tmp_path),
                   "nowhere")


def test_a_board_without_a_latency_model_is_refused_saying_to_calibrate(kws_synthetic: Path, tmp_path: Path) -> None:
    result = tinykit("search", "--board", "nucleo_f746", "--data", str(kws_synthetic), "-o", "out", "--quick",
                     "--latency-ms", "20", cwd=tmp_path)
    assert_refused(result, "nucleo_f746 has no fitted latency model", "tinykit calibrate --board nucleo_f746 --port")
    assert not (tmp_path / "out").exists()
