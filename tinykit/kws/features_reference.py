"""MLPerf Tiny's keyword-spotting front end in NumPy: the definition the C
front end (firmware/features/) is measured against and its tables come from.

MLPerf Tiny's training code (benchmark/training/keyword_spotting/get_dataset.py,
feature_type "mfcc") computes, with tf.signal, for one 1 s clip at 16 kHz:

1. the int16 samples as float32, divided by the clip's largest sample (its
   signed maximum, ``reduce_max``, not the largest magnitude), zero-padded at
   the end to 16000 samples;
2. ``tf.signal.stft`` with a 480-sample (30 ms) periodic Hann window, a
   320-sample (20 ms) stride, no end padding and the FFT length rounded up to
   512: 49 frames of 257 bins; then the magnitude ``tf.abs`` (not the power);
3. ``tf.signal.linear_to_mel_weight_matrix(40, 257, 16000, 20, 4000)``: HTK
   mel scale (1127 ln(1 + f/700)), triangles between 42 equally spaced mel
   points, the DC bin weighted zero;
4. ``log(mel + 1e-6)``;
5. ``tf.signal.mfccs_from_log_mel_spectrograms``: the unnormalised DCT-II
   times 1/sqrt(2 * 40), i.e. sqrt(2/40) * sum_n x_n cos(pi k (2n + 1) / 80)
   for every k (k = 0 included), keeping the first 10: 49 x 10.

Where that code has no answer this module (and the C code) decides: a clip
longer than 16000 samples keeps its first 16000; a clip whose largest sample
is not positive (silence, or only negative samples) is scaled by 1/32768
instead of MLPerf's division by zero or sign flip.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000
CLIP_SAMPLES = 16000
WINDOW = 480
STRIDE = 320
FFT_SIZE = 512
BINS = FFT_SIZE // 2 + 1
FRAMES = 1 + (CLIP_SAMPLES - WINDOW) // STRIDE
MEL_BANDS = 40
MEL_LOW_HZ = 20.0
MEL_HIGH_HZ = 4000.0
COEFFICIENTS = 10
LOG_EPSILON = 1e-6
SILENT_CLIP_GAIN = 1.0 / 32768.0


def hann_window() -> np.ndarray:
    """tf.signal.hann_window(480), periodic: 0.5 - 0.5 cos(2 pi n / 480), float32."""
    n = np.arange(WINDOW, dtype=np.float64)
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * n / WINDOW)).astype(np.float32)


def _hertz_to_mel(hertz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(hertz, dtype=np.float64) / 700.0)


def mel_weight_matrix() -> np.ndarray:
    """tf.signal.linear_to_mel_weight_matrix(40, 257, 16000, 20, 4000): [257, 40] float32
    (computed in float64, then rounded)."""
    bin_mel = _hertz_to_mel(np.linspace(0.0, SAMPLE_RATE / 2.0, BINS)[1:])[:, None]
    edges = np.linspace(_hertz_to_mel(MEL_LOW_HZ), _hertz_to_mel(MEL_HIGH_HZ), MEL_BANDS + 2)
    lower, center, upper = edges[:-2][None, :], edges[1:-1][None, :], edges[2:][None, :]
    rising = (bin_mel - lower) / (center - lower)
    falling = (upper - bin_mel) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return np.vstack([np.zeros((1, MEL_BANDS)), weights]).astype(np.float32)


def dct_matrix() -> np.ndarray:
    """[10, 40] float32: row k is sqrt(2/40) cos(pi k (2n + 1) / 80), the scaled
    DCT-II of tf.signal.mfccs_from_log_mel_spectrograms."""
    k = np.arange(COEFFICIENTS, dtype=np.float64)[:, None]
    n = np.arange(MEL_BANDS, dtype=np.float64)[None, :]
    return (np.sqrt(2.0 / MEL_BANDS) * np.cos(np.pi * k * (2.0 * n + 1.0) / (2.0 * MEL_BANDS))).astype(np.float32)


def fit_clip(pcm: np.ndarray) -> np.ndarray:
    """One clip as int16 of exactly 16000 samples: zero-padded at the end or
    cut to its first 16000."""
    pcm = np.asarray(pcm)
    if pcm.ndim != 1 or pcm.dtype != np.int16:
        raise ValueError(f"expected one clip as a 1-D int16 array, got {pcm.dtype} of shape {pcm.shape}")
    clip = np.zeros(CLIP_SAMPLES, dtype=np.int16)
    clip[: min(len(pcm), CLIP_SAMPLES)] = pcm[:CLIP_SAMPLES]
    return clip


def clip_gain(clip: np.ndarray) -> float:
    """What MLPerf multiplies the samples by: 1 / the largest sample."""
    peak = int(np.max(clip))
    return 1.0 / peak if peak > 0 else SILENT_CLIP_GAIN


def mfcc_reference(pcm: np.ndarray) -> np.ndarray:
    """MLPerf Tiny's MFCCs of one clip (int16 PCM at 16 kHz): float32 [49, 10]."""
    clip = fit_clip(pcm)
    samples = clip.astype(np.float64) * clip_gain(clip)
    starts = np.arange(FRAMES) * STRIDE
    frames = samples[starts[:, None] + np.arange(WINDOW)[None, :]] * hann_window()
    magnitude = np.abs(np.fft.rfft(frames, n=FFT_SIZE, axis=1))
    log_mel = np.log(magnitude @ mel_weight_matrix().astype(np.float64) + LOG_EPSILON)
    return (log_mel @ dct_matrix().astype(np.float64).T).astype(np.float32)
