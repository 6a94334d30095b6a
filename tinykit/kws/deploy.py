"""`tinykit kws deploy`: a trained keyword spotter on a board, measured there.

From the folder `tinykit kws train` wrote (OUT/model.tflite, settings.json,
report.json) or the one `tinykit search --task kws` wrote (OUT/best.tflite,
settings.json; the data folder is given), this builds two firmware apps for
the board:

    OUT/<board>/          the benchmark app: the profiler firmware, which answers
                          MLPerf Tiny's protocol as a KWS device (490-byte int8 inputs)
    OUT/<board>/stream/   the streaming app (`tinykit kws listen OUT/<board>`)

then profiles the benchmark app (latency, memory) and measures its accuracy
on the data set's test split: each clip's MFCCs, computed on the host by the
device's own front end and quantized as the device quantizes, go over the
serial link in one boot; the same int8 inputs run in tflite-micro on the
host. The two accuracies are reported side by side with the number of clips
where the classes differ: zero, since the kernels are bit-exact.

A model may take fewer frames or coefficients than the front end's 49 x 10
(a searched input resolution, ``tinykit.kws.features.feature_resolution``):
the benchmark app still answers as MLPerf Tiny's kws01, receives the 490
bytes MLPerf's runner sends and crops them on the device, so the clips go
over the link as 49 x 10 and tflite-micro gets the host's crop of them
(``crop_features``); the streaming app gives the model the most recent frames
of its ring (``latest_frames``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np

from tinykit.boards import get_board
from tinykit.errors import TinykitError
from tinykit.kws.features import crop_features
from tinykit.kws.features_reference import COEFFICIENTS, FRAMES
from tinykit.kws.stream import STREAM_FOLDER

MODEL_FILE = "model.tflite"  # `tinykit kws train`'s int8 model
SEARCH_MODEL_FILE = "best.tflite"  # `tinykit search`'s
# The id the benchmark app answers MLPerf Tiny's runner with, given rather than inferred: a model of a searched
# resolution (not the reference's 49 x 10) is a keyword spotter all the same, and gets its crop of the 490 bytes.
MLPERF_ID = "kws01"
# Inferences profiled for the latency figure (each is deterministic under QEMU).
PROFILE_RUNS = 5


def _train_settings(out: Path) -> dict:
    path = out / "settings.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _data_folder(out: Path, data: Path | None) -> Path:
    if data is not None:
        return Path(data).expanduser()
    report = out / "report.json"
    if report.exists():
        recorded = json.loads(report.read_text()).get("data")
        if recorded:
            return Path(recorded)
    raise TinykitError(
        f"{out} does not say which data set it was trained on (no report.json); pass the Speech Commands folder "
        "with --data."
    )


def model_file(out: Path) -> Path:
    """The int8 model in a `kws train` or `search` output folder."""
    for name in (MODEL_FILE, SEARCH_MODEL_FILE):
        if (out / name).exists():
            return out / name
    raise TinykitError(
        f"{out} holds no {MODEL_FILE} (`tinykit kws train --data DATA -o {out}`) nor {SEARCH_MODEL_FILE} "
        f"(`tinykit search --task kws --data DATA -o {out}`); train or search first, or pass the folder that holds one."
    )


def held_out_inputs(data: Path, seed: int, scale: float, zero_point: int, limit: int | None,
                report: Callable[[str], None]) -> tuple[np.ndarray, np.ndarray]:
    """The test split's int8 features (N, 49, 10), made as the device makes
    them and as MLPerf Tiny's runner sends them (a model of fewer frames or
    coefficients takes ``crop_features`` of them), and their labels; the
    first ``limit`` clips when given."""
    from tinykit.kws.dataset import load_speech_commands
    from tinykit.kws.features import mfcc, quantize

    testing = load_speech_commands(data, seed=seed, splits=("testing",)).testing  # only the clips measured
    count = len(testing.labels) if limit is None else min(limit, len(testing.labels))
    if count == 0:
        raise TinykitError(f"the test split of {data} is empty; check its testing_list.txt.")
    report(f"computing the MFCCs of {count} test clips")
    inputs = np.stack([quantize(mfcc(clip), scale, zero_point) for clip in testing.audio[:count]])
    return inputs, testing.labels[:count]


def deploy(
    out: Path, board_name: str, data: Path | None = None, port: str | None = None, clips: int | None = None,
    clip: Path | None = None, report: Callable[[str], None] = lambda _: None,
) -> dict:
    """Build both apps for the board (the streaming app with the recording
    ``clip`` in flash if given), profile the benchmark app and measure its
    test accuracy on the board and on the host; plain JSON values."""
    from tinykit.build import build
    from tinykit.frontend.tflite_reader import read_tflite
    from tinykit.kws.stream import build_stream, check_stream_model
    from tinykit.profile.measure import profile_build
    from tinykit.verify.device import device_link, run_on_device
    from tinykit.verify.tflm import run_tflm

    out = Path(out)
    tflite = model_file(out)
    board = get_board(board_name)
    if not board.is_cortex_m:
        raise TinykitError(f"kws deploy puts the model on a board; {board.name} is this machine. Pick one of `tinykit boards`.")
    if board.kind == "real" and port is None:
        raise TinykitError(f"{board.name} is a real board: connect it and give its serial port with --port (for example /dev/ttyACM0).")
    data_root = _data_folder(out, data)
    clip_samples = None
    if clip is not None:
        from tinykit.kws.wav import read_wav

        recording = read_wav(clip)
        if recording.note:
            report(recording.note)
        clip_samples = recording.samples
    graph = read_tflite(tflite)
    resolution = check_stream_model(graph, str(tflite))
    folder = out / board.name

    report(f"building the benchmark app for {board.name} into {folder}")
    compiled = build(tflite, folder, board=board.name, progress=report, mlperf_id=MLPERF_ID)
    stream = build_stream(compiled.tflite, folder / STREAM_FOLDER, board, report, clip=clip_samples)
    if board.kind == "real":
        from tinykit.deploy.flash import flash

        report(f"flashing the benchmark app to {board.name}")
        flash(folder, board, progress=report)

    tensor = compiled.graph.inputs[0]
    inputs, labels = held_out_inputs(data_root, int(_train_settings(out).get("seed", 0)), tensor.quant.single_scale,
                                 tensor.quant.single_zero_point, clips, report)
    # The device gets the 49 x 10 features as MLPerf's runner sends them and crops them itself; the host's
    # tflite-micro gets the same crop, cut here.
    sent = [[x] for x in inputs]
    samples = [[x.reshape(tensor.shape)] for x in crop_features(inputs, resolution)]
    report(f"running {len(samples)} test clips in tflite-micro on the host")
    host = np.array([int(np.argmax(o[0])) for o in run_tflm(compiled.tflite.read_bytes(), samples)])

    profile = profile_build(folder, port=port, runs=PROFILE_RUNS, warmups=1, report=report)
    report(f"sending {len(samples)} test clips to {board.name}")
    step = max(1, len(samples) // 10)

    def progress(done: int) -> None:
        if done % step == 0 or done == len(samples):
            report(f"  {done}/{len(samples)} clips")

    with device_link(folder, board, port) as url:
        outputs = run_on_device(url, compiled.graph, sent, compiled.build_hash, progress)
    device = np.array([int(np.argmax(o[0])) for o in outputs])
    return {
        "board": board.name,
        "link": port or "qemu",
        "folder": str(folder),
        "mlperf_id": compiled.mlperf.id,
        "stream_folder": str(folder / STREAM_FOLDER),
        "data": str(data_root),
        "clips": len(samples),
        "resolution": list(resolution),
        "host_int8_accuracy": float(np.mean(host == labels)),
        "device_accuracy": float(np.mean(device == labels)),
        "disagreements": int(np.sum(host != device)),
        "latency_ms": profile["latency_ms"],
        "latency_cycles": profile["latency_cycles"],
        "clock": profile["clock"],
        "cpu_hz": profile["cpu_hz"],
        "arena_bytes": profile["memory"]["arena"],
        "flash_bytes": profile["memory"]["flash"],
        "stack_peak_bytes": profile["memory"]["stack_peak"],
        "stream_flash_bytes": stream.sizes.flash,
        "stream_sram_bytes": stream.sizes.sram,
        "stream_clip_s": 0.0 if clip_samples is None else len(clip_samples) / 16000,
        "outputs_match": profile["outputs_match"],
        "link_events": profile["link_events"],
    }


def render_deploy(result: dict) -> str:
    lines = [
        f"keyword spotting on {result['board']} ({result['link']}), {result['clips']} test clips of {result['data']}",
        f"  host int8 accuracy (tflite-micro)  {100 * result['host_int8_accuracy']:.2f}%",
        f"  device accuracy                    {100 * result['device_accuracy']:.2f}%",
        f"  clips where they differ            {result['disagreements']}",
        f"  latency {result['latency_ms']:.2f} ms ({result['latency_cycles']:.0f} cycles, {result['clock']}), "
        f"arena {result['arena_bytes']:,} bytes, flash {result['flash_bytes']:,} bytes",
        f"benchmark app (MLPerf Tiny protocol, m-model-[{result['mlperf_id']}]): {result['folder']}",
        f"streaming app: {result['stream_folder']} (flash {result['stream_flash_bytes']:,} bytes, "
        f"SRAM {result['stream_sram_bytes']:,} bytes); try `tinykit kws listen {result['folder']} --wav talk.wav`",
    ]
    frames, coefficients = result["resolution"]
    if (frames, coefficients) != (FRAMES, COEFFICIENTS):
        lines.append(f"the model takes {frames} frames x {coefficients} coefficients: the benchmark app crops the "
                     f"{FRAMES}x{COEFFICIENTS} inputs it receives to the first ones, the streaming app gives it the "
                     f"most recent {frames} frames of its ring")
    return "\n".join(lines)
