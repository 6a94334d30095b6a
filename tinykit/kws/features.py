"""The keyword-spotting features on the host, computed by the device's own C
front end (firmware/features/), so training sees the bytes the board sees.

    from tinykit.kws.features import mfcc, quantize
    features = mfcc(pcm)                      # int16 clip -> float32 [49, 10]
    model_input = quantize(features, scale, zero_point)   # int8 [49, 10]

A model may take fewer frames or coefficients than the front end computes (an
architecture search picks the input resolution): ``feature_resolution`` reads
which from its input shape, and ``crop_features`` (a clip) or ``latest_frames``
(the streaming ring) cut them out of the 49 x 10.

The C sources are compiled on first use into a shared library in tinykit's
host build cache (``~/.cache/tinykit/host-runtime``) and called with ctypes.
The definition, MLPerf Tiny's, is written out in
:mod:`tinykit.kws.features_reference`; a clip is zero-padded at the end to
16000 samples or cut to its first 16000, and scaled by 1 / its largest sample.
"""

from __future__ import annotations

import ctypes
import functools
import shutil
from pathlib import Path

import numpy as np

from tinykit.errors import TinykitError
from tinykit.kws.progress import Bar, no_bar
from tinykit.kws.features_reference import COEFFICIENTS, FFT_SIZE, FRAMES, STRIDE
from tinykit.resources import firmware_dir
from tinykit.verify.host import RELEASE_FLAGS, STRICT_FLAGS, cached_shared_library

# The device builds with -std=c99, which keeps GCC from fusing multiply-adds;
# spelled out here so that no default can change the host's arithmetic.
DETERMINISTIC_FLAGS = ("-ffp-contract=off", "-fno-fast-math")

_FLOAT_P = ctypes.POINTER(ctypes.c_float)
_INT16_P = ctypes.POINTER(ctypes.c_int16)
_INT8_P = ctypes.POINTER(ctypes.c_int8)


FEATURES_LIBRARY = "tinykit_features"


def features_dir() -> Path:
    """firmware/features: include/tinykit/mfcc.h and src/*.c."""
    return firmware_dir() / "features"


def copy_features_library(project: Path) -> Path:
    """Lay the front end out as the PlatformIO library lib/tinykit_features
    (include/, src/) of the firmware project ``project``, for an app that
    computes features on the board; PlatformIO builds it with the
    dev-platform's -std=c99, which keeps the arithmetic the host's. The
    folder is replaced, so no stale source lingers."""
    library = Path(project) / "lib" / FEATURES_LIBRARY
    if library.exists():
        shutil.rmtree(library)
    shutil.copytree(features_dir() / "include", library / "include")
    shutil.copytree(features_dir() / "src", library / "src")
    return library


@functools.cache
def library() -> ctypes.CDLL:
    """The C front end built for this machine (built once, then cached)."""
    src = features_dir() / "src"
    path = cached_shared_library(
        "tinykit_mfcc",
        sorted(src.glob("*.c")),
        [features_dir() / "include", src],
        STRICT_FLAGS + RELEASE_FLAGS + DETERMINISTIC_FLAGS,
    )
    lib = ctypes.CDLL(str(path))
    lib.tk_mfcc_clip.argtypes = [_INT16_P, ctypes.c_size_t, ctypes.c_void_p, _FLOAT_P]
    lib.tk_mfcc_clip.restype = None
    lib.tk_mfcc_quantize.argtypes = [_FLOAT_P, ctypes.c_size_t, ctypes.c_float, ctypes.c_int32, _INT8_P]
    lib.tk_mfcc_quantize.restype = None
    lib.tk_mfcc_stream_bytes.argtypes = []
    lib.tk_mfcc_stream_bytes.restype = ctypes.c_size_t
    for name in ("tk_mfcc_stream_init", "tk_mfcc_stream_push", "tk_mfcc_stream_window"):
        getattr(lib, name).restype = None
    lib.tk_mfcc_stream_init.argtypes = [ctypes.c_void_p]
    lib.tk_mfcc_stream_push.argtypes = [ctypes.c_void_p, _INT16_P]
    lib.tk_mfcc_stream_full.argtypes = [ctypes.c_void_p]
    lib.tk_mfcc_stream_full.restype = ctypes.c_int32
    lib.tk_mfcc_stream_window.argtypes = [ctypes.c_void_p, _FLOAT_P]
    return lib


def _pcm(pcm: np.ndarray) -> np.ndarray:
    array = np.asarray(pcm)
    if array.ndim != 1 or array.dtype != np.int16:
        raise TinykitError(
            f"mfcc() takes one clip as a 1-D int16 array of 16 kHz samples, got {array.dtype} "
            f"of shape {array.shape}; convert with np.asarray(samples, dtype=np.int16) (one channel)."
        )
    return np.ascontiguousarray(array)


def mfcc(pcm: np.ndarray) -> np.ndarray:
    """MFCCs of one clip of int16 PCM at 16 kHz: float32 [49, 10], the exact
    values the device quantizes. Shorter clips count as zero-padded at the
    end, longer ones as their first 16000 samples."""
    clip = _pcm(pcm)
    out = np.empty((FRAMES, COEFFICIENTS), dtype=np.float32)
    scratch = np.empty(FFT_SIZE, dtype=np.float32)  # tk_mfcc_scratch: the FFT buffer
    library().tk_mfcc_clip(clip.ctypes.data_as(_INT16_P), clip.size, scratch.ctypes.data, out.ctypes.data_as(_FLOAT_P))
    return out


def mfcc_clips(audio: np.ndarray, bar: Bar = no_bar, label: str = "") -> np.ndarray:
    """MFCCs of int16 clips (N, 16000) as a model's input batch, float32 (N, 49, 10, 1); ``bar`` shows progress."""
    out = np.zeros((len(audio), FRAMES, COEFFICIENTS, 1), dtype=np.float32)
    with bar(len(audio), label) as advance:
        for k, clip in enumerate(audio):
            out[k, ..., 0] = mfcc(clip)
            advance(1)
    return out


def feature_resolution(shape: tuple[int, ...], source: str) -> tuple[int, int]:
    """(frames, coefficients) a model whose input has ``shape`` takes: its input must be
    1 x frames x coefficients (x 1), a crop of the front end's 49 x 10 (frames <= 49,
    coefficients <= 10); anything else is refused, naming ``source`` and the fix."""
    dims = tuple(shape)
    if len(dims) in (3, 4) and dims[0] == 1 and dims[3:] in ((), (1,)):
        frames, coefficients = dims[1], dims[2]
        if 1 <= frames <= FRAMES and 1 <= coefficients <= COEFFICIENTS:
            return frames, coefficients
    raise TinykitError(
        f"{source} takes an input of shape {'x'.join(map(str, dims))}, which is not MFCC features the keyword-spotting "
        f"front end gives: it computes {FRAMES} frames x {COEFFICIENTS} coefficients, and a model may take the first "
        f"frames and first coefficients of them, an input of 1 x frames x coefficients (x 1) with frames <= {FRAMES} "
        f"and coefficients <= {COEFFICIENTS}. Train the model on those features (`tinykit kws train`, or `tinykit "
        "search --task kws`, whose resolutions are such crops)."
    )


def crop_features(features: np.ndarray, resolution: tuple[int, int]) -> np.ndarray:
    """Clip features (N, 49, 10, ...) at a smaller resolution: the first frames of each clip (a shorter window:
    its first frames * 320 + 160 samples) and the first MFCC coefficients of each frame. The search
    trains on these, and the benchmark app cuts the same out of the 49 x 10 int8 input it receives."""
    frames, coefficients = resolution
    return features[:, :frames, :coefficients]


def latest_frames(window: np.ndarray, resolution: tuple[int, int]) -> np.ndarray:
    """What the streaming app gives a model of ``resolution`` from one 49 x 10 window of its ring: the most recent
    frames (the window's last) and the first coefficients of each, as firmware/apps/kws_stream/kws_app.c does.

    The search trained the model on the first frames of 1 s clips; a stream has no clip boundaries, and every
    word passes through every position of the window stride by stride, so the model sees a word where training
    put it either way. The latest frames see it soonest: the oldest would answer (49 - frames) * 20 ms later
    for the same view. The gain stays the whole window's (its largest sample over the last second), as a
    clip's covers the whole clip, not just the frames the model takes."""
    frames, coefficients = resolution
    return window[FRAMES - frames:, :coefficients]


def quantize(features: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """int8 features exactly as the device makes them (TF Lite's rounding:
    half away from zero, then the zero point, saturated); same shape."""
    if not (np.isfinite(scale) and scale > 0):
        raise TinykitError(f"the input scale must be a positive number, got {scale}; read it from the model's input tensor.")
    if not -128 <= int(zero_point) <= 127:
        raise TinykitError(f"an int8 zero point lies in -128..127, got {zero_point}; read it from the model's input tensor.")
    values = np.ascontiguousarray(features, dtype=np.float32)
    out = np.empty(values.shape, dtype=np.int8)
    library().tk_mfcc_quantize(
        values.ctypes.data_as(_FLOAT_P), values.size, ctypes.c_float(scale), int(zero_point), out.ctypes.data_as(_INT8_P)
    )
    return out


def stream_windows(pcm: np.ndarray, every: int = 1) -> list[np.ndarray]:
    """What the device's streaming ring (tk_mfcc_stream) gives for a
    recording: the window of the last 49 frames, float32 [49, 10], after
    every ``every``-th push of 320 samples once the ring is full. A window
    after push p covers samples [320 p - 15840, 320 p)."""
    audio = _pcm(pcm)
    lib = library()
    state = ctypes.create_string_buffer(lib.tk_mfcc_stream_bytes())
    lib.tk_mfcc_stream_init(state)
    windows = []
    full_pushes = 0
    for start in range(0, audio.size - STRIDE + 1, STRIDE):
        chunk = np.ascontiguousarray(audio[start : start + STRIDE])
        lib.tk_mfcc_stream_push(state, chunk.ctypes.data_as(_INT16_P))
        if lib.tk_mfcc_stream_full(state):
            if full_pushes % every == 0:
                window = np.empty((FRAMES, COEFFICIENTS), dtype=np.float32)
                lib.tk_mfcc_stream_window(state, window.ctypes.data_as(_FLOAT_P))
                windows.append(window)
            full_pushes += 1
    return windows
