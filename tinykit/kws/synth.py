"""A synthetic keyword-spotting set in the Speech Commands layout, spoken by espeak-ng and flite.

Each synthetic speaker is one voice (an espeak-ng voice variant, or a flite
voice) with its own accent (espeak-ng's English dialects), base pitch,
intonation (flite) and speaking rate; every clip varies them a little more, and is scaled to a random
level, shifted to a random place in its second and mixed with freshly
generated noise at a random signal-to-noise ratio. Generated noise recordings
go to ``_background_noise_/`` for the silence class and for augmentation.

The split is by voice: all speakers of a test voice are in
``testing_list.txt``, all of a validation voice in ``validation_list.txt``, so
the test accuracy is measured on voices the model never heard (a tenth of
espeak-ng's variants and one of flite's four voices for testing, another
tenth of the variants for validation; each held-out voice gets the same
number of speakers).

Festival's voices never train: ``engine="festival"`` writes an evaluation
set instead, the same words and noise spoken by Festival's English voices,
every clip in ``testing_list.txt``, for measuring models trained here on
voices of another synthesizer (``tinykit kws evaluate``). The plan refuses a
Festival speaker outside the test split, and ``kws train`` refuses a set
whose training or validation clips include one.

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
# Festival's English voices in Debian (festvox-kallpc16k, festvox-kdlpc16k,
# festvox-us-slt-hts). Reserved for evaluation: an evaluation set
# (``--engine festival``) lists every clip as a test clip, and
# check_festival_held_out refuses any other split for them.
FESTIVAL_VOICES = ("kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts")
# The two kinds of set: a training set (espeak-ng and flite, split by voice)
# and an evaluation set (Festival, all testing).
ENGINES = {"espeak-flite": ("espeak-ng", "flite"), "festival": ("festival",)}
# A keyword is said this many times as often as one other word: the other
# words together then give the unknown class (a tenth of each split) about
# twice the clips it draws.
KEYWORD_WEIGHT = 12.0
# Shares of the set spoken by held-out voices.
VALIDATION_SHARE = TESTING_SHARE = 0.10
CLIPS_PER_SPEAKER = 12
MIN_CLIPS = 200  # so that the smallest split still holds every keyword twice
EVALUATION_MIN_CLIPS = 60  # an evaluation set is one split: every keyword about five times
# Of the training speakers: flite's three natural-sounding voices get a
# larger share than their number, as the formant voices of espeak-ng teach
# little about recorded speech. Held-out splits give each voice the same
# number of speakers instead, so no one voice outweighs the others in the
# test accuracy (the per-voice report shows each).
FLITE_SHARE = 0.4
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
    engine: str  # "espeak-ng", "flite" or "festival"
    voice: str
    dialect: str  # espeak-ng only; "" for the others
    pitch: float  # espeak-ng: 0-99; flite: mean F0 in Hz; festival: 0 (the voice's own)
    rate: float  # espeak-ng: words per minute; flite and festival: duration stretch (1 = normal)
    intonation: float = 0.0  # flite: F0 standard deviation in Hz (how much the pitch moves); 0 for the others


@dataclass(frozen=True)
class ClipJob:
    """What one worker needs to write one clip."""

    index: int
    seed: int
    word: str
    path: str  # relative to the set's folder
    speaker: Speaker


# The Debian packages each engine needs (`make setup` installs them).
PACKAGES = {"espeak-ng": "espeak-ng", "flite": "flite",
            "festival": "festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts"}
# The program each engine is run as.
PROGRAMS = {"espeak-ng": "espeak-ng", "flite": "flite", "festival": "text2wave"}


def _check_tools(engines: Sequence[str]) -> None:
    for engine in engines:
        if shutil.which(PROGRAMS[engine]) is None:
            raise TinykitError(f"`{PROGRAMS[engine]}` is not installed; this set is spoken by {engine}. Install it "
                               f"with `sudo apt-get install {PACKAGES[engine]}` (`make setup` does).")


def check_festival_held_out(speakers: Sequence[Speaker]) -> None:
    """Refuse a plan that puts a Festival speaker in training or validation: Festival's voices are for evaluation."""
    leaked = [s for s in speakers if s.engine == "festival" and s.split != "testing"]
    if leaked:
        raise TinykitError(f"Festival speaker {leaked[0].id} ({leaked[0].voice}) is in the {leaked[0].split} split; "
                           "Festival's voices are reserved for evaluation and may only be test clips.")


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


def _manifest_voices(root: Path) -> dict[str, str] | None:
    """Speaker id -> "engine:voice" from the set's synthetic.json; None for a set without one (recordings)."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        return None
    return {s["id"]: f"{s['engine']}:{s['voice']}" for s in json.loads(path.read_text())["speakers"]}


def _speaker_of(path: str) -> str:
    """The speaker id of a clip path (``word/<speaker>_nohash_<n>.wav``, Speech Commands' naming)."""
    return Path(path).name.split("_nohash_")[0]


def clip_voices(root: Path, sources: Sequence[str]) -> list[str] | None:
    """Each clip's voice ("engine:voice") for clip paths of the synthetic set at ``root``; silence clips
    (cut from the background noise) are "silence". None for a set without synthetic.json."""
    voices = _manifest_voices(root)
    if voices is None:
        return None
    return [voices.get(_speaker_of(source), "silence") for source in sources]


def refuse_festival_training(root: Path) -> None:
    """Refuse to train on the set at ``root`` if any clip of a Festival voice would train or validate.

    Festival's voices are reserved for evaluation: an evaluation set lists all
    its clips for testing, and edited list files must not move them out.
    """
    voices = _manifest_voices(root)
    festival = {speaker for speaker, voice in (voices or {}).items() if voice.startswith("festival:")}
    if not festival:
        return
    testing = (root / TESTING_LIST).read_text().split() if (root / TESTING_LIST).is_file() else []
    held_out = set(testing)
    for path in sorted(root.glob("*/*_nohash_*.wav")):
        relative = f"{path.parent.name}/{path.name}"
        if _speaker_of(relative) in festival and relative not in held_out:
            raise TinykitError(f"{path} is spoken by {voices[_speaker_of(relative)]} but is not in {TESTING_LIST}: "
                               "Festival's voices are reserved for evaluation and never train or validate a model. "
                               "Restore the set's list files (or regenerate it).")
    if len(festival) == len(voices):
            raise TinykitError(f"{root} is an evaluation set spoken by Festival's voices (all its clips are test clips), "
                           "not a training set. Train on a set from `tinykit kws data --synthetic` and measure the "
                           f"model on this one with `tinykit kws evaluate OUT --data {root}`.")


# ---------------------------------------------------------------------------
# Speakers and the plan of clips
# ---------------------------------------------------------------------------


def _speaker_id(seed: int, number: int, kind: str = "synthetic") -> str:
    """An 8-hex-digit id, as Speech Commands names its (hashed) speakers; ``kind`` keeps an evaluation set's
    ids apart from a training set's of the same seed."""
    return hashlib.sha256(f"tinykit-{kind}:{seed}:{number}".encode()).hexdigest()[:8]


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


def _speaker(rng: np.random.Generator, engine: str, voice: str) -> tuple[str, float, float, float]:
    """A new speaker's dialect, pitch, rate and intonation for ``voice`` of ``engine``."""
    if engine == "espeak-ng":
        return str(rng.choice(ESPEAK_DIALECTS)), rng.uniform(25, 75), rng.uniform(120, 210), 0.0
    if engine == "flite":
        return "", rng.uniform(85, 210), rng.uniform(0.8, 1.35), rng.uniform(8, 40)
    return "", 0.0, rng.uniform(0.85, 1.3), 0.0


def _evaluation_plan(clips: int, seed: int) -> tuple[list[Speaker], list[ClipJob]]:
    """An evaluation set's speakers and clips: Festival's voices in turn, every clip a test clip."""
    rng = np.random.default_rng([seed, 0])
    speakers: list[Speaker] = []
    jobs: list[ClipJob] = []
    words = _words(clips, rng)
    for start in range(0, clips, CLIPS_PER_SPEAKER):
        voice = FESTIVAL_VOICES[len(speakers) % len(FESTIVAL_VOICES)]
        dialect, pitch, rate, intonation = _speaker(rng, "festival", voice)
        speaker = Speaker(_speaker_id(seed, len(speakers), "festival"), "testing", "festival", voice, dialect,
                          round(float(pitch), 1), round(float(rate), 3), round(float(intonation), 1))
        speakers.append(speaker)
        _add_clips(jobs, speaker, words[start:start + CLIPS_PER_SPEAKER], seed)
    return speakers, jobs


def _add_clips(jobs: list[ClipJob], speaker: Speaker, words: Sequence[str], seed: int) -> None:
    """Append the speaker's clips of ``words``, numbered per word as Speech Commands numbers a speaker's takes."""
    said: dict[str, int] = {}
    for word in words:
        n = said[word] = said.get(word, -1) + 1
        jobs.append(ClipJob(len(jobs), seed, word, f"{word}/{speaker.id}_nohash_{n}.wav", speaker))


def plan(clips: int, seed: int, engine: str = "espeak-flite") -> tuple[list[Speaker], list[ClipJob]]:
    """The speakers and, for each clip, its word, file name and speaker; the same for the same arguments.

    ``engine`` "espeak-flite" plans a training set split by voice; "festival" an evaluation set.
    """
    if engine == "festival":
        return _evaluation_plan(clips, seed)
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
        # Held-out voices in turn, from a random start: each gets its share.
        turns = [(e, v) for e in ("espeak-ng", "flite") for v in pool[e]]
        turns = [turns[i] for i in rng.permutation(len(turns))]
        for k, start in enumerate(range(0, count, CLIPS_PER_SPEAKER)):
            if split == "training":
                engine = "flite" if rng.uniform() < FLITE_SHARE and pool["flite"] else "espeak-ng"
                voice = str(rng.choice(pool[engine]))
            else:
                engine, voice = turns[k % len(turns)]
            dialect, pitch, rate, intonation = _speaker(rng, engine, voice)
            speaker = Speaker(_speaker_id(seed, len(speakers)), split, engine, voice, dialect,
                              round(float(pitch), 1), round(float(rate), 3), round(float(intonation), 1))
            speakers.append(speaker)
            _add_clips(jobs, speaker, words[start:start + CLIPS_PER_SPEAKER], seed)
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
    elif speaker.engine == "flite":
        f0 = speaker.pitch * rng.uniform(0.93, 1.07)
        stretch = speaker.rate * rng.uniform(0.9, 1.1)
        command = ["flite", "-voice", speaker.voice, "--setf", f"int_f0_target_mean={f0:.1f}",
                   "--setf", f"int_f0_target_stddev={speaker.intonation:.1f}",
                   "--setf", f"duration_stretch={stretch:.3f}", "-t", job.word, "-o", str(out)]
    else:
        stretch = speaker.rate * rng.uniform(0.9, 1.1)
        text = workdir / f"clip{job.index}.txt"
        text.write_text(job.word + "\n")
        command = ["text2wave", "-eval", f"(voice_{speaker.voice})",
                   "-eval", f"(Parameter.set 'Duration_Stretch {stretch:.3f})", "-o", str(out), str(text)]
    completed = subprocess.run(command, capture_output=True, check=False)
    # text2wave exits 0 even when Festival fails (an unknown voice): its errors are on stderr.
    if completed.returncode != 0 or not out.exists() or b"SIOD ERROR" in completed.stderr:
        raise TinykitError(f"`{' '.join(command)}` failed (exit status {completed.returncode}): "
                           f"{completed.stderr.decode(errors='replace').strip()}")
    samples = read_wav(out).samples.astype(np.float64) / 32768.0  # at 16 kHz: read_wav resamples Festival's HTS voice
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


def generate(folder: Path, clips: int, seed: int = 0, workers: int = 2, bar: Bar = no_bar,
             engine: str = "espeak-flite") -> dict:
    """Write a synthetic set of ``clips`` spoken clips (plus noise recordings) into ``folder``.

    ``engine`` "espeak-flite" writes a training set (split by voice), "festival" an evaluation set
    (every clip a test clip). ``workers`` processes speak clips in parallel. Returns a summary:
    clips per split and per word, speakers and voices per split.
    """
    folder = Path(folder)
    if engine not in ENGINES:
        raise TinykitError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}.")
    least = EVALUATION_MIN_CLIPS if engine == "festival" else MIN_CLIPS
    if clips < least:
        raise TinykitError(f"--clips {clips} is too few: a set needs at least {least} clips so that every keyword is "
                           "spoken in each split. Use --clips 4000 for a set that trains a good model (600 for a "
                           "Festival evaluation set).")
    if folder.exists() and any(folder.iterdir()):
        raise TinykitError(f"{folder} exists and is not empty; give a new folder (or remove this one) so that the "
                           "set is exactly what the seed makes.")
    _check_tools(ENGINES[engine])
    speakers, jobs = plan(clips, seed, engine)
    check_festival_held_out(speakers)
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
        "engine": engine,
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

