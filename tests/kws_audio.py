"""Test audio for the keyword-spotting front end, generated on the spot:
keywords spoken by espeak-ng (resampled to 16 kHz by sox), placed in a 1 s
clip at a random offset and gain, with generated noise. No downloaded data."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

SAMPLE_RATE = 16000
VOICES = ["en-us", "en-gb+f3", "en-us+m4", "en-gb-scotland+f2"]

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="needs espeak-ng and sox (Debian packages espeak-ng, sox)",
)


def speak(word: str, voice: str, speed: int = 160, pitch: int = 50) -> np.ndarray:
    """``word`` spoken by espeak-ng: int16 samples at 16 kHz."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", word], capture_output=True, check=True
    ).stdout
    raw = subprocess.run(
        ["sox", "-t", "wav", "-", "-t", "raw", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer", "-"],
        input=wav, capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.int16)


def keyword_clip(word: str, rng: np.random.Generator) -> np.ndarray:
    """One 1 s clip: the word in a random voice, speed, pitch, offset and
    loudness, plus white noise at a random level."""
    voice = VOICES[int(rng.integers(len(VOICES)))]
    speech = speak(word, voice, speed=int(rng.integers(120, 200)), pitch=int(rng.integers(20, 80)))[:SAMPLE_RATE]
    clip = np.zeros(SAMPLE_RATE, dtype=np.float64)
    offset = int(rng.integers(0, SAMPLE_RATE - len(speech) + 1))
    clip[offset : offset + len(speech)] = speech * rng.uniform(0.05, 1.0)
    clip += rng.normal(0.0, rng.uniform(3.0, 300.0), SAMPLE_RATE)
    return np.clip(np.round(clip), -32768, 32767).astype(np.int16)


def front_end_clips(count: int, seed: int) -> list[np.ndarray]:
    """``count`` keyword clips plus the edge cases a front end must handle: a
    short clip (zero padding), a full-scale one, noise only, silence."""
    rng = np.random.default_rng(seed)
    words = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
    clips = [keyword_clip(words[i % len(words)], rng) for i in range(count)]
    loud = keyword_clip("stop", rng).astype(np.float64)
    clips.append(np.clip(loud * (32767.0 / np.abs(loud).max()) * 1.5, -32768, 32767).astype(np.int16))
    clips.append(keyword_clip("go", rng)[:9000])
    clips.append(rng.normal(0.0, 40.0, SAMPLE_RATE).astype(np.int16))
    clips.append(np.zeros(SAMPLE_RATE, dtype=np.int16))
    return clips

