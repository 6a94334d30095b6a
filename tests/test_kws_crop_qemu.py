"""Keyword spotters of a searched input resolution in the device apps on
qemu_m7. `tinykit search --task kws` may choose fewer frames or coefficients
than the front end's 49 x 10 (a crop: the first frames, the first
coefficients); here a small DS-CNN taking 45 frames x 8 coefficients, random
weights, converted to int8 by tinykit's converter and laid out as a search's
output folder (best.tflite, calibration.npz, settings.json), goes through
`tinykit kws deploy`:

- the benchmark app receives each test clip's 49 x 10 int8 features (490
  bytes, as MLPerf Tiny's runner sends them, through the `db` commands) and
  crops them itself: its raw outputs equal tflite-micro's on the host's crop
  (crop_features) byte for byte, and the runner's own round prints the
  results those outputs give;
- the streaming app cuts the most recent 45 frames of its ring: per-stride
  outputs equal the host's replay (tests/kws_stream_host.py with
  latest_frames) byte for byte, and differ from a replay that took the
  oldest frames, so the comparison tells the two apart;
- a model whose input is no crop of 49 x 10 is refused with the shape and the fix.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from kws_model import random_searched_kws
from kws_stream_host import host_strides
from mlperf_runner import Console, identify, performance_round

from tinykit.boards import get_board
from tinykit.build import compile_tflite
from tinykit.deploy.qemu import qemu_session
from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.handoff import read_handoff
from tinykit.kws.dataset import LABELS, load_speech_commands
from tinykit.kws.deploy import held_out_inputs, render_deploy
from tinykit.kws.features import crop_features, mfcc_clips
from tinykit.kws.listen import stream_audio
from tinykit.kws.stream import StreamSettings
from tinykit.mlperf import milli_table, resolve
from tinykit.verify.device import firmware_elf, run_on_device
from tinykit.verify.tflm import run_tflm

pytestmark = pytest.mark.slow

BOARD = "qemu_m7"
RESOLUTION = (45, 8)
CLIPS = 24
SETTINGS = StreamSettings(threshold=0.1, suppress_ms=500)


def tinykit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tinykit", *args], capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def searched(kws_synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The search-shaped folder of the 45 x 8 model, calibrated on the crop of real training features."""
    training = load_speech_commands(kws_synthetic, seed=0, splits=("training",)).training
    calibration = crop_features(mfcc_clips(training.audio[::8]), RESOLUTION)
    folder = random_searched_kws((*RESOLUTION, 1), calibration, tmp_path_factory.mktemp("kws-crop") / "search")
    np.savez(folder / "calibration.npz", inputs=calibration)
    return folder


@pytest.fixture(scope="module")
def deployed(searched: Path, kws_synthetic: Path) -> dict:
    run = tinykit("kws", "deploy", str(searched), "--board", BOARD, "--data", str(kws_synthetic), "--clips", str(CLIPS),
                  "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_deploy_takes_a_searched_resolution(deployed: dict, searched: Path) -> None:
    assert deployed["resolution"] == list(RESOLUTION) and deployed["clips"] == CLIPS
    assert deployed["disagreements"] == 0 and deployed["outputs_match"]
    assert deployed["mlperf_id"] == "kws01"
    assert "the model takes 45 frames x 8 coefficients" in render_deploy(deployed)
    document = read_handoff(Path(deployed["folder"]))
    assert document["mlperf"]["input_crop"] == {"sent": [49, 10], "kept": list(RESOLUTION)}
    header = (Path(deployed["folder"]) / "src" / "model.h").read_text()
    assert "#define TK_MODEL_MLPERF_KEPT_ROWS 45\n" in header and "#define TK_MODEL_INPUT0_DIM2 8\n" in header


def test_benchmark_app_crops_the_490_bytes_it_receives_as_the_host_does(deployed: dict, kws_synthetic: Path) -> None:
    folder = Path(deployed["folder"])
    document = read_handoff(folder)
    graph = read_tflite(folder / document["model"]["file"])
    x = graph.inputs[0]
    sent, _ = held_out_inputs(kws_synthetic, 0, x.quant.single_scale, x.quant.single_zero_point, CLIPS, lambda _: None)
    assert sent.shape == (CLIPS, 49, 10)
    kept = [[a.reshape(x.shape)] for a in crop_features(sent, RESOLUTION)]
    host = [o[0].reshape(-1) for o in run_tflm((folder / document["model"]["file"]).read_bytes(), kept)]
    board = get_board(BOARD)
    with qemu_session(board, firmware_elf(folder, board)) as url:
        device = [o[0].reshape(-1) for o in run_on_device(url, graph, [[a] for a in sent], document["build_hash"])]
    for k, (ours, theirs) in enumerate(zip(device, host, strict=True)):
        assert ours.tolist() == theirs.tolist(), f"clip {k}"
    assert len({o.tobytes() for o in host}) > 1, "the clips should give different outputs"
    # MLPerf Tiny's runner: db load 490, the bytes in 31-byte chunks, infer 1 0; it prints what those outputs give.
    table = milli_table(resolve(graph, "kws01"), graph)
    with qemu_session(board, firmware_elf(folder, board)) as url:
        console = Console(url, timeout=60)
        try:
            console.until_ready()
            _, profile = identify(console)
            results = [performance_round(console, a.tobytes(), 1, 0)["results"] for a in sent[:4]]
        finally:
            console.close()
    assert profile["model"] == "kws01"
    for printed, theirs in zip(results, host):
        assert printed == [table[int(q) + 128] / 1000 for q in theirs]


def test_verify_sends_the_models_inputs_inside_the_490_bytes(deployed: dict, searched: Path) -> None:
    """`tinykit verify` reusing the deploy's benchmark app (random inputs of the model's shape, padded into 49 x 10
    for the device, which takes back the crop): every output byte equals tflite-micro's."""
    from tinykit.verify.run import verify_model

    said: list[str] = []
    result = verify_model(searched / "best.tflite", Path(deployed["folder"]), board=BOARD, samples=8, report=said.append)
    assert said[0].startswith("reusing the build")  # the cropping firmware, not a rebuild
    assert result.samples == 8 and result.compared_bytes == 8 * len(LABELS) and result.mismatches == 0


def test_stream_app_gives_the_model_the_latest_frames(deployed: dict, kws_synthetic: Path) -> None:
    folder = Path(deployed["stream_folder"])
    document = read_handoff(folder)
    tflite = folder / document["model"]["file"]
    testing = load_speech_commands(kws_synthetic, seed=0, splits=("testing",)).testing
    pcm = np.concatenate(list(testing.audio[:3])).astype(np.int16)  # 3 s of test clips, one after another
    samples, outputs = host_strides(tflite.read_bytes(), str(tflite), pcm, SETTINGS)
    board = get_board(BOARD)
    scale = read_tflite(tflite).outputs[0].quant.single_scale
    with qemu_session(board, firmware_elf(folder, board)) as url:
        run = stream_audio(url, document["build_hash"], folder, pcm, SETTINGS, scale)
    strides = run["strides"]
    assert [s.sample for s in strides] == samples and len(samples) == len(pcm) // SETTINGS.stride_samples - 3
    for stride, expected in zip(strides, outputs):
        assert stride.outputs.tolist() == expected.tolist(), f"stride at sample {stride.sample}"
    # The oldest 45 frames of each window give other outputs: the comparison above tells the two choices apart.
    _, oldest = host_strides(tflite.read_bytes(), str(tflite), pcm, SETTINGS, view=lambda w, r: w[:r[0], :r[1]])
    assert any(s.outputs.tolist() != o.tolist() for s, o in zip(strides, oldest))


@pytest.mark.parametrize("shape", [(53, 10, 1), (49, 12, 1)])
def test_a_model_that_takes_no_crop_of_49x10_is_refused(shape: tuple[int, int, int], kws_synthetic: Path,
                                                         tmp_path: Path) -> None:
    folder = random_searched_kws(shape, None, tmp_path / "search")
    run = tinykit("kws", "deploy", str(folder), "--board", BOARD, "--data", str(kws_synthetic))
    assert run.returncode == 1 and "Traceback" not in run.stderr
    text = " ".join(run.stderr.split())
    assert f"takes an input of shape 1x{shape[0]}x{shape[1]}x1" in text
    assert "frames <= 49 and coefficients <= 10" in text and "tinykit search --task kws" in text
    assert not (folder / BOARD).exists()  # refused before any build
    # MLPerf Tiny's kws01 sends 49 x 10: the id is refused for such a model too.
    with pytest.raises(TinykitError, match=r"--mlperf-id kws01: MLPerf Tiny's runner sends 49x10 int8 features"):
        compile_tflite(folder / "best.tflite", tmp_path / "build", "host", "best.tflite", mlperf_id="kws01")
