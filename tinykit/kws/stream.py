"""The streaming keyword-spotting app (firmware/apps/kws_stream) from the
host's side: its build, its settings and the records it prints.

The app takes 16 kHz int16 PCM in ``tk-pcm`` chunks, pushes one MFCC frame
per 20 ms into the front end's ring, runs the model at every stride on the
last 49 frames (a model of fewer frames or coefficients gets the most recent
frames and the first coefficients: ``tinykit.kws.features.latest_frames``),
averages the outputs of the last strides and reports a detection when the
best keyword's mean posterior reaches the threshold, then stays quiet for
the suppression time. The device does all of it in integers but the
features; the host turns the figures into seconds and probabilities with
the model's output scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from tinykit.boards import Board
from tinykit.errors import TinykitError
from tinykit.ir import DType, Graph
from tinykit.kws.features import feature_resolution
from tinykit.kws.features_reference import COEFFICIENTS, FRAMES, SAMPLE_RATE, STRIDE
from tinykit.profile.protocol import Record, ReplyError, records

if TYPE_CHECKING:
    from tinykit.deploy.platformio import BuildResult

APP = "kws_stream"
STREAM_FOLDER = "stream"
# Most samples one tk-pcm command carries (KWS_CHUNK_MAX_SAMPLES in kws_app.h).
CHUNK_SAMPLES = 5 * STRIDE
# Most strides averaged (KWS_AVERAGE_MAX).
AVERAGE_MAX = 16


@dataclass(frozen=True)
class StreamSettings:
    """When the model runs and what counts as a detection.

    The defaults are benchmarks/kws_detector.py's choice for the README's
    model (fewest misses plus false alarms on sentences by the training
    voices of its set): a word fills the model's second for only two or
    three strides, so a short average with a high threshold fires on fewer
    other words than a long one, and finds as many keywords.
    """

    stride_ms: int = 250
    average_ms: int = 500
    threshold: float = 0.85
    suppress_ms: int = 1000

    @property
    def stride_samples(self) -> int:
        return self.stride_ms * SAMPLE_RATE // 1000

    @property
    def average_strides(self) -> int:
        return max(1, round(self.average_ms / self.stride_ms))

    @property
    def suppress_samples(self) -> int:
        return self.suppress_ms * SAMPLE_RATE // 1000

    def check(self) -> None:
        if not 20 <= self.stride_ms <= 60_000:
            raise TinykitError(f"--stride must be 20 ms (one feature frame) to 60000 ms, got {self.stride_ms}.")
        if not 1 <= self.average_strides <= AVERAGE_MAX:
            raise TinykitError(
                f"--average {self.average_ms} ms is {self.average_strides} strides of {self.stride_ms} ms; the device "
                f"averages 1 to {AVERAGE_MAX}. Shorten the average or lengthen the stride."
            )
        if not 0.0 < self.threshold <= 1.0:
            raise TinykitError(f"--threshold is a posterior probability in (0, 1], got {self.threshold}.")
        if self.suppress_ms < 0:
            raise TinykitError(f"--suppress must be 0 ms or more, got {self.suppress_ms}.")

    def threshold_steps(self, output_scale: float) -> int:
        """The threshold in the model's output steps above its zero point: a
        mean posterior scale * steps >= threshold."""
        return math.ceil(self.threshold / output_scale - 1e-9)

    def command(self, output_scale: float, keywords: int) -> str:
        """The tk-config command that sets these on the device."""
        self.check()
        return (
            f"tk-config {self.stride_samples} {self.average_strides} {self.threshold_steps(output_scale)} "
            f"{self.suppress_samples} {keywords}"
        )

    def to_json(self) -> dict:
        return {"stride_ms": self.stride_ms, "average_ms": self.average_ms, "average_strides": self.average_strides,
                "threshold": self.threshold, "suppress_ms": self.suppress_ms}


@dataclass(frozen=True)
class Stride:
    """One model run: the sample count when it ran, its cycles and raw int8 outputs."""

    sample: int
    feature_cycles: int
    infer_cycles: int
    outputs: np.ndarray


@dataclass(frozen=True)
class Detection:
    """A detection: class index, summed posterior steps over ``strides`` runs, at ``sample``."""

    label: int
    score_steps: int
    strides: int
    sample: int

    @property
    def time_s(self) -> float:
        return self.sample / SAMPLE_RATE

    def score(self, output_scale: float) -> float:
        """The mean posterior of the detected keyword over the averaged strides."""
        return output_scale * self.score_steps / self.strides


def decode_strides(lines: list[str]) -> list[Stride]:
    return [
        Stride(r.integer("sample"), r.integer("feature"), r.integer("infer"),
               np.frombuffer(bytes.fromhex(r.get("out")), dtype=np.int8).copy())
        for r in records(lines, "stride")
    ]


def decode_detections(lines: list[str]) -> list[Detection]:
    return [
        Detection(r.integer("label"), r.integer("score"), r.integer("strides"), r.integer("sample"))
        for r in records(lines, "detect")
    ]


def decode_pcm_ack(lines: list[str]) -> int:
    """Samples the device has taken since its last reset (the m-tk-pcm record)."""
    found: list[Record] = records(lines, "pcm")
    if len(found) != 1:
        raise ReplyError(f"expected one m-tk-pcm record in the reply to tk-pcm, got {len(found)}: {lines!r}")
    return found[0].integer("samples")


def check_stream_model(graph: Graph, source: str) -> tuple[int, int]:
    """Refuse a model the keyword-spotting apps cannot run: one int8 input of MFCCs the front end gives (its 49 x 10
    or the first frames and coefficients of them: ``feature_resolution``), one int8 output of class scores.
    Returns the (frames, coefficients) the model takes."""
    inputs, outputs = graph.inputs, graph.outputs
    ok = (
        len(inputs) == 1 and len(outputs) == 1 and inputs[0].dtype is DType.INT8 and outputs[0].dtype is DType.INT8
        and outputs[0].quant is not None
    )
    if not ok:
        shapes = [list(t.shape) for t in inputs], [list(t.shape) for t in outputs]
        raise TinykitError(
            f"{source} does not fit the keyword-spotting apps: they take one int8 input of {FRAMES}x{COEFFICIENTS} "
            f"MFCCs (or the first frames and coefficients of them) and give one int8 output of class scores; this "
            f"model has inputs {shapes[0]} and outputs {shapes[1]}. Train it with `tinykit kws train` or `tinykit "
            "search --task kws`."
        )
    return feature_resolution(inputs[0].shape, source)


BOOT_SOURCE = "kws_boot.c"


def write_boot(folder: Path, settings: StreamSettings, output_scale: float, keywords: int,
               clip: np.ndarray | None = None) -> Path:
    """Write src/kws_boot.c of a streaming app project: the settings it
    starts with and ``clip`` (int16 at 16 kHz, the tail short of a 20 ms
    frame dropped) as a const array in flash, or no clip."""
    settings.check()
    pcm = np.zeros(0, dtype=np.int16) if clip is None else np.asarray(clip, dtype=np.int16)
    pcm = pcm[: len(pcm) - len(pcm) % STRIDE]
    rows = [", ".join(str(int(v)) for v in pcm[i:i + 16]) for i in range(0, len(pcm), 16)]
    text = (
        f"/* Generated by tinykit (tinykit.kws.stream.write_boot): the settings, and a clip of {len(pcm)} samples "
        f"({len(pcm) / SAMPLE_RATE:.2f} s at 16 kHz). Do not edit. */\n"
        '#include "kws_boot.h"\n\n'
        "const kws_settings KWS_BOOT_SETTINGS = {\n"
        f"    .stride_samples = {settings.stride_samples},\n"
        f"    .average_strides = {settings.average_strides},\n"
        f"    .threshold = {settings.threshold_steps(output_scale)},\n"
        f"    .suppress_samples = {settings.suppress_samples},\n"
        f"    .keywords = {keywords},\n"
        "};\n\n"
        f"const int16_t KWS_CLIP[{max(len(pcm), 1)}] = {{\n    {(',' + chr(10) + '    ').join(rows) if rows else '0'}\n}};\n"
        f"const int32_t KWS_CLIP_SAMPLES = {len(pcm)};\n"
    )
    path = folder / "src" / BOOT_SOURCE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def build_stream(tflite: Path, folder: Path, board: Board, progress: Callable[[str], None] = lambda _: None,
                 settings: StreamSettings = StreamSettings(), clip: np.ndarray | None = None) -> BuildResult:
    """Build the streaming app around the int8 model ``tflite`` for ``board``
    in ``folder``, starting with ``settings`` and with ``clip`` (int16
    samples) in flash if given; returns the firmware build (ELF, sizes)."""
    from tinykit.build import build
    from tinykit.frontend.tflite_reader import read_tflite
    from tinykit.kws.dataset import KEYWORDS

    graph = read_tflite(tflite)
    check_stream_model(graph, str(tflite))
    write_boot(folder, settings, graph.outputs[0].quant.single_scale, len(KEYWORDS), clip)
    return build(tflite, folder, board=board.name, progress=progress, app=APP).firmware


def stream_folder(build: Path) -> Path:
    """The streaming app's build inside a `kws deploy` board folder (or the folder itself)."""
    for folder in (build / STREAM_FOLDER, build):
        if (folder / "src" / "kws_app.c").exists() and (folder / "tinykit.json").exists():
            return folder
    raise TinykitError(
        f"{build} holds no streaming app build. Make it with `tinykit kws deploy OUT --board BOARD`, which writes "
        f"OUT/BOARD/{STREAM_FOLDER}/, and pass OUT/BOARD."
    )
