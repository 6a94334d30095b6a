"""`tinykit kws listen`: stream a recording to the streaming app on a board
(or QEMU) and report what it detected, how it scored against labels, and
whether the board keeps up in real time.

Audio goes in ``tk-pcm`` chunks of 100 ms (1600 samples as raw int16 after
the command, with their CRC-32 and the sample the chunk starts at, so a chunk
damaged, lost, repeated or out of order is refused before use and sent
again, never shifting the audio); each reply carries the strides the model
ran in that chunk and any detection, so detections print as they happen.
With ``realtime`` a chunk is sent only when its audio would have been
recorded, as from a microphone; otherwise as fast as the link carries them.

Real-time figures come from the device's own cycle counts: the front end's
and the model's cycles per stride at the board clock, their sum over the
stride (the duty cycle), and how far behind the live audio a board that
started each stride only when the previous one was done would fall.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from tinykit.boards import get_board
from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.handoff import read_handoff
from tinykit.kws.dataset import KEYWORDS, LABELS
from tinykit.kws.features import feature_resolution
from tinykit.kws.features_reference import CLIP_SAMPLES, FRAMES, SAMPLE_RATE, STRIDE
from tinykit.kws.stream import (
    APP,
    CHUNK_SAMPLES,
    Detection,
    StreamSettings,
    Stride,
    decode_detections,
    decode_pcm_ack,
    decode_strides,
    stream_folder,
)
from tinykit.profile.client import DeviceClient, DeviceError
from tinykit.profile.protocol import ChecksumError, ReplyError, cycles_to_ms, decode_info, single_record
from tinykit.verify.device import check_build, device_link, firmware_elf

# A chunk damaged on the way in is refused by the device and sent again this often.
CHUNK_RESENDS = 2


@dataclass(frozen=True)
class Onset:
    time_s: float
    keyword: str
    line: int


def read_labels(path: Path) -> list[Onset]:
    """`onset_seconds keyword` per line (blank lines and # comments skipped)."""
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise TinykitError(f"Cannot read the labels file {path}: {error.strerror or error}.") from error
    onsets = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        try:
            onset = float(parts[0])
        except ValueError:
            onset = -1.0
        if len(parts) != 2 or not onset >= 0.0 or parts[1] not in KEYWORDS:
            raise TinykitError(
                f"{path}, line {number}: {raw.strip()!r} is not `onset_seconds keyword` with a keyword among "
                f"{', '.join(KEYWORDS)} (for example `2.35 yes`)."
            )
        onsets.append(Onset(onset, parts[1], number))
    return sorted(onsets, key=lambda o: o.time_s)


def hit_window_s(settings: StreamSettings, frames: int = FRAMES) -> float:
    """How long after an onset a detection of its keyword counts as a hit:
    the model's view (1 s for 49 frames; 20 ms less per frame fewer, for a
    searched resolution, which sees the ring's latest frames), then the
    averaging window (the device reports a detection when the averaged audio
    ends, so the word lies before it)."""
    view_samples = CLIP_SAMPLES - (FRAMES - frames) * STRIDE
    return view_samples / SAMPLE_RATE + settings.average_strides * settings.stride_ms / 1000.0


def score(detections: list[dict], onsets: list[Onset], window_s: float) -> dict:
    """Match detections to labelled onsets in time order: a hit is a detection
    of the onset's keyword in [onset, onset + window_s], each used once."""
    used: set[int] = set()
    outcome = []
    for onset in onsets:
        match = next(
            (i for i, d in enumerate(detections)
             if i not in used and d["keyword"] == onset.keyword and onset.time_s <= d["time_s"] <= onset.time_s + window_s),
            None,
        )
        if match is not None:
            used.add(match)
        outcome.append({"onset_s": onset.time_s, "keyword": onset.keyword,
                        "detected_s": detections[match]["time_s"] if match is not None else None})
    hits = sum(1 for o in outcome if o["detected_s"] is not None)
    return {"hits": hits, "misses": len(onsets) - hits, "false_alarms": len(detections) - len(used),
            "hit_window_s": window_s, "labels": outcome}


def realtime_figures(strides: list[Stride], settings: StreamSettings, cpu_hz: int, clock: str) -> dict:
    """Per-stride feature and inference time, the duty cycle and how far
    behind live audio the board falls (0 when it keeps up)."""
    if not strides:
        return {"stride_ms": settings.stride_ms, "feature_ms": 0.0, "inference_ms": 0.0, "duty_cycle": 0.0,
                "behind_s": 0.0, "strides": 0, "clock": clock, "cpu_hz": cpu_hz}
    feature = float(np.mean([s.feature_cycles for s in strides]))
    inference = float(np.mean([s.infer_cycles for s in strides]))
    # A stride's work can start when its last sample has arrived and the previous stride is done.
    finish, behind = 0.0, 0.0
    for s in strides:
        arrival = s.sample / SAMPLE_RATE
        start = max(arrival, finish)
        behind = max(behind, start - arrival)
        finish = start + (s.feature_cycles + s.infer_cycles) / cpu_hz
    stride_ms = settings.stride_ms
    return {
        "stride_ms": stride_ms,
        "feature_ms": cycles_to_ms(feature, cpu_hz),
        "inference_ms": cycles_to_ms(inference, cpu_hz),
        "duty_cycle": cycles_to_ms(feature + inference, cpu_hz) / stride_ms,
        "behind_s": behind,
        "strides": len(strides),
        "clock": clock,
        "cpu_hz": cpu_hz,
    }


def _chunks(samples: np.ndarray) -> list[np.ndarray]:
    return [samples[i:i + CHUNK_SAMPLES] for i in range(0, len(samples), CHUNK_SAMPLES)]


# How the device refuses a chunk before using it, leaving the stream as it was: sending it again is safe.
_REFUSED_BEFORE_USE = {
    "CRC-32 does not match": "audio chunk damaged on the way in",
    "does not start where the stream is": "audio chunk arrived out of order",
}


def _send_chunk(device: DeviceClient, chunk: np.ndarray, at: int, timeout: float) -> list[str]:
    """Send the chunk that starts at sample ``at``; its reply lines."""
    payload = chunk.astype("<i2").tobytes()
    command = f"tk-pcm {len(chunk)} {zlib.crc32(payload):08x} {at}"
    for attempt in range(CHUNK_RESENDS + 1):
        try:
            return device.send_data(command, payload, timeout=timeout, expect="m-tk-pcm")
        except DeviceError as error:
            refused = next((what for cause, what in _REFUSED_BEFORE_USE.items() if cause in str(error)), None)
            if refused is None or attempt == CHUNK_RESENDS:
                raise
            device.events.append(f"{refused}, sent again ({error})")
    raise AssertionError("unreachable")


def stream_audio(
    url: str, build_hash: str, folder: Path, samples: np.ndarray, settings: StreamSettings, output_scale: float,
    realtime: bool = False, on_detection: Callable[[Detection], None] = lambda _: None,
) -> dict:
    """Stream ``samples`` to the app at ``url``; returns strides, detections and link facts."""
    strides: list[Stride] = []
    detections: list[Detection] = []
    link_behind = 0.0
    with DeviceClient(url, timeout=30.0, boot_timeout=30.0) as device:
        device.wait_ready()
        info_lines = device.command("tk-info", expect="an m-tk-info-[...] record")
        info = decode_info(info_lines)
        check_build(info, build_hash, url, folder)
        app = dict(single_record(info_lines, "info").fields).get("app")
        if app != APP:
            raise TinykitError(
                f"the board at {url} runs the {app or 'profiler (benchmark)'} app, not the streaming app. Flash "
                f"{folder} (`tinykit flash {folder}`) and retry."
            )
        device.command(settings.command(output_scale, len(KEYWORDS)), expect="m-ready after tk-config")
        started = time.monotonic()
        sent = 0
        for chunk in _chunks(samples):
            if realtime:
                time.sleep(max(0.0, started + (sent + len(chunk)) / SAMPLE_RATE - time.monotonic()))
            try:
                lines = _send_chunk(device, chunk, sent, timeout=30.0)
                sent += len(chunk)
                if decode_pcm_ack(lines) != sent:
                    raise ReplyError(f"the device counts {decode_pcm_ack(lines)} samples, {sent} were sent")
                new_strides, new_detections = decode_strides(lines), decode_detections(lines)
            except (ChecksumError, ReplyError) as problem:
                raise TinykitError(
                    f"streaming to {url} failed at {sent / SAMPLE_RATE:.2f} s of audio: {problem}. The link is "
                    "unreliable (a streamed chunk cannot be replayed); check the cable and the baud rate, or reset "
                    "the board, and run again."
                ) from problem
            except TinykitError as problem:
                raise TinykitError(f"streaming to {url} stopped at {sent / SAMPLE_RATE:.2f} s of audio: {problem}") from None
            strides += new_strides
            detections += new_detections
            for detection in new_detections:
                on_detection(detection)
            if realtime:
                link_behind = max(link_behind, time.monotonic() - (started + sent / SAMPLE_RATE))
        events = list(device.events)
    return {"info": info, "strides": strides, "detections": detections, "events": events,
            "link_behind_s": link_behind, "elapsed_s": time.monotonic() - started}


def listen(
    build: Path, wav: Path, labels: Path | None = None, port: str | None = None, realtime: bool = False,
    settings: StreamSettings = StreamSettings(), report: Callable[[str], None] = lambda _: None,
    on_detection: Callable[[dict], None] = lambda _: None,
) -> dict:
    """Stream ``wav`` to the streaming app built under ``build``; the result as plain JSON values."""
    from tinykit.kws.wav import read_wav

    settings.check()
    audio = read_wav(wav)
    onsets = read_labels(labels) if labels is not None else []
    folder = stream_folder(Path(build))
    document = read_handoff(folder)
    board = get_board(document["board"])
    if audio.note:
        report(audio.note)
    samples = audio.samples
    if len(samples) % STRIDE:
        # The device takes whole 20 ms frames: the tail is padded with silence.
        samples = np.concatenate([samples, np.zeros(STRIDE - len(samples) % STRIDE, dtype=np.int16)])
    if len(samples) < CLIP_SAMPLES:
        raise TinykitError(
            f"{wav} holds {len(audio.samples) / SAMPLE_RATE:.2f} s of audio; the model looks at 1 s windows, so "
            "give a recording of at least 1 s."
        )
    graph = read_tflite(folder / document["model"]["file"])
    output_scale = graph.outputs[0].quant.single_scale
    if board.kind != "emulated" or port is not None:
        where = port
    else:
        if not firmware_elf(folder, board).exists():
            raise TinykitError(f"{folder} has no firmware ELF; run `tinykit kws deploy` for {board.name} again.")
        where = f"QEMU ({board.qemu_machine})"
    report(f"streaming {len(samples) / SAMPLE_RATE:.2f} s of {wav} to {board.name} via {where}"
           f"{' in real time' if realtime else ''}")

    def announce(detection: Detection) -> None:
        on_detection(_detection_json(detection, output_scale))

    with device_link(folder, board, port) as url:
        run = stream_audio(url, document["build_hash"], folder, samples, settings, output_scale, realtime, announce)
    info = run["info"]
    detections = [_detection_json(d, output_scale) for d in run["detections"]]
    figures = realtime_figures(run["strides"], settings, info.cpu_hz, info.clock_source)
    if realtime:
        figures["link_behind_s"] = run["link_behind_s"]
    result = {
        "board": board.name,
        "link": port or "qemu",
        "wav": str(wav),
        "audio_s": len(samples) / SAMPLE_RATE,
        "settings": settings.to_json(),
        "detections": detections,
        "realtime": figures,
        "keeps_up": figures["duty_cycle"] <= 1.0,
        "link_events": run["events"],
    }
    if labels is not None:
        frames, _ = feature_resolution(graph.inputs[0].shape, f"the model of {folder}")
        scored = score(detections, onsets, hit_window_s(settings, frames))
        result.update(scored)
    return result


def _detection_json(detection: Detection, output_scale: float) -> dict:
    return {"keyword": LABELS[detection.label], "time_s": round(detection.time_s, 4),
            "score": round(detection.score(output_scale), 4)}


def render_listen(result: dict) -> str:
    """The result as text (detections were printed as they came)."""
    rt = result["realtime"]
    lines = [
        f"{len(result['detections'])} detections in {result['audio_s']:.2f} s of audio on {result['board']}",
        f"per {rt['stride_ms']} ms stride: features {rt['feature_ms']:.2f} ms + inference {rt['inference_ms']:.2f} ms "
        f"= duty cycle {100 * rt['duty_cycle']:.1f}% ({rt['clock']} at {rt['cpu_hz'] / 1e6:g} MHz)",
    ]
    if result["keeps_up"]:
        lines.append("the board keeps up in real time")
    else:
        lines.append(
            f"the board cannot keep up in real time: it needs {100 * rt['duty_cycle']:.0f}% of each stride and falls "
            f"{rt['behind_s']:.2f} s behind over this recording. Lengthen --stride or use a smaller model."
        )
    if "link_behind_s" in rt:
        lines.append(f"the link delivered audio up to {rt['link_behind_s']:.2f} s late")
    if "hits" in result:
        lines.append(
            f"against the labels: {result['hits']} hits, {result['misses']} misses, {result['false_alarms']} false "
            f"alarms (a hit: the keyword detected within {result['hit_window_s']:.2f} s after its onset)"
        )
    return "\n".join(lines)
