"""Keyword spotting end to end on qemu_m7: a small DS-CNN trained on a
generated set, `tinykit kws deploy` (benchmark app: device accuracy equals
the host's int8 accuracy), MLPerf Tiny's accuracy mode against the benchmark
app, and the streaming app on a generated sentence spoken by a voice the
training never heard (per-stride outputs and detections equal the host's
replay of the same audio, streamed over the link or compiled into flash and
played at power-up; `tinykit kws listen` scores against the labels).

The CI model is trained for seconds on 400 clips, too weak to find every
keyword; the streaming tests therefore check the pipeline's exactness and
the detection rule with a threshold well below the full run's (README).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from kws_audio import needs_espeak
from kws_model import train_small_kws
from kws_stream_host import host_detections, host_strides
from mlperf_runner import Console, identify, performance_round

from tinykit.boards import get_board
from tinykit.deploy.apps import app_manifest
from tinykit.deploy.qemu import qemu_session
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.handoff import read_handoff
from tinykit.kws.dataset import KEYWORDS, LABELS, load_speech_commands
from tinykit.kws.deploy import held_out_inputs
from tinykit.kws.listen import stream_audio
from tinykit.kws.stream import APP, StreamSettings, build_stream, decode_detections, decode_pcm_ack, decode_strides
from tinykit.kws.talk import write_talk
from tinykit.kws.wav import read_wav
from tinykit.verify.device import firmware_elf

pytestmark = [pytest.mark.slow, needs_espeak]

BOARD = "qemu_m7"
# Low enough that the small model fires several times on the sentence.
LOW_THRESHOLD = 0.3
WORDS = ["the", "yes", "house", "and", "stop", "bird", "go", "then", "left", "no"]


def tinykit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tinykit", *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def trained(kws_synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_small_kws(kws_synthetic, tmp_path_factory.mktemp("kws-apps") / "out")


@pytest.fixture(scope="module")
def deployed(trained: Path) -> dict:
    run = tinykit("kws", "deploy", str(trained), "--board", BOARD, "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def talk(kws_synthetic: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[tuple[float, str]]]:
    """A sentence by a voice of the set's test split (one training never heard), its WAV and labels."""
    splits = json.loads((kws_synthetic / "synthetic.json").read_text())["splits"]
    voice = next(v.split(":", 1)[1] for v in splits["testing"]["voices"] if v.startswith("espeak-ng:"))
    folder = tmp_path_factory.mktemp("talk")
    labels, keywords = write_talk(" ".join(WORDS), folder / "talk.wav", voice=f"en-us+{voice}", seed=3)
    return folder / "talk.wav", folder / "talk.txt", keywords


def test_deploy_device_accuracy_equals_host_int8_accuracy(deployed: dict, kws_synthetic: Path) -> None:
    testing = load_speech_commands(kws_synthetic, seed=0).testing
    assert deployed["board"] == BOARD and deployed["clips"] == len(testing.labels)
    assert deployed["disagreements"] == 0
    assert deployed["device_accuracy"] == deployed["host_int8_accuracy"]
    # Twelve classes, chance is 1/12; the seconds-trained CI model does better.
    assert deployed["device_accuracy"] > 0.15, deployed
    assert deployed["latency_ms"] > 0 and deployed["arena_bytes"] > 0 and deployed["flash_bytes"] > 0
    assert deployed["outputs_match"] and deployed["mlperf_id"] == "kws01"


def test_mlperf_accuracy_mode_scores_the_device_accuracy(deployed: dict, trained: Path, kws_synthetic: Path) -> None:
    """The runner's accuracy mode (db load, db in 31-byte chunks, infer 1 0 per
    file) against the benchmark app: its Top-1 is deploy's device accuracy."""
    folder = Path(deployed["folder"])
    document = read_handoff(folder)
    graph = read_tflite(folder / document["model"]["file"])
    x = graph.inputs[0]
    inputs, labels = held_out_inputs(kws_synthetic, 0, x.quant.single_scale, x.quant.single_zero_point, None, lambda _: None)
    board = get_board(BOARD)
    with qemu_session(board, firmware_elf(folder, board)) as url:
        console = Console(url, timeout=60)
        try:
            console.until_ready()
            name, profile = identify(console)
            replies = [performance_round(console, sample.tobytes(), 1, 0)["results"] for sample in inputs]
        finally:
            console.close()
    assert name == "tinykit"
    assert document["mlperf"]["id"] == profile["model"] == "kws01"  # `kws deploy` gives the id (the DS-CNN would infer it too)
    assert all(len(r) == len(LABELS) for r in replies)
    top1 = float(np.mean(np.argmax(np.array(replies), axis=1) == labels))
    assert top1 == deployed["device_accuracy"]


# Settings of the exactness tests: a low threshold and a short suppression, so the small model fires.
EXACT = StreamSettings(threshold=LOW_THRESHOLD, suppress_ms=500)


@pytest.fixture(scope="module")
def replay(deployed: dict, talk: tuple) -> dict:
    """The talk as the device gets it, and the host's replay of the streaming app on it."""
    wav, _, _ = talk
    pcm = read_wav(wav).samples
    pcm = np.concatenate([pcm, np.zeros(-len(pcm) % 320, dtype=np.int16)])
    folder = Path(deployed["stream_folder"])
    document = read_handoff(folder)
    tflite = folder / document["model"]["file"]
    y = read_tflite(tflite).outputs[0]
    samples, outputs = host_strides(tflite.read_bytes(), str(tflite), pcm, EXACT)
    detections = host_detections(samples, outputs, y.quant.single_zero_point, EXACT,
                                 EXACT.threshold_steps(y.quant.single_scale), len(KEYWORDS))
    return {"pcm": pcm, "folder": folder, "document": document, "tflite": tflite, "scale": y.quant.single_scale,
            "samples": samples, "outputs": outputs, "detections": detections}


def check_against_replay(strides: list, detections: list, replay: dict) -> None:
    assert [s.sample for s in strides] == replay["samples"]
    for stride, expected in zip(strides, replay["outputs"]):
        assert stride.outputs.tolist() == expected.tolist(), f"stride at sample {stride.sample}"
    assert replay["detections"], "the low threshold should make the small model fire"
    assert [(d.label, d.score_steps, d.strides, d.sample) for d in detections] == replay["detections"]
    assert all(s.feature_cycles > 0 and s.infer_cycles > 0 for s in strides)


def test_stream_outputs_and_detections_equal_the_hosts_replay(replay: dict) -> None:
    folder, pcm = replay["folder"], replay["pcm"]
    board = get_board(BOARD)
    with qemu_session(board, firmware_elf(folder, board)) as url:
        run = stream_audio(url, replay["document"]["build_hash"], folder, pcm, EXACT, replay["scale"])
    # one stride per 250 ms once the first second is in
    assert len(run["strides"]) == len(pcm) // EXACT.stride_samples - 3
    check_against_replay(run["strides"], run["detections"], replay)


def test_a_clip_in_flash_plays_at_power_up_as_if_streamed(replay: dict, tmp_path: Path) -> None:
    """For a board with no host: the talk compiled into the streaming app's
    flash plays at boot, printing the strides and detections streaming gives."""
    board = get_board(BOARD)
    folder = tmp_path / "stream"
    build_stream(replay["tflite"], folder, board, settings=EXACT, clip=replay["pcm"])
    with qemu_session(board, firmware_elf(folder, board)) as url:
        console = Console(url, timeout=120)
        try:
            boot = console.until_ready()
        finally:
            console.close()
    assert boot[0] == "m-init-done"
    assert decode_pcm_ack(boot) == len(replay["pcm"])
    check_against_replay(decode_strides(boot), decode_detections(boot), replay)


def test_listen_reports_detections_hits_and_realtime(deployed: dict, talk: tuple) -> None:
    wav, labels, keywords = talk
    run = tinykit("kws", "listen", str(Path(deployed["folder"])), "--wav", str(wav), "--labels", str(labels),
                  "--threshold", str(LOW_THRESHOLD), "--realtime", "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["hits"] + result["misses"] == len(keywords)
    assert result["false_alarms"] == len(result["detections"]) - result["hits"]
    window = result["hit_window_s"]
    for label in result["labels"]:
        if label["detected_s"] is not None:
            assert label["onset_s"] <= label["detected_s"] <= label["onset_s"] + window
    # The sentence's keywords by a voice training never heard: with a
    # threshold far below the full run's, the small model still finds one.
    assert result["hits"] >= 1, result
    rt = result["realtime"]
    assert rt["stride_ms"] == 250 and rt["feature_ms"] > 0 and rt["inference_ms"] > 0
    assert rt["duty_cycle"] == pytest.approx((rt["feature_ms"] + rt["inference_ms"]) / rt["stride_ms"])
    assert result["keeps_up"] == (rt["duty_cycle"] <= 1.0)
    assert rt["link_behind_s"] >= 0.0  # --realtime: chunks paced at the recording's rate


def test_stream_app_ram_is_what_its_manifest_states(deployed: dict) -> None:
    """The budget counts the manifest's figure: it must cover the app's state."""
    elf = firmware_elf(Path(deployed["stream_folder"]), get_board(BOARD))
    symbols = subprocess.run(["arm-none-eabi-nm", "-S", str(elf)], capture_output=True, text=True, check=True).stdout
    size = next(int(line.split()[1], 16) for line in symbols.splitlines() if line.endswith(" app"))
    assert size <= app_manifest(APP).ram_bytes
