"""Keyword-spotting data: WAV reading and conversion, the Speech Commands loader, the synthetic set.

The synthetic set is really spoken (espeak-ng and flite run) and really read
back; the bad-input cases run the real `tinykit kws train` command and check
that it ends in one `error:` paragraph naming the file, not a traceback.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinykit.errors import TinykitError
from tinykit.kws.dataset import (BACKGROUND_NOISE, CLIP_SAMPLES, KEYWORDS, LABELS, TESTING_LIST, VALIDATION_LIST,
                                 load_speech_commands)
from tinykit.kws.synth import (FESTIVAL_VOICES, OTHER_WORDS, Speaker, check_festival_held_out, clip_voices, generate,
                                plan)
from tinykit.kws.wav import read_wav, write_wav


def tinykit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinykit", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def wav_bytes(samples: np.ndarray, rate: int, channels: int, bits: int, tag: int = 1) -> bytes:
    """A WAV file's bytes in any layout, written independently of tinykit's writer."""
    frames = samples.reshape(-1, channels)
    if tag == 3:
        data = frames.astype(f"<f{bits // 8}").tobytes()
    elif bits == 8:
        data = np.round(frames * 127 + 128).astype(np.uint8).tobytes()
    elif bits == 24:
        ints = np.round(frames * (2**23 - 1)).astype("<i4").reshape(-1)
        data = b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in ints)
    else:
        data = np.round(frames * (2 ** (bits - 1) - 1)).astype(f"<i{bits // 8}").tobytes()
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tone(rate: int, seconds: float = 1.0, hz: float = 440.0) -> np.ndarray:
    return 0.5 * np.sin(2 * np.pi * hz * np.arange(int(rate * seconds)) / rate)


def peak_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    return float(np.fft.rfftfreq(len(samples), 1 / 16000)[np.argmax(spectrum)])


# ---------------------------------------------------------------------------
# WAV files
# ---------------------------------------------------------------------------


def test_16khz_mono_pcm_reads_back_exactly_without_a_note(tmp_path: Path) -> None:
    samples = np.random.default_rng(0).integers(-32768, 32768, size=16000).astype(np.int16)
    write_wav(tmp_path / "a.wav", samples)
    audio = read_wav(tmp_path / "a.wav")
    assert audio.note == "" and np.array_equal(audio.samples, samples)


@pytest.mark.parametrize(("rate", "channels", "bits", "tag"), [
    (44100, 2, 16, 1), (48000, 1, 32, 3), (8000, 1, 8, 1), (22050, 1, 24, 1), (16000, 2, 64, 3)])
def test_other_layouts_are_converted_to_16khz_mono_with_a_note(tmp_path: Path, rate: int, channels: int, bits: int,
                                                              tag: int) -> None:
    mono = tone(rate)
    path = tmp_path / "in.wav"
    path.write_bytes(wav_bytes(np.repeat(mono, channels), rate, channels, bits, tag))
    audio = read_wav(path)
    assert str(path) in audio.note and "converted" in audio.note and f"{rate} Hz" in audio.note
    assert audio.samples.dtype == np.int16 and len(audio.samples) == 16000
    assert abs(peak_hz(audio.samples) - 440.0) <= 1.0
    # Amplitude survives resampling and mixing down (0.5 of full scale, within a few percent).
    assert abs(np.max(np.abs(audio.samples[2000:14000])) / 32768 - 0.5) < 0.03


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "not a WAV file"),
    (b"RIFF\x00\x00\x00\x00WAVEjunk", "no 'fmt ' chunk"),
    (wav_bytes(np.zeros(0), 16000, 1, 16), "holds no audio"),
    (wav_bytes(tone(8000), 8000, 1, 8, tag=7), "compressed audio (mu-law)"),
    (wav_bytes(tone(16000), 16000, 1, 16)[:40], "no 'data' chunk"),
])
def test_unreadable_wavs_are_refused_with_their_path_and_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(TinykitError) as error:
        read_wav(path)
    assert str(path) in str(error.value) and reason in str(error.value)


# ---------------------------------------------------------------------------
# The synthetic set
# ---------------------------------------------------------------------------


def test_synthetic_set_is_the_same_bytes_from_the_same_seed_with_any_worker_count(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    generate(one, clips=200, seed=3, workers=1)
    generate(two, clips=200, seed=3, workers=2)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    assert all((one / f).read_bytes() == (two / f).read_bytes() for f in files)
    assert [job.path for job in plan(200, 4)[1]] != [job.path for job in plan(200, 3)[1]]


def test_synthetic_set_has_speech_commands_layout_and_holds_out_whole_voices(kws_synthetic: Path) -> None:
    words = {p.name for p in kws_synthetic.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert words == set(KEYWORDS) | set(OTHER_WORDS)
    noise = sorted((kws_synthetic / BACKGROUND_NOISE).glob("*.wav"))
    assert len(noise) >= 5 and all(len(read_wav(p).samples) >= 10 * 16000 for p in noise)
    clips = sorted(kws_synthetic.glob("*/*_nohash_*.wav"))
    assert len(clips) == 800
    for path in clips[::37]:
        header = path.read_bytes()[:44]
        assert struct.unpack_from("<HHI", header, 20) == (1, 1, 16000) and struct.unpack_from("<H", header, 34)[0] == 16
        assert len(read_wav(path).samples) == CLIP_SAMPLES
    manifest = json.loads((kws_synthetic / "synthetic.json").read_text())
    voice = {s["id"]: (s["engine"], s["voice"]) for s in manifest["speakers"]}
    split_of = {s["id"]: s["split"] for s in manifest["speakers"]}
    listed = {"validation": (kws_synthetic / VALIDATION_LIST).read_text().split(),
              "testing": (kws_synthetic / TESTING_LIST).read_text().split()}
    for split, paths in listed.items():
        assert paths and all(split_of[Path(p).name.split("_")[0]] == split for p in paths)
    voices = {split: {voice[s] for s in voice if split_of[s] == split} for split in ("training", "validation", "testing")}
    assert voices["testing"] and voices["validation"]
    assert not voices["testing"] & voices["training"] and not voices["validation"] & voices["training"]
    assert {"espeak-ng", "flite"} == {engine for engine, _ in voice.values()}
    for split in ("validation", "testing"):  # held-out voices take turns: none outweighs another
        speakers = [voice[s] for s in voice if split_of[s] == split]
        per_voice = [speakers.count(v) for v in set(speakers)]
        assert max(per_voice) - min(per_voice) <= 1, (split, per_voice)


def test_loader_builds_the_12_class_task_in_mlperf_order(kws_synthetic: Path) -> None:
    assert LABELS == ("down", "go", "left", "no", "off", "on", "right", "stop", "up", "yes", "silence", "unknown")
    data = load_speech_commands(kws_synthetic, seed=0)
    testing = set((kws_synthetic / TESTING_LIST).read_text().split())
    assert {s for s in data.testing.sources if s.endswith(".wav")} <= testing
    assert not testing & set(data.training.sources)
    for split in (data.training, data.validation, data.testing):
        counts = split.counts()
        assert all(counts[k] > 0 for k in KEYWORDS)
        for extra in ("silence", "unknown"):
            assert 0.07 <= counts[extra] / len(split.labels) <= 0.13, (split.name, counts)
        assert split.audio.shape == (len(split.labels), CLIP_SAMPLES)
        unknown = [s for s, label in zip(split.sources, split.labels) if LABELS[label] == "unknown"]
        assert all(Path(s).parent.name in OTHER_WORDS for s in unknown)
    silence = data.training.audio[data.training.labels == LABELS.index("silence")]
    assert np.mean(np.abs(silence.astype(np.float64))) > 1.0  # cut from the noise, not zeros
    again = load_speech_commands(kws_synthetic, seed=0)
    assert np.array_equal(again.training.audio, data.training.audio)
    only = load_speech_commands(kws_synthetic, seed=0, splits=("testing",))  # as `kws evaluate` reads a set
    assert only.testing.sources == data.testing.sources and np.array_equal(only.testing.audio, data.testing.audio)
    assert len(only.training.labels) == len(only.validation.labels) == 0


# ---------------------------------------------------------------------------
# The Festival evaluation set
# ---------------------------------------------------------------------------


def test_kws_festival_is_all_test_clips_of_festival_voices(kws_festival: Path) -> None:
    clips = sorted(f"{p.parent.name}/{p.name}" for p in kws_festival.glob("*/*_nohash_*.wav"))
    assert len(clips) == 60
    assert sorted((kws_festival / TESTING_LIST).read_text().split()) == clips
    assert (kws_festival / VALIDATION_LIST).read_text() == ""
    for path in clips[::7]:
        audio = read_wav(kws_festival / path)
        assert audio.note == "" and len(audio.samples) == CLIP_SAMPLES and np.max(np.abs(audio.samples)) > 1000
    data = load_speech_commands(kws_festival, seed=0, splits=("testing",))
    assert all(n > 0 for label, n in data.testing.counts().items())
    voices = clip_voices(kws_festival, data.testing.sources)
    assert set(voices) == {f"festival:{v}" for v in FESTIVAL_VOICES} | {"silence"}
    assert clip_voices(kws_festival.parent, data.testing.sources) is None  # no synthetic.json: voices unknown


def test_festival_voices_never_train_or_validate(kws_festival: Path, tmp_path: Path) -> None:
    expect_error(tmp_path, kws_festival, "is an evaluation set spoken by Festival's voices",
                 f"tinykit kws evaluate OUT --data {kws_festival}")
    edited = tmp_path / "edited"
    shutil.copytree(kws_festival, edited)
    listed = (edited / TESTING_LIST).read_text().split()
    (edited / TESTING_LIST).write_text("".join(f"{p}\n" for p in listed[1:]))  # one clip moved to training
    expect_error(tmp_path, edited, str(edited / listed[0]), "festival:", "reserved for evaluation")
    leaked = Speaker("0badf00d", "validation", "festival", FESTIVAL_VOICES[0], "", 0.0, 1.0)
    with pytest.raises(TinykitError, match="reserved for evaluation"):
        check_festival_held_out([leaked])
    assert {s.split for s in plan(200, 0, "festival")[0]} == {"testing"}


# ---------------------------------------------------------------------------
# Bad input, as the command reports it
# ---------------------------------------------------------------------------


def tiny_set(root: Path) -> Path:
    """A minimal folder in Speech Commands' layout: a clip of each keyword and of one other word per split."""
    for word in (*KEYWORDS, "bed"):
        (root / word).mkdir(parents=True)
        for n in range(3):
            write_wav(root / word / f"{n:08x}_nohash_0.wav", (tone(16000, hz=300 + 50 * n) * 8000).astype(np.int16))
    (root / BACKGROUND_NOISE).mkdir()
    write_wav(root / BACKGROUND_NOISE / "white.wav", np.random.default_rng(0).integers(-99, 99, 48000).astype(np.int16))
    (root / VALIDATION_LIST).write_text("".join(f"{w}/00000001_nohash_0.wav\n" for w in (*KEYWORDS, "bed")))
    (root / TESTING_LIST).write_text("".join(f"{w}/00000002_nohash_0.wav\n" for w in (*KEYWORDS, "bed")))
    return root


def expect_error(tmp_path: Path, data: Path, *fragments: str) -> None:
    result = tinykit("kws", "train", "--data", str(data), "-o", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "\nerror: " in "\n" + result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_missing_folder_says_where_to_get_speech_commands(tmp_path: Path) -> None:
    expect_error(tmp_path, tmp_path / "speech_commands", str(tmp_path / "speech_commands"), "version 0.02",
                 "speech_commands_v0.02.tar.gz", "never downloads", "tinykit kws data --synthetic")


def test_missing_list_file_is_named(tmp_path: Path) -> None:
    root = tiny_set(tmp_path / "sc")
    (root / TESTING_LIST).unlink()
    expect_error(tmp_path, root, str(root / TESTING_LIST), "is missing")


def test_empty_class_is_named(tmp_path: Path) -> None:
    root = tiny_set(tmp_path / "sc")
    for path in (root / "yes").glob("*.wav"):
        path.unlink()
    expect_error(tmp_path, root, str(root / "yes"), "no .wav clips", "'yes'")


def test_corrupt_and_empty_wavs_are_named(tmp_path: Path) -> None:
    root = tiny_set(tmp_path / "sc")
    corrupt = root / "go" / "00000000_nohash_0.wav"
    corrupt.write_bytes(b"this is not audio")
    expect_error(tmp_path, root, str(corrupt), "not a WAV file")
    corrupt.write_bytes(wav_bytes(np.zeros(0), 16000, 1, 16))
    expect_error(tmp_path, root, str(corrupt), "holds no audio")


def test_data_command_refuses_a_used_folder_and_too_few_clips(tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    result = tinykit("kws", "data", "--synthetic", "-o", "used", "--clips", "300", cwd=tmp_path)
    assert result.returncode == 1 and "not empty" in result.stderr and "Traceback" not in result.stderr
    result = tinykit("kws", "data", "--synthetic", "-o", "new", "--clips", "50", cwd=tmp_path)
    assert result.returncode == 1 and "too few" in result.stderr and "Traceback" not in result.stderr
