"""benchmarks.run as a user runs it, on one small zoo model and the host part only.

Benchmarks are not tests: nothing here looks at a timing value. This checks
that the JSON document has its structure, that the arena figures are the
build's and tflite-micro's own, and that bad arguments are refused in one
error paragraph.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.run import main
from tinykit.verify.tflm import tflm_arena

MODEL = "sigmoid_detector"  # the zoo's smallest model: quick to convert, build and run


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("bench")
    output = folder / "results.json"
    status = main(["--models", MODEL, "--boards", "-o", str(output), "--build-dir", str(folder / "build"),
                   "--runs", "3", "--warmups", "1"])
    assert status == 0
    return {"path": output, "json": json.loads(output.read_text()), "build": folder / "build"}


def test_document_holds_environment_settings_and_one_model(document: dict) -> None:
    result = document["json"]
    assert result["schema"] == "tinykit-bench/1"
    assert set(result) == {"schema", "environment", "settings", "notes", "call_overhead", "models"}
    assert {"tinykit_version", "git_commit", "tflite_micro_version", "cpu_model", "date"} <= set(result["environment"])
    assert result["settings"] == {"models": [MODEL], "boards": [], "host_runs": 3, "host_warmups": 1}
    assert list(result["models"]) == [MODEL]
    assert result["models"][MODEL]["emulated"] == {}


def test_arena_figures_are_the_builds_and_tflite_micros(document: dict) -> None:
    arena = document["json"]["models"][MODEL]["arena"]
    folder = document["build"] / f"{MODEL}-host"
    handoff = json.loads((folder / "tinykit.json").read_text())
    tflm = tflm_arena((folder / "model.tflite").read_bytes())
    assert arena["tinykit_bytes"] == handoff["plan"]["arena_bytes"]
    assert arena["tflm_head_bytes"] == tflm.head
    assert arena["tflm_tail_bytes"] == tflm.tail
    assert arena["tflm_total_bytes"] == tflm.total
    assert arena["ratio_tinykit_to_tflm_total"] == pytest.approx(arena["tinykit_bytes"] / tflm.total)


def test_host_latency_and_call_overhead_have_both_sides(document: dict) -> None:
    result = document["json"]
    latency, overhead = result["models"][MODEL]["host_latency"], result["call_overhead"]
    assert set(latency) == {"tinykit", "tflm", "ratio_tinykit_to_tflm", "ratio_net_of_call_overhead"}
    assert set(overhead) == {"tinykit", "tflm", "ratio_tinykit_to_tflm"}
    for figures in (latency, overhead):
        for side in ("tinykit", "tflm"):
            assert set(figures[side]) == {"median_us", "min_us", "max_us", "runs", "warmups"}
    assert result["models"][MODEL]["host_latency"]["tinykit"]["runs"] == 3


@pytest.mark.parametrize("arguments, cause", [
    (["--models", "no_such_model"], "no zoo model named no_such_model"),
    (["--models", MODEL, "--boards", "nucleo_f746"], "is not emulated"),
])
def test_bad_arguments_are_refused_with_the_fix(arguments: list[str], cause: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "results.json"
    assert main([*arguments, "-o", str(output), "--build-dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert cause in error and "Choose --" in error
    assert not output.exists()
