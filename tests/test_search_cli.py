"""`tinykit search --quick` end to end on the small synthetic keyword-spotting set, with the issue's
invariants: every model on the front fits the budgets, and the chosen model built for qemu_m7 has exactly
the predicted arena and weights, and flash within the flash model's bound; the search ends with its report page
(a dot per measured candidate, the chosen model marked). Also: a rerun resumes without
retraining, other settings are refused naming the difference, and bad input is refused before training."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from test_cli import assert_refused, tinykit
from test_latency import FLASH_BOUND_BYTES, SRAM_BOUND_BYTES
from test_search_report import dots, plot

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


def test_the_search_ends_with_its_report_page(searched: Path) -> None:
    out = searched / "out"
    candidates = json.loads((out / "front.json").read_text())["candidates"]
    chosen = json.loads((out / "summary.json").read_text())["chosen"]
    root = ElementTree.parse(out / "report" / "index.html").getroot()
    for against in ("latency", "sram"):
        points = dots(plot(root, against))
        assert sorted(d.get("data-key") for d in points) == sorted(
            json.dumps(c["architecture"], sort_keys=True) for c in candidates)
        [marked] = [d for d in points if "marked" in d.get("class").split()]
        assert marked.get("data-key") == json.dumps(chosen["architecture"], sort_keys=True)


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
