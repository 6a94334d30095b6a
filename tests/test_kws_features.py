"""The keyword-spotting front end on the host: the C code (firmware/features,
called through tinykit.kws.features) against the NumPy reference of MLPerf
Tiny's tf.signal features, with the bound stated here; the reference against
TensorFlow itself; quantization, padding and the streaming ring."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from kws_audio import front_end_clips, needs_espeak

from tinykit.errors import TinykitError
from tinykit.kws import feature_tables
from tinykit.kws.features import (DETERMINISTIC_FLAGS, feature_resolution, features_dir, mfcc, quantize,
                                  stream_windows)
from tinykit.kws.features_reference import fit_clip, mfcc_reference
from tinykit.verify.host import SANITIZER_FLAGS, STRICT_FLAGS

EDGE_CASES = Path(__file__).resolve().parent / "fixtures" / "mfcc_edge_cases.c"

# MLPerf Tiny's reference KWS model (trained_models/kws_ref_model.tflite)
# quantizes its input with this scale and zero point.
MLPERF_SCALE, MLPERF_ZERO_POINT = 0.5847029089927673, 83
# A scale ten times finer than any trained model's, to make int8 flips visible.
FINE_SCALE = 0.05

# The bound between the C front end and the reference, in MFCC units:
# measured 3.1e-5 at most on these clips (single precision against the
# reference's double; a float32 step is 7.6e-6 at the silent clip's -124),
# and no int8 feature differed, at MLPerf's scale or at 0.05 and 0.01.
MFCC_BOUND = 1e-4
# The streaming ring against the clip path: measured 3.7e-4 (coefficient 0,
# which takes the gain correction) and 1.8e-4 (the others).
STREAM_BOUND = 1e-3


@pytest.fixture(scope="module")
def clips() -> list[np.ndarray]:
    return front_end_clips(12, seed=1)


def test_tables_are_generated_from_the_reference() -> None:
    for name, text in feature_tables.render().items():
        assert (feature_tables.tables_dir() / name).read_text() == text, (
            f"{name} is stale: run `python -m tinykit.kws.feature_tables`"
        )


@needs_espeak
def test_c_features_within_the_bound_of_the_reference(clips) -> None:
    c = np.stack([mfcc(clip) for clip in clips])
    ref = np.stack([mfcc_reference(clip) for clip in clips])
    assert c.shape == (len(clips), 49, 10) and c.dtype == np.float32
    difference = np.abs(c.astype(np.float64) - ref)
    assert difference.max() <= MFCC_BOUND, f"max |C - reference| = {difference.max():.3g}"
    for scale, zero_point, equal_share in ((MLPERF_SCALE, MLPERF_ZERO_POINT, 0.999), (FINE_SCALE, 0, 0.99)):
        steps = np.abs(quantize(c, scale, zero_point).astype(np.int32) - quantize(ref, scale, zero_point))
        assert steps.max() <= 1, f"scale {scale}: int8 features differ by {steps.max()} steps"
        assert (steps == 0).mean() >= equal_share, f"scale {scale}: only {(steps == 0).mean():.4f} of int8 features equal"


@needs_espeak
@pytest.mark.slow
def test_reference_matches_tensorflow(clips) -> None:
    """The reference is MLPerf's get_dataset.py feature code, run here with tf.signal."""
    tf = pytest.importorskip("tensorflow")
    for clip in clips[:4] + clips[-4:-1]:  # not the silent clip: MLPerf divides by zero there
        wav = tf.cast(fit_clip(clip), tf.float32)
        wav = wav / tf.reduce_max(tf.cast(clip, tf.float32))
        stft = tf.signal.stft(wav, frame_length=480, frame_step=320, fft_length=None, window_fn=tf.signal.hann_window)
        mel_matrix = tf.signal.linear_to_mel_weight_matrix(40, stft.shape[-1], 16000, 20.0, 4000.0)
        mel = tf.tensordot(tf.abs(stft), mel_matrix, 1)
        expected = tf.signal.mfccs_from_log_mel_spectrograms(tf.math.log(mel + 1e-6))[..., :10].numpy()
        np.testing.assert_allclose(mfcc_reference(clip), expected, rtol=0, atol=1e-4)


def test_quantize_rounds_half_away_from_zero_and_saturates() -> None:
    scale = 0.5
    values = np.array([0.25, -0.25, 0.75, -0.75, 0.2, -0.2, 1e6, -1e6, 63.0, -64.0, np.nan], dtype=np.float32)
    # x / 0.5 = 0.5, -0.5, 1.5, -1.5, 0.4, -0.4, 2e6, -2e6, 126, -128
    assert quantize(values, scale, 1).tolist() == [2, 0, 3, -1, 1, 1, 127, -128, 127, -127, -128]
    features = mfcc(np.arange(16000, dtype=np.int16) % 300 - 150)
    expected = np.clip(np.sign(features / np.float32(0.3)) * np.floor(np.abs(features / np.float32(0.3)) + 0.5) - 7, -128, 127)
    assert np.array_equal(quantize(features, 0.3, -7), expected.astype(np.int8))


def test_clips_are_padded_or_cut_to_one_second() -> None:
    rng = np.random.default_rng(3)
    audio = rng.normal(0, 1000, 20000).astype(np.int16)
    assert np.array_equal(mfcc(audio), mfcc(audio[:16000]))
    short = audio[:7000]
    assert np.array_equal(mfcc(short), mfcc(np.concatenate([short, np.zeros(9000, np.int16)])))
    silent = mfcc(np.zeros(16000, np.int16))
    assert np.isfinite(silent).all() and np.allclose(silent[:, 0], np.sqrt(80) * np.log(1e-6), atol=1e-4)


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_front_end_is_clean_under_sanitizers(tmp_path: Path) -> None:
    """Silence, full scale, odd lengths, NaN and infinities through every
    entry point, built with ASan, UBSan and float-cast checks."""
    binary = tmp_path / "mfcc_edge_cases"
    sources = [*sorted((features_dir() / "src").glob("*.c")), EDGE_CASES]
    command = ["gcc", *STRICT_FLAGS, *SANITIZER_FLAGS, "-fsanitize=float-cast-overflow", *DETERMINISTIC_FLAGS,
               "-I", str(features_dir() / "include"), "-I", str(features_dir() / "src"), *map(str, sources), "-o", str(binary)]
    built = subprocess.run(command, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    run = subprocess.run([str(binary)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout == "done\n", run.stderr


def test_bad_input_is_refused_with_the_fix() -> None:
    with pytest.raises(TinykitError, match="int16"):
        mfcc(np.zeros(16000, dtype=np.float32))
    with pytest.raises(TinykitError, match="1-D"):
        mfcc(np.zeros((2, 16000), dtype=np.int16))
    with pytest.raises(TinykitError, match="scale"):
        quantize(np.zeros(3, np.float32), 0.0, 0)
    with pytest.raises(TinykitError, match="zero point"):
        quantize(np.zeros(3, np.float32), 0.1, 200)


@needs_espeak
def test_streaming_windows_match_the_clip_features(clips) -> None:
    """The ring computes each frame once at gain 1/32768 and moves coefficient
    0 to the window's peak; the result is the clip's features (the same 49
    frames) up to float rounding."""
    rng = np.random.default_rng(5)
    recording = np.concatenate(clips[:6] + [rng.normal(0, 30, 320 * 7).astype(np.int16)])
    windows = stream_windows(recording, every=7)
    assert len(windows) >= 10
    for index, window in enumerate(windows):
        end = 320 * (50 + 7 * index)  # the window after push p covers [320 p - 15840, 320 p)
        frames = recording[end - 15840 : end]
        # the clip's gain comes from all its 16000 samples: append 160 that do not raise the peak
        clip = np.concatenate([frames, np.zeros(160, np.int16)])
        expected = mfcc(clip)
        assert np.abs(window - expected).max() <= STREAM_BOUND, f"window {index}: {np.abs(window - expected).max():.3g}"
        steps = np.abs(quantize(window, MLPERF_SCALE, MLPERF_ZERO_POINT).astype(np.int32) - quantize(expected, MLPERF_SCALE, MLPERF_ZERO_POINT))
        assert steps.max() <= 1 and (steps == 0).mean() >= 0.995


@pytest.mark.parametrize(("shape", "resolution"), [((1, 49, 10, 1), (49, 10)), ((1, 41, 10, 1), (41, 10)),
                                                   ((1, 45, 8), (45, 8)), ((1, 1, 1, 1), (1, 1))])
def test_a_models_resolution_is_read_from_its_input_shape(shape, resolution):
    assert feature_resolution(shape, "model.tflite") == resolution


@pytest.mark.parametrize("shape", [(1, 50, 10, 1), (1, 49, 11, 1), (1, 490), (2, 49, 10, 1), (1, 49, 10, 2), (1, 0, 10, 1)])
def test_an_input_that_is_no_crop_of_the_features_is_refused(shape):
    with pytest.raises(TinykitError, match=rf"model.tflite takes an input of shape {'x'.join(map(str, shape))}, "
                                           r"which is not MFCC features.*frames <= 49 and coefficients <= 10"):
        feature_resolution(shape, "model.tflite")
