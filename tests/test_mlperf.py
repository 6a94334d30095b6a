"""MLPerf Tiny ids and results lines.

The id a build reports (given, inferred from the reference models' shapes,
refused when unknown), and the m-results line the profiler firmware prints
for it: the zoo's KWS, IC and AD models are built with the profiler app for
the host board, fed inputs over TCP, and each line must equal what the
reference firmware's own formulas print for tflite-micro's outputs on the
same inputs. Those formulas (DequantizeInt8ToFloat, then KWS's digit-by-digit
"0.%d%d%d", "%0.3f" for IC/VWW, AD's float mean squared error) run as a small
C program compiled here, so C's float arithmetic and printf are the oracle."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mlperf_runner import Console, identify, performance_round
from profiler_host import HostBoard, build_profiler
from test_firmware_app_model import small_model
from zoo import converted

from tinykit.build import compile_tflite
from tinykit.errors import TinykitError
from tinykit.verify.compare import random_samples
from tinykit.verify.tflm import run_tflm

# The reference firmware's th_results formulas (MLPerf Tiny's keyword
# spotting, image classification / visual wake words and anomaly detection
# submissions), reading from stdin: n, then n output values, then (ad) n input values.
ORACLE_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float dequantize(int q, float scale, int zero_point) { return (float)(q - zero_point) * scale; }

int main(int argc, char **argv)
{
    const char *form = argv[1];
    float out_scale = strtof(argv[2], NULL), in_scale = argc > 4 ? strtof(argv[4], NULL) : 0.0f;
    int out_zp = atoi(argv[3]), in_zp = argc > 5 ? atoi(argv[5]) : 0;
    int n, i, out[4096], in[4096];
    if (scanf("%d", &n) != 1 || n > 4096) return 2;
    for (i = 0; i < n; ++i) if (scanf("%d", &out[i]) != 1) return 2;
    printf("m-results-[");
    if (strcmp(form, "mse") == 0) {
        float diffsum = 0;
        for (i = 0; i < n; ++i) if (scanf("%d", &in[i]) != 1) return 2;
        for (i = 0; i < n; ++i) {
            float diff = dequantize(out[i], out_scale, out_zp) - dequantize(in[i], in_scale, in_zp);
            diffsum += diff * diff;
        }
        diffsum /= n;
        printf("%0.3f", diffsum);
    }
    for (i = 0; i < n && strcmp(form, "mse") != 0; ++i) {
        float converted = dequantize(out[i], out_scale, out_zp);
        if (strcmp(form, "truncated") == 0) {
            printf("0.%d", (int)(converted * 10));
            printf("%d", (int)(converted * 100) % 10);
            printf("%d", (int)(converted * 1000) % 10);
        } else {
            printf("%0.3f", converted);
        }
        if (i < n - 1) printf(",");
    }
    printf("]\n");
    return 0;
}
"""


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("oracle")
    (folder / "oracle.c").write_text(ORACLE_C)
    binary = folder / "oracle"
    subprocess.run([shutil.which("gcc") or "gcc", "-O0", str(folder / "oracle.c"), "-o", str(binary)], check=True)
    return binary


def reference_line(oracle: Path, form: str, graph, output: np.ndarray, sample: np.ndarray) -> str:
    (x,), (y,) = graph.inputs, graph.outputs
    args = [form, float(y.quant.scale[0]).hex(), str(y.quant.zero_point[0]), float(x.quant.scale[0]).hex(), str(x.quant.zero_point[0])]
    values = [output.size, *output.flatten().tolist(), *(sample.flatten().tolist() if form == "mse" else [])]
    run = subprocess.run([str(oracle), *args], input=" ".join(map(str, values)), capture_output=True, text=True, check=True)
    return run.stdout.strip()


@pytest.mark.parametrize(
    ("model", "mlperf_id", "results"),
    [("kws_ds_cnn", "kws01", "truncated"), ("resnet8", "ic01", "rounded"), ("vww_mobilenet_v1", "vww01", "rounded"),
     ("ad_autoencoder", "ad01", "mse"), ("sigmoid_detector", None, "raw")],
)
def test_id_is_inferred_from_the_reference_models_shapes(model, mlperf_id, results, zoo_cache, tmp_path):
    compiled = compile_tflite(converted(model, zoo_cache), tmp_path / "build", "host", f"{model}.tflite")
    assert (compiled.mlperf.id, compiled.mlperf.results) == (mlperf_id, results)
    handoff = json.loads((tmp_path / "build" / "tinykit.json").read_text())
    assert handoff["mlperf"] == {"id": mlperf_id, "inferred": mlperf_id is not None, "results": results}
    # The firmware's m-model-[...]: the benchmark id, or (an empty one) the build name.
    model_c = (tmp_path / "build" / "src" / "model.c").read_text()
    assert f'    .mlperf_id = "{mlperf_id or ""}",\n' in model_c


def test_given_id_is_checked_against_the_model(tmp_path):
    tflite = tmp_path / "small.tflite"
    tflite.write_bytes(small_model(np.random.default_rng(5)))
    compiled = compile_tflite(tflite, tmp_path / "ic", "host", tflite.name, mlperf_id="ic01")
    assert (compiled.mlperf.id, compiled.mlperf.inferred, compiled.mlperf.results) == ("ic01", False, "rounded")
    # ad01 scores the error between input and output: 128 input values against 10 outputs cannot be compared.
    with pytest.raises(TinykitError, match="as many output values as input values; this model has 128 in and 10 out"):
        compile_tflite(tflite, tmp_path / "ad", "host", tflite.name, mlperf_id="ad01")


def test_unknown_id_is_refused_with_the_list(tmp_path):
    tflite = tmp_path / "small.tflite"
    tflite.write_bytes(small_model(np.random.default_rng(5)))
    run = subprocess.run(
        [sys.executable, "-m", "tinykit", "build", str(tflite), "-o", str(tmp_path / "b"), "--mlperf-id", "kws02"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "'kws02' is not an MLPerf Tiny benchmark id" in run.stderr and "kws01, vww01, ic01, ad01, strww01" in run.stderr


@pytest.mark.parametrize(("model", "form", "samples"), [("kws_ds_cnn", "truncated", 6), ("resnet8", "rounded", 3), ("ad_autoencoder", "mse", 6)])
def test_results_line_is_the_reference_firmwares(model, form, samples, zoo_cache, oracle, tmp_path):
    """The profiler app's m-results for tflite-micro's outputs equals the
    reference formulas' line (AD: to the printed thousandth, since the
    reference accumulates in float and the firmware sums exactly)."""
    tflite = converted(model, zoo_cache)
    compiled = compile_tflite(tflite, tmp_path / "build", "host", tflite.name)
    runtime = compiled.folder / "lib" / "tinykit_runtime"
    sources = [compiled.folder / "src" / "model.c", compiled.folder / "src" / "model_weights.c", *sorted((runtime / "src").rglob("*.c"))]
    binary = build_profiler(sources, [compiled.folder / "src", runtime / "include"], tmp_path)
    inputs = random_samples(compiled.graph, samples, seed=3)
    expected = run_tflm(tflite.read_bytes(), inputs)
    with HostBoard(binary) as board:
        console = Console(board.url)
        try:
            console.until_ready()  # the boot banner
            assert identify(console)[1]["model"] == compiled.mlperf.id
            for (sample,), (reference,) in zip(inputs, expected):
                line = reference_line(oracle, form, compiled.graph, reference, sample)
                got = performance_round(console, sample.tobytes(), 1, 0)["results"]
                want = [float(v) for v in line.removeprefix("m-results-[").removesuffix("]").split(",")]
                if form == "mse":
                    assert len(got) == 1 and abs(got[0] - want[0]) <= 0.001 + 1e-9, (got, line)
                else:
                    printed = [line for line in console.send("results") if line.startswith("m-results-")]
                    assert printed == [line]
        finally:
            console.close()


def test_kws01_crops_the_runners_490_bytes_for_a_smaller_resolution(oracle, tmp_path):
    """A keyword spotter of a searched resolution (41 frames of 10 coefficients) built with --mlperf-id kws01: the
    runner sends 490 bytes, the profiler app (host board, sanitizers) crops them, and its results line is the
    reference firmware's for tflite-micro's outputs on the host's crop of the same bytes."""
    from kws_model import random_searched_kws

    from tinykit.kws.features import crop_features
    from tinykit.mlperf import InputCrop

    tflite = random_searched_kws((41, 10, 1), None, tmp_path / "search") / "best.tflite"
    compiled = compile_tflite(tflite, tmp_path / "build", "host", tflite.name, mlperf_id="kws01")
    assert compiled.mlperf.input_crop == InputCrop((49, 10), (41, 10))
    assert json.loads((tmp_path / "build" / "tinykit.json").read_text())["mlperf"]["input_crop"] == {
        "sent": [49, 10], "kept": [41, 10]}
    # The SRAM budget counts the 490 bytes the firmware keeps, not the model's 410.
    from dataclasses import replace

    from tinykit.boards import get_board
    from tinykit.budget import check_fits

    board = get_board("qemu_m7")
    needed = compiled.plan.arena_bytes + board.stack_reserve + 490
    check_fits(compiled.graph, compiled.plan, compiled.weights_bytes, replace(board, sram_bytes=needed), None, 490)
    with pytest.raises(TinykitError, match=r"the firmware's copy of the input \(490 bytes"):
        check_fits(compiled.graph, compiled.plan, compiled.weights_bytes, replace(board, sram_bytes=needed - 1), None,
                   compiled.mlperf.input_crop.sent_bytes)
    runtime = compiled.folder / "lib" / "tinykit_runtime"
    sources = [compiled.folder / "src" / "model.c", compiled.folder / "src" / "model_weights.c", *sorted((runtime / "src").rglob("*.c"))]
    binary = build_profiler(sources, [compiled.folder / "src", runtime / "include"], tmp_path)
    sent = np.random.default_rng(4).integers(-128, 128, size=(4, 1, 49, 10, 1), dtype=np.int8)
    kept = [crop_features(s, (41, 10)) for s in sent]
    expected = run_tflm(tflite.read_bytes(), [[k] for k in kept])
    with HostBoard(binary) as board:
        console = Console(board.url)
        try:
            console.until_ready()
            assert identify(console)[1]["model"] == "kws01"
            for s, k, (reference,) in zip(sent, kept, expected):
                performance_round(console, s.tobytes(), 1, 0)
                printed = [line for line in console.send("results") if line.startswith("m-results-")]
                assert printed == [reference_line(oracle, "truncated", compiled.graph, reference, k)]
        finally:
            console.close()
    assert len({r[0].tobytes() for r in expected}) > 1, "the samples should give different outputs"
