"""Google Speech Commands v0.02 as users have it on disk, as the 12-class MLPerf Tiny task.

The layout (the one the official archive unpacks to, and the one
``tinykit kws data --synthetic`` writes)::

    DIR/<word>/<speaker>_nohash_<n>.wav    one folder per spoken word, 1 s clips at 16 kHz
    DIR/_background_noise_/*.wav           long noise recordings
    DIR/validation_list.txt                paths (<word>/<file>.wav) of the validation clips
    DIR/testing_list.txt                   paths of the test clips; all other clips train

The task is MLPerf Tiny's: ten keywords, then silence (1 s cut from the
background noise at a random volume) and unknown (clips of the other words),
in MLPerf's label order. Silence and unknown each make about a tenth of every
split, drawn reproducibly from the seed. Nothing is downloaded: a missing
folder is reported with where to get the archive.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinykit.errors import TinykitError
from tinykit.kws.progress import Bar, no_bar
from tinykit.kws.wav import SAMPLE_RATE, read_wav

KEYWORDS = ("down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes")
SILENCE, UNKNOWN = "silence", "unknown"
# MLPerf Tiny's KWS label order: the model's output index i means LABELS[i].
LABELS = (*KEYWORDS, SILENCE, UNKNOWN)
BACKGROUND_NOISE = "_background_noise_"
VALIDATION_LIST, TESTING_LIST = "validation_list.txt", "testing_list.txt"
SPLITS = ("training", "validation", "testing")
CLIP_SAMPLES = SAMPLE_RATE  # one second
# Share of each split that is silence, and that is unknown.
SILENCE_FRACTION = UNKNOWN_FRACTION = 0.10

MISSING_DATA_HELP = (
    "tinykit never downloads data. Get Google's Speech Commands data set, version 0.02 "
    "(speech_commands_v0.02.tar.gz, about 2.3 GB, from TensorFlow's data set downloads, the archive the "
    "TensorFlow speech-commands tutorial uses), unpack it with `mkdir -p DIR && tar -xzf "
    "speech_commands_v0.02.tar.gz -C DIR` and pass that DIR; or generate a synthetic set in the same layout "
    "with `tinykit kws data --synthetic -o DIR`."
)

@dataclass(frozen=True)
class Split:
    """One split as arrays: int16 clips (N, 16000), label indices into LABELS, and where each clip came from."""

    name: str
    audio: np.ndarray
    labels: np.ndarray
    sources: tuple[str, ...]

    def counts(self) -> dict[str, int]:
        """Clips per label, in label order."""
        return {label: int(np.sum(self.labels == i)) for i, label in enumerate(LABELS)}


@dataclass(frozen=True)
class SpeechCommands:
    """The three splits, the background-noise recordings (int16), and notes on converted files."""

    root: Path
    training: Split
    validation: Split
    testing: Split
    noise: tuple[np.ndarray, ...]
    notes: tuple[str, ...]

    def split(self, name: str) -> Split:
        return {"training": self.training, "validation": self.validation, "testing": self.testing}[name]


@dataclass(frozen=True)
class _Index:
    """Relative clip paths per split and word, before any audio is read."""

    words: tuple[str, ...]
    files: dict[str, dict[str, list[str]]]  # split -> word -> relative paths, sorted
    noise_files: tuple[Path, ...]


def _read_list(root: Path, name: str) -> set[str]:
    path = root / name
    if not path.is_file():
        raise TinykitError(
            f"{path} is missing: a Speech Commands folder lists its validation and test clips in {VALIDATION_LIST} "
            f"and {TESTING_LIST}. Unpack the whole archive again (they are at its top level), or regenerate a "
            "synthetic set with `tinykit kws data --synthetic`."
        )
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


def _index(root: Path, splits: Sequence[str]) -> _Index:
    if not root.is_dir():
        raise TinykitError(f"The Speech Commands folder {root} does not exist. {MISSING_DATA_HELP}")
    validation, testing = _read_list(root, VALIDATION_LIST), _read_list(root, TESTING_LIST)
    words = tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")))
    for keyword in KEYWORDS:
        folder = root / keyword
        if keyword not in words:
            raise TinykitError(f"{folder} is missing: the 12-class task needs a folder of clips for each keyword "
                               f"({', '.join(KEYWORDS)}). {MISSING_DATA_HELP}")
        if not any(folder.glob("*.wav")):
            raise TinykitError(f"{folder} holds no .wav clips: the class {keyword!r} would be empty. "
                               "Restore its clips from the archive, or regenerate the synthetic set.")
    others = [w for w in words if w not in KEYWORDS and any((root / w).glob("*.wav"))]
    if not others:
        raise TinykitError(f"{root} has no word folders besides the keywords, so the class 'unknown' would be "
                           f"empty. Speech Commands has 25 other words (bed, bird, cat, ...). {MISSING_DATA_HELP}")
    noise_folder = root / BACKGROUND_NOISE
    noise_files = tuple(sorted(noise_folder.glob("*.wav"))) if noise_folder.is_dir() else ()
    if not noise_files:
        raise TinykitError(f"{noise_folder} is missing or holds no .wav files: the class 'silence' is cut from "
                           f"those recordings. {MISSING_DATA_HELP}")
    files: dict[str, dict[str, list[str]]] = {split: {} for split in SPLITS}
    seen: set[str] = set()
    for word in (*KEYWORDS, *others):
        for path in sorted((root / word).glob("*.wav")):
            relative = f"{word}/{path.name}"
            seen.add(relative)
            split = "validation" if relative in validation else "testing" if relative in testing else "training"
            files[split].setdefault(word, []).append(relative)
    for name, listed in ((VALIDATION_LIST, validation), (TESTING_LIST, testing)):
        absent = sorted(p for p in listed if p not in seen and p.split("/")[0] in words)
        if absent:
            raise TinykitError(f"{root / name} lists {len(absent)} clips that are not in the folder, first "
                               f"{root / absent[0]}. Unpack the whole archive again, or regenerate the synthetic set.")
    for split in splits:
        for keyword in KEYWORDS:
            if not files[split].get(keyword):
                raise TinykitError(f"The {split} split of {root} has no clips of {keyword!r} (per {VALIDATION_LIST} "
                                   f"and {TESTING_LIST}), so that class would be empty there. Check the list files.")
    return _Index(words=tuple(w for w in words if w in KEYWORDS or w in others), files=files, noise_files=noise_files)


def _extra_count(keyword_clips: int, fraction: float) -> int:
    """Clips of silence (or unknown) so that each makes ``fraction`` of a split with ``keyword_clips`` keyword clips."""
    return math.ceil(keyword_clips * fraction / (1.0 - SILENCE_FRACTION - UNKNOWN_FRACTION))


def _fit(samples: np.ndarray) -> np.ndarray:
    """A clip padded with silence (or cut) to exactly one second, as Speech Commands' shorter clips are used."""
    out = np.zeros(CLIP_SAMPLES, dtype=np.int16)
    out[:min(len(samples), CLIP_SAMPLES)] = samples[:CLIP_SAMPLES]
    return out


def silence_clip(noise: Sequence[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """One second of a random background recording at a random volume (0 to full)."""
    recording = noise[int(rng.integers(len(noise)))]
    start = int(rng.integers(0, len(recording) - CLIP_SAMPLES + 1))
    gain = rng.uniform(0.0, 1.0)
    return np.round(recording[start:start + CLIP_SAMPLES] * gain).astype(np.int16)


def check_layout(root: Path, splits: Sequence[str] = SPLITS) -> None:
    """Refuse a folder that is not laid out as Speech Commands (list files, keyword, other-word and noise
    folders, every keyword in each of ``splits``), reading no audio: before long work that loads it later."""
    _index(Path(root).expanduser(), splits)


def load_speech_commands(root: Path, seed: int = 0, bar: Bar = no_bar, splits: Sequence[str] = SPLITS) -> SpeechCommands:
    """Read the data set at ``root`` into the three splits of the 12-class task.

    ``seed`` picks which other-word clips make up the unknown class and where
    the silence clips are cut; ``bar`` shows progress while clips are read.
    Only the ``splits`` named are read (and must hold every keyword); the
    others are left empty, and the ones read are the same clips a full load
    gives.
    """
    root = Path(root).expanduser()
    index = _index(root, splits)
    notes: list[str] = []

    def read(path: Path) -> np.ndarray:
        audio = read_wav(path)
        if audio.note:
            notes.append(audio.note)
        return audio.samples

    noise = []
    for path in index.noise_files:
        samples = read(path)
        if len(samples) < CLIP_SAMPLES:
            raise TinykitError(f"{path} is shorter than one second ({len(samples)} samples at 16 kHz); silence clips "
                               "are cut from these recordings. Remove it or give a longer recording.")
        noise.append(samples)
    rng = np.random.default_rng(seed)
    chosen: dict[str, list[tuple[str, int]]] = {}
    for split in SPLITS:
        by_word = index.files[split]
        keyword_clips = [(path, LABELS.index(word)) for word in KEYWORDS for path in by_word.get(word, [])]
        others = [path for word in index.words if word not in KEYWORDS for path in by_word.get(word, [])]
        wanted = min(_extra_count(len(keyword_clips), UNKNOWN_FRACTION), len(others))
        picked = sorted(rng.choice(len(others), size=wanted, replace=False)) if wanted else []
        silence = _extra_count(len(keyword_clips), SILENCE_FRACTION)
        chosen[split] = keyword_clips + [(others[i], LABELS.index(UNKNOWN)) for i in picked] + \
            [("", LABELS.index(SILENCE))] * silence
    # A split not read still draws its silence clips, so that the splits read get the clips a full load gives.
    jobs = [(split, k, path) for split in SPLITS for k, (path, _) in enumerate(chosen[split])
            if split in splits or not path]
    chosen = {split: chosen[split] if split in splits else [] for split in SPLITS}
    audio = {split: np.zeros((len(chosen[split]), CLIP_SAMPLES), dtype=np.int16) for split in SPLITS}
    with bar(len(jobs), f"reading {root}") as advance:
        for split, k, path in jobs:
            clip = _fit(read(root / path)) if path else silence_clip(noise, rng)
            if split in splits:
                audio[split][k] = clip
            advance(1)
    splits = {
        split: Split(split, audio[split], np.array([label for _, label in chosen[split]], dtype=np.int32),
                     tuple(path or f"{BACKGROUND_NOISE} (silence)" for path, _ in chosen[split]))
        for split in SPLITS
    }
    return SpeechCommands(root=root, noise=tuple(noise), notes=tuple(notes), **splits)
