"""The streaming app's computation replayed on the host, written apart from
the firmware as a test oracle: the front end's ring (stream_windows, the
same C) cut to the model's frames and coefficients (latest_frames), the
stride rule, the model in tflite-micro, then the averaging, threshold and
suppression rule in Python."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tinykit.frontend.tflite_reader import read_tflite
from tinykit.kws.features import feature_resolution, latest_frames, quantize, stream_windows
from tinykit.kws.features_reference import STRIDE
from tinykit.kws.stream import StreamSettings
from tinykit.verify.tflm import run_tflm


def host_strides(tflite: bytes, path: str, pcm: np.ndarray, settings: StreamSettings,
                 view: Callable[[np.ndarray, tuple[int, int]], np.ndarray] = latest_frames) -> tuple[list[int], list[np.ndarray]]:
    """(sample count, int8 outputs) of every stride the device runs on ``pcm``; ``view`` cuts the model's input
    out of each 49 x 10 window (a test passes another rule to show that the device's is told apart)."""
    graph = read_tflite(path)
    x = graph.inputs[0]
    windows = stream_windows(pcm)
    pushes = len(pcm) // STRIDE
    first_full = pushes - len(windows) + 1
    chosen, samples = [], []
    target = settings.stride_samples
    for push in range(1, pushes + 1):
        end = push * STRIDE
        if end < target:
            continue
        while target <= end:
            target += settings.stride_samples
        if push >= first_full:
            chosen.append(windows[push - first_full])
            samples.append(end)
    resolution = feature_resolution(x.shape, path)
    inputs = [[quantize(view(w, resolution), x.quant.single_scale, x.quant.single_zero_point).reshape(x.shape)]
              for w in chosen]
    outputs = [o[0].reshape(-1) for o in run_tflm(tflite, inputs)]
    return samples, outputs


def host_detections(samples: list[int], outputs: list[np.ndarray], zero_point: int, settings: StreamSettings,
                    threshold_steps: int, keywords: int) -> list[tuple[int, int, int, int]]:
    """(label, summed steps, strides averaged, sample) of each detection."""
    history: list[np.ndarray] = []
    found = []
    last = None
    for sample, out in zip(samples, outputs):
        history = (history + [out.astype(np.int32) - zero_point])[-settings.average_strides:]
        sums = np.sum(history, axis=0)[:keywords]
        label = int(np.argmax(sums))
        if sums[label] < threshold_steps * len(history):
            continue
        if last is not None and sample - last < settings.suppress_samples:
            continue
        last = sample
        found.append((label, int(sums[label]), len(history), sample))
    return found
