"""A synthetic keyword-spotting set in the Speech Commands layout, spoken by espeak-ng and flite.

Each synthetic speaker is one voice (an espeak-ng voice variant, or a flite
voice) with its own accent (espeak-ng's English dialects), base pitch and
speaking rate; every clip varies them a little more, and is scaled to a random
level, shifted to a random place in its second and mixed with freshly
generated noise at a random signal-to-noise ratio. Generated noise recordings
go to ``_background_noise_/`` for the silence class and for augmentation.

The split is by voice: all speakers of a test voice are in
``testing_list.txt``, all of a validation voice in ``validation_list.txt``, so
the test accuracy is measured on voices the model never heard (a tenth of
espeak-ng's variants and one of flite's four voices for testing, another
tenth of the variants for validation). Festival's
voices are deliberately not used: they stay unseen, for evaluating models
trained here on voices from another synthesizer.

Every file depends only on the seed and its clip number (each clip draws from
its own seeded generator), so the set is the same bytes whatever the number
of worker processes. ``synthetic.json`` records each speaker's settings.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tinykit.errors import TinykitError
from tinykit.kws.dataset import BACKGROUND_NOISE, CLIP_SAMPLES, KEYWORDS, TESTING_LIST, VALIDATION_LIST
from tinykit.kws.progress import Bar, no_bar
from tinykit.kws.wav import SAMPLE_RATE, read_wav, to_int16, write_wav

# Speech Commands v0.02's other words: the unknown class is drawn from them.
OTHER_WORDS = ("backward", "bed", "bird", "cat", "dog", "eight", "five", "follow", "forward", "four", "happy",
               "house", "learn", "marvin", "nine", "one", "seven", "sheila", "six", "three", "tree", "two", "visual",
               "wow", "zero")
# espeak-ng's English accents (its voices besides mbrola's, which need another package).
ESPEAK_DIALECTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-029",
                   "en-us-nyc")
# espeak-ng voice variants (files in its voices/!v/), listed here so that the
# set does not depend on what else is installed. Left out: the whispering,
# demonic and test variants, which speak no keyword a person would say so.
ESPEAK_VARIANTS = (
    "adam", "Alex", "Alicia", "Andrea", "Andy", "Annie", "antonio", "aunty", "belinda", "benjamin", "boris", "caleb",
    "david", "Denis", "Diogo", "ed", "edward", "edward2", "Gene", "Gene2", "gustave", "Henrique", "Hugo", "iven",
    "iven2", "iven3", "iven4", "Jacky", "john", "kaukovalta", "Lee", "linda", "marcelo", "Marco", "Mario", "max",
    "Michael", "michel", "miguel", "Mike", "Nguyen", "pablo", "paul", "pedro", "quincy", "rob", "robert", "steph",
    "steph2", "steph3", "Storm", "zac", "anika", "f1", "f2", "f3", "f4", "f5", "grandpa", "klatt", "klatt2", "klatt3",
    "klatt4", "klatt5", "klatt6", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "norbert", "sandro", "shelby",
    "travis", "victor", "croak", "grandma",
)
# flite's built-in voices in Debian's package, one per speaker: "kal" is
# kal16's voice at 8 kHz, and awb_time speaks only times of day.
FLITE_VOICES = ("kal16", "awb", "rms", "slt")
# A keyword is said this many times as often as one other word: the other
# words together then give the unknown class (a tenth of each split) about
# twice the clips it draws.
KEYWORD_WEIGHT = 12.0
# Shares of the set spoken by held-out voices.
VALIDATION_SHARE = TESTING_SHARE = 0.10
CLIPS_PER_SPEAKER = 12
MIN_CLIPS = 200  # so that the smallest split still holds every keyword twice
FLITE_SHARE = 0.25  # of the speakers
NOISE_KINDS = ("white", "pink", "brown", "hum", "running_water", "babble")
NOISE_SECONDS = 30
SNR_DB = (5.0, 40.0)
PEAK_DBFS = (-24.0, -2.0)
MANIFEST = "synthetic.json"


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker: a voice and its accent, pitch and rate."""

    id: str
    split: str
    engine: str  # "espeak-ng" or "flite"
    voice: str
    dialect: str  # espeak-ng only; "" for flite
    pitch: float  # espeak-ng: 0-99; flite: mean F0 in Hz
    rate: float  # espeak-ng: words per minute; flite: duration stretch (1 = normal)


@dataclass(frozen=True)
class ClipJob:
    """What one worker needs to write one clip."""

    index: int
    seed: int
    word: str
    path: str  # relative to the set's folder
    speaker: Speaker


def _check_tools() -> None:
    for tool in ("espeak-ng", "flite"):
        if shutil.which(tool) is None:
            raise TinykitError(f"`{tool}` is not installed; the synthetic set is spoken by espeak-ng and flite. "
                               "Install them with `sudo apt-get install espeak-ng flite` (`make setup` does).")


# ---------------------------------------------------------------------------
# Noise
# ---------------------------------------------------------------------------


def _shaped(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Gaussian noise whose power falls as 1/f**exponent (0 white, 1 pink, 2 brown)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
    spectrum *= np.where(f > 20.0, np.maximum(f, 20.0) ** (-exponent / 2.0), 0.0)
    return np.fft.irfft(spectrum, n)


def noise(kind: str, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` samples of one generated noise kind, at unit RMS."""
    t = np.arange(n) / SAMPLE_RATE
    if kind == "white":
        x = rng.standard_normal(n)
    elif kind == "pink":
        x = _shaped(rng, n, 1.0)
    elif kind == "brown":
        x = _shaped(rng, n, 2.0)
    elif kind == "hum":  # mains hum with harmonics and a little hiss
        mains = rng.choice([50.0, 60.0])
        x = sum(rng.uniform(0.2, 1.0) / h * np.sin(2 * np.pi * mains * h * t + rng.uniform(0, 2 * np.pi))
                for h in range(1, 8)) + 0.05 * rng.standard_normal(n)
    elif kind == "running_water":  # band-limited noise with a fast random flutter
        spectrum = np.fft.rfft(rng.standard_normal(n))
        f = np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE)
        spectrum *= np.exp(-0.5 * ((f - rng.uniform(1500, 3500)) / 1200.0) ** 2)
        flutter = _shaped(rng, n, 1.0)
        flutter = 1.0 + 0.5 * flutter / (np.std(flutter) + 1e-12)
        x = np.fft.irfft(spectrum, n) * flutter
    elif kind == "babble":  # pink noise in speech's band, modulated at syllable rate
        envelope = np.zeros(n)
        for _ in range(4):  # four "talkers"
            rate = rng.uniform(3.0, 6.0)
            envelope += np.maximum(0.0, np.sin(2 * np.pi * rate * t + rng.uniform(0, 2 * np.pi)))
        x = _shaped(rng, n, 1.0) * envelope
    else:
        raise ValueError(f"unknown noise kind {kind!r}")
    return x / (np.sqrt(np.mean(x**2)) + 1e-12)


def write_background_noise(folder: Path, seed: int) -> list[Path]:
    """Write one recording of each noise kind into ``folder`` (the set's _background_noise_/)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, kind in enumerate(NOISE_KINDS):
        rng = np.random.default_rng([seed, 2, k])
        level = 10 ** (rng.uniform(-26.0, -14.0) / 20.0)  # RMS in dBFS: as loud as a room recording
        path = folder / f"{kind}.wav"
        write_wav(path, to_int16(np.clip(level * noise(kind, rng, NOISE_SECONDS * SAMPLE_RATE), -1.0, 1.0)))
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------
# Speakers and the plan of clips
# ---------------------------------------------------------------------------


def _speaker_id(seed: int, number: int) -> str:
    """An 8-hex-digit id, as Speech Commands names its (hashed) speakers."""
    return hashlib.sha256(f"tinykit-synthetic:{seed}:{number}".encode()).hexdigest()[:8]


def _held_out(voices: Sequence[str], rng: np.random.Generator, validation: int, testing: int) -> dict[str, str]:
    """Each voice's split: ``testing`` random voices for testing, ``validation`` for validation, the rest training."""
    order = [voices[i] for i in rng.permutation(len(voices))]
    return {voice: "testing" if k < testing else "validation" if k < testing + validation else "training"
            for k, voice in enumerate(order)}


def _words(count: int, rng: np.random.Generator) -> list[str]:
    """``count`` words in random order: every keyword equally often, the rest other words (all of them in turn)."""
    share = len(OTHER_WORDS) / (KEYWORD_WEIGHT * len(KEYWORDS) + len(OTHER_WORDS))
    others = max(2, round(count * share))
    per_keyword = (count - others) // len(KEYWORDS)
    others = count - per_keyword * len(KEYWORDS)
    offset = int(rng.integers(len(OTHER_WORDS)))
    words = [w for w in KEYWORDS for _ in range(per_keyword)]
    words += [OTHER_WORDS[(offset + k) % len(OTHER_WORDS)] for k in range(others)]
    return [words[i] for i in rng.permutation(len(words))]


def plan(clips: int, seed: int) -> tuple[list[Speaker], list[ClipJob]]:
    """The speakers and, for each clip, its word, file name and speaker; the same for the same arguments."""
    rng = np.random.default_rng([seed, 0])
    held_espeak = round(len(ESPEAK_VARIANTS) * TESTING_SHARE)
    splits = {("espeak-ng", v): s for v, s in _held_out(ESPEAK_VARIANTS, rng, held_espeak, held_espeak).items()}
    # flite has four voices: one is held out for testing, and validation
    # holds out espeak-ng voices only, so that training keeps three.
    splits.update({("flite", v): s for v, s in _held_out(FLITE_VOICES, rng, 0, 1).items()})
    speakers: list[Speaker] = []
    jobs: list[ClipJob] = []
    held = {"validation": round(clips * VALIDATION_SHARE), "testing": round(clips * TESTING_SHARE)}
    for split, count in {"training": clips - sum(held.values()), **held}.items():
        pool = {engine: [v for (e, v), s in splits.items() if e == engine and s == split]
                for engine in ("espeak-ng", "flite")}
        words = _words(count, rng)
        for start in range(0, count, CLIPS_PER_SPEAKER):
            engine = "flite" if rng.uniform() < FLITE_SHARE and pool["flite"] else "espeak-ng"
            voice = str(rng.choice(pool[engine]))
            if engine == "espeak-ng":
                dialect, pitch, rate = str(rng.choice(ESPEAK_DIALECTS)), rng.uniform(25, 75), rng.uniform(120, 210)
            else:
                dialect, pitch, rate = "", rng.uniform(85, 210), rng.uniform(0.8, 1.35)
            speaker = Speaker(_speaker_id(seed, len(speakers)), split, engine, voice, dialect,
                              round(float(pitch), 1), round(float(rate), 3))
            speakers.append(speaker)
            said: dict[str, int] = {}
            for word in words[start:start + CLIPS_PER_SPEAKER]:
                n = said[word] = said.get(word, -1) + 1
                jobs.append(ClipJob(len(jobs), seed, word, f"{word}/{speaker.id}_nohash_{n}.wav", speaker))
    return speakers, jobs


# ---------------------------------------------------------------------------
# One clip
# ---------------------------------------------------------------------------


def _speak(job: ClipJob, rng: np.random.Generator, workdir: Path) -> np.ndarray:
    """The word spoken by the job's speaker, with this clip's own pitch and rate, as float samples at 16 kHz."""
    speaker, out = job.speaker, workdir / f"clip{job.index}.wav"
    if speaker.engine == "espeak-ng":
        pitch = int(np.clip(round(speaker.pitch + rng.uniform(-8, 8)), 0, 99))
        rate = int(round(speaker.rate * rng.uniform(0.88, 1.12)))
        command = ["espeak-ng", "-v", f"{speaker.dialect}+{speaker.voice}", "-p", str(pitch), "-s", str(rate),
                   "-w", str(out), job.word]
    else:
        f0 = speaker.pitch * rng.uniform(0.93, 1.07)
        stretch = speaker.rate * rng.uniform(0.9, 1.1)
        command = ["flite", "-voice", speaker.voice, "--setf", f"int_f0_target_mean={f0:.1f}",
                   "--setf", f"duration_stretch={stretch:.3f}", "-t", job.word, "-o", str(out)]
    completed = subprocess.run(command, capture_output=True, check=False)
    if completed.returncode != 0 or not out.exists():
        raise TinykitError(f"`{' '.join(command)}` failed (exit status {completed.returncode}): "
                           f"{completed.stderr.decode(errors='replace').strip()}")
    samples = read_wav(out).samples.astype(np.float64) / 32768.0
    out.unlink()
    return samples


def _trimmed(samples: np.ndarray) -> np.ndarray:
    """The speech without the synthesizer's leading and trailing silence."""
    loud = np.flatnonzero(np.abs(samples) > 0.02 * (np.max(np.abs(samples)) + 1e-12))
    return samples[loud[0]:loud[-1] + 1] if len(loud) else samples


def render_clip(job: ClipJob, workdir: Path) -> np.ndarray:
    """The job's one-second clip as int16: spoken, levelled, shifted, and mixed with noise."""
    rng = np.random.default_rng([job.seed, 1, job.index])
    speech = _trimmed(_speak(job, rng, workdir))[:CLIP_SAMPLES]
    speech *= 10 ** (rng.uniform(*PEAK_DBFS) / 20.0) / (np.max(np.abs(speech)) + 1e-12)
    clip = np.zeros(CLIP_SAMPLES)
    start = int(rng.integers(0, CLIP_SAMPLES - len(speech) + 1))
    clip[start:start + len(speech)] = speech
    speech_rms = np.sqrt(np.mean(speech**2))
    snr = rng.uniform(*SNR_DB)
    clip += noise(str(rng.choice(NOISE_KINDS)), rng, CLIP_SAMPLES) * speech_rms / 10 ** (snr / 20.0)
    return to_int16(np.clip(clip, -1.0, 1.0))


def _write_clip(args: tuple[ClipJob, str]) -> None:
    """Worker entry: synthesize one clip and write it under the set's folder."""
    job, folder = args
    with tempfile.TemporaryDirectory(prefix="tinykit-kws-") as workdir:
        write_wav(Path(folder) / job.path, render_clip(job, Path(workdir)))


# ---------------------------------------------------------------------------
# The whole set
# ---------------------------------------------------------------------------


def generate(folder: Path, clips: int, seed: int = 0, workers: int = 2, bar: Bar = no_bar) -> dict:
    """Write a synthetic set of ``clips`` spoken clips (plus noise recordings) into ``folder``.

    ``workers`` processes speak clips in parallel. Returns a summary: clips per split and per word,
    speakers and voices per split.
    """
    folder = Path(folder)
    if clips < MIN_CLIPS:
        raise TinykitError(f"--clips {clips} is too few: a set needs at least {MIN_CLIPS} clips so that every "
                           "keyword is spoken in each split. Use --clips 4000 for a set that trains a good model.")
    if folder.exists() and any(folder.iterdir()):
        raise TinykitError(f"{folder} exists and is not empty; give a new folder (or remove this one) so that the "
                           "set is exactly what the seed makes.")
    _check_tools()
    speakers, jobs = plan(clips, seed)
    counts = {split: {w: 0 for w in (*KEYWORDS, *OTHER_WORDS)} for split in ("training", "validation", "testing")}
    for job in jobs:
        counts[job.speaker.split][job.word] += 1
    for word in (*KEYWORDS, *OTHER_WORDS):
        (folder / word).mkdir(parents=True, exist_ok=True)
    write_background_noise(folder / BACKGROUND_NOISE, seed)
    work = [(job, str(folder)) for job in jobs]
    with bar(len(work), f"speaking {len(work)} clips") as advance:
        if workers > 1:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for _ in pool.imap_unordered(_write_clip, work, chunksize=8):
                    advance(1)
        else:
            for item in work:
                _write_clip(item)
                advance(1)
    for name, split in ((VALIDATION_LIST, "validation"), (TESTING_LIST, "testing")):
        listed = sorted(job.path for job in jobs if job.speaker.split == split)
        (folder / name).write_text("".join(f"{path}\n" for path in listed))
    summary = {
        "generator": "tinykit kws data --synthetic",
        "seed": seed,
        "clips": clips,
        "split_by": "voice: every speaker of a validation or test voice is in that split only",
        "splits": {
            split: {
                "clips": sum(per_word.values()),
                "voices": sorted({f"{s.engine}:{s.voice}" for s in speakers if s.split == split}),
                "speakers": sum(1 for s in speakers if s.split == split),
            }
            for split, per_word in counts.items()
        },
        "speakers": [asdict(s) for s in speakers],
    }
    (folder / MANIFEST).write_text(json.dumps(summary, indent=1) + "\n")
    return summary

