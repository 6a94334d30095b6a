"""A test recording for `tinykit kws listen`: a sentence spoken by
espeak-ng word by word, with pauses and steady noise, and the labels file
of its keywords' onsets (known exactly, since the words are placed here).

    tinykit kws talk "the dog said yes then stop and go" -o talk.wav   # also writes talk.txt
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from tinykit.errors import TinykitError
from tinykit.kws.dataset import KEYWORDS
from tinykit.kws.wav import SAMPLE_RATE, read_wav, to_int16, write_wav

# Speech peaks at a quarter of full scale; the noise floor sits 40 dB under it.
SPEECH_PEAK = 0.25
NOISE_LEVEL = 0.0025


def _speak(word: str, voice: str, rate: int, workdir: Path) -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        raise TinykitError("espeak-ng is not installed; install it (Debian/Ubuntu: `sudo apt-get install espeak-ng`).")
    out = workdir / "word.wav"
    command = ["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(out), word]
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0 or not out.exists():
        raise TinykitError(f"`{' '.join(command)}` failed: {done.stderr.decode(errors='replace').strip() or 'no output'}. "
                           "Check the voice name (`espeak-ng --voices=en`).")
    samples = read_wav(out).samples.astype(np.float64) / 32768.0
    loud = np.flatnonzero(np.abs(samples) > 0.02 * (np.max(np.abs(samples)) + 1e-12))
    if len(loud) == 0:
        raise TinykitError(f"espeak-ng voice {voice!r} said nothing for {word!r}; pick another voice.")
    return samples[loud[0]:loud[-1] + 1]


def say(words: list[str], voice: str = "en-us", seed: int = 0, gap_s: float = 0.35) -> tuple[np.ndarray, list[tuple[float, str]]]:
    """``words`` spoken one by one by espeak-ng ``voice`` with pauses of
    ``gap_s`` to ``gap_s`` + 0.3 s, over steady noise, 1 s of noise before and
    after: int16 samples at 16 kHz and each word's (onset in seconds, word)."""
    if not words:
        raise TinykitError("give at least one word to say.")
    rng = np.random.default_rng(seed)
    pieces, onsets, at = [np.zeros(SAMPLE_RATE)], [], SAMPLE_RATE
    with tempfile.TemporaryDirectory(prefix="tinykit-talk-") as workdir:
        for word in words:
            speech = _speak(word, voice, int(rng.integers(140, 180)), Path(workdir))
            speech *= SPEECH_PEAK / np.max(np.abs(speech))
            gap = np.zeros(int(SAMPLE_RATE * (gap_s + rng.uniform(0.0, 0.3))))
            onsets.append((at / SAMPLE_RATE, word))
            pieces += [speech, gap]
            at += len(speech) + len(gap)
    pieces.append(np.zeros(SAMPLE_RATE))
    audio = np.concatenate(pieces)
    audio += rng.normal(0.0, NOISE_LEVEL, len(audio))
    return to_int16(np.clip(audio, -1.0, 1.0)), onsets


def write_talk(text: str, wav: Path, voice: str = "en-us", seed: int = 0) -> tuple[Path, list[tuple[float, str]]]:
    """Write the sentence to ``wav`` and its keywords' onsets to the labels
    file beside it (same name, .txt); returns that path and the keywords."""
    words = [w.strip(".,;:!?\"'").lower() for w in text.split()]
    audio, onsets = say([w for w in words if w], voice, seed)
    keywords = [(t, w) for t, w in onsets if w in KEYWORDS]
    wav = Path(wav)
    write_wav(wav, audio)
    labels = wav.with_suffix(".txt")
    labels.write_text("".join(f"{t:.3f} {w}\n" for t, w in keywords))
    return labels, keywords
