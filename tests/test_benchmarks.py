"""benchmarks.run as a user runs it, on one small zoo model and the host part only.

Benchmarks are not tests: nothing here looks at a timing value. This checks
that the JSON document has its structure, that the arena figures are the
build's and tflite-micro's own, and that bad arguments are refused in one
error paragraph.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from benchmarks import cortexm
from benchmarks.run import SIDE_BY_SIDE_SKIPPED, main
from benchmarks.tflm_build import RESOLVER_METHODS, builtin_codes, ops_header
from benchmarks.tflm_sources import CMSIS_NN_MARKER, THIRD_PARTY, TFLM_MARKER
from tinykit.errors import TinykitError
from tinykit.verify.tflm import tflm_arena

MODEL = "sigmoid_detector"  # the zoo's smallest model: quick to convert, build and run


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("bench")
    output = folder / "results.json"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["--models", MODEL, "--boards", "-o", str(output), "--build-dir", str(folder / "build"),
                       "--runs", "3", "--warmups", "1"])
    assert status == 0
    return {"path": output, "json": json.loads(output.read_text()), "build": folder / "build", "stdout": printed.getvalue()}


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


# The Cortex-M side-by-side against TF Lite Micro needs source trees the user
# fetches; without them (as here) every missing folder is named with the way
# to get it, before any build starts.


def _tree(root: Path, marker: str) -> Path:
    (root / marker).parent.mkdir(parents=True, exist_ok=True)
    (root / marker).write_text("")
    return root


def _third_party(root: Path, skip: str) -> Path:
    for name, (_, marker, _) in THIRD_PARTY.items():
        if name != skip:
            _tree(root / name, marker)
    return root


@pytest.mark.parametrize("layout, cause, fix", [
    ("none", "--tflm-src was not given", "tensorflow/tflite-micro"),
    ("empty tflm", f"has no {TFLM_MARKER}", "--tflm-src DIR"),
    ("no cmsis-nn", "--cmsis-nn-src was not given", "ARM-software/CMSIS-NN"),
    ("no third party", "--third-party was not given", "Cortex_DFP/ (ARM-software/Cortex_DFP)"),
    ("no Cortex_DFP", "has no Cortex_DFP/Device/ARMCM7/Include/ARMCM7.h", "ext_libs/cmsis_download.sh"),
    ("no gemmlowp", "has no gemmlowp/fixedpoint/fixedpoint.h", "git clone https://github.com/google/gemmlowp"),
    ("mlperf name, no checkout", "--mlperf-tiny DIR", "mlcommons/tiny"),
])
def test_side_by_side_names_the_missing_source_folder(layout: str, cause: str, fix: str, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    tflm, cmsis_nn = tmp_path / "tflite-micro", tmp_path / "CMSIS-NN"
    arguments = {
        "none": [],
        "empty tflm": ["--tflm-src", str(tmp_path)],
        "no cmsis-nn": ["--tflm-src", str(_tree(tflm, TFLM_MARKER))],
        "no third party": ["--tflm-src", str(_tree(tflm, TFLM_MARKER)), "--cmsis-nn-src", str(_tree(cmsis_nn, CMSIS_NN_MARKER))],
    }.get(layout)
    if arguments is None:
        skip = {"no Cortex_DFP": "Cortex_DFP", "no gemmlowp": "gemmlowp"}.get(layout, "")
        arguments = ["--tflm-src", str(_tree(tflm, TFLM_MARKER)), "--cmsis-nn-src", str(_tree(cmsis_nn, CMSIS_NN_MARKER)),
                     "--third-party", str(_third_party(tmp_path / "third-party", skip))]
        if layout == "mlperf name, no checkout":
            arguments += ["--models", "mlperf_kws_ds_cnn"]
    output = tmp_path / "results_cortexm.json"
    assert cortexm.main([*arguments, "-o", str(output), "--build-dir", str(tmp_path / "build")]) == 2
    error = capsys.readouterr().err
    assert cause in error and fix in error
    assert not output.exists() and not (tmp_path / "build").exists()


def test_run_refuses_incomplete_sources_before_the_host_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "results.json"
    status = main(["--models", MODEL, "--boards", "--tflm-src", str(tmp_path), "-o", str(output),
                   "--build-dir", str(tmp_path / "build")])
    assert status == 2
    assert f"has no {TFLM_MARKER}" in capsys.readouterr().err
    assert not output.exists() and not (tmp_path / "build").exists()


def test_run_without_sources_says_how_to_enable_the_side_by_side(document: dict) -> None:
    # The module fixture ran benchmarks.run without TF Lite Micro sources: the note ends its output.
    assert document["stdout"].rstrip().endswith(SIDE_BY_SIDE_SKIPPED)
    assert "--tflm-src" in SIDE_BY_SIDE_SKIPPED and "make bench TFLM_SRC=" in SIDE_BY_SIDE_SKIPPED


def test_op_resolver_registers_the_models_operators() -> None:
    from modelgen import ModelBuilder

    builder = ModelBuilder()
    x = builder.activation((1, 4), scale=0.05, zero_point=0)
    y = builder.activation((1, 4), scale=0.1, zero_point=3)
    z = builder.activation((1, 4), scale=0.1, zero_point=3)
    builder.op("QUANTIZE", [x], [y])
    builder.op("LOGISTIC", [y], [z])
    model = builder.finish([x], [z])
    codes = builtin_codes(model)
    assert sorted(codes) == [14, 114]
    header = ops_header(codes, "two_ops.tflite")
    assert "#define BENCH_OP_COUNT 2" in header
    assert "(resolver).AddLogistic(); (resolver).AddQuantize();" in header
    with pytest.raises(TinykitError, match=r"codes \[18\].*RESOLVER_METHODS"):
        ops_header([18], "mul.tflite")  # MUL: not one the benchmarked models use
    assert 18 not in RESOLVER_METHODS
