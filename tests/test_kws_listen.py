"""`tinykit kws listen` on the host side: labels, scoring, the real-time
figures, the device settings, and the refusals a user meets before any
board is involved (bad WAV, bad labels, no streaming build)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinykit.errors import TinykitError
from tinykit.kws.listen import Onset, hit_window_s, read_labels, realtime_figures, score
from tinykit.kws.stream import Stride, StreamSettings
from tinykit.kws.wav import write_wav


def tinykit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tinykit", *args], capture_output=True, text=True, timeout=120)


def test_labels_are_read_sorted_and_a_bad_line_is_named(tmp_path: Path) -> None:
    good = tmp_path / "talk.txt"
    good.write_text("# onsets\n3.5 stop\n\n1.25 yes  # first\n")
    assert read_labels(good) == [Onset(1.25, "yes", 4), Onset(3.5, "stop", 2)]
    bad = tmp_path / "bad.txt"
    bad.write_text("1.0 yes\n2.0 banana\n")
    with pytest.raises(TinykitError, match=r"bad.txt, line 2: '2.0 banana'"):
        read_labels(bad)


def test_score_matches_each_onset_once_within_the_window() -> None:
    onsets = [Onset(1.0, "yes", 1), Onset(4.0, "stop", 2), Onset(8.0, "go", 3)]
    detections = [
        {"keyword": "yes", "time_s": 2.1, "score": 0.9},   # hit
        {"keyword": "yes", "time_s": 2.6, "score": 0.8},   # the same word again: a false alarm
        {"keyword": "go", "time_s": 4.5, "score": 0.7},    # wrong keyword for stop: a false alarm
        {"keyword": "go", "time_s": 11.5, "score": 0.7},   # too late for go at 8.0 (window 2 s): false alarm
    ]
    result = score(detections, onsets, window_s=2.0)
    assert (result["hits"], result["misses"], result["false_alarms"]) == (1, 2, 3)
    assert [label["detected_s"] for label in result["labels"]] == [2.1, None, None]


def test_settings_become_the_devices_integers() -> None:
    settings = StreamSettings(stride_ms=250, average_ms=1000, threshold=0.6, suppress_ms=1000)
    assert settings.threshold_steps(1 / 256) == 154  # 0.6 at a softmax's 1/256 scale
    assert settings.command(1 / 256, 10) == "tk-config 4000 4 154 16000 10"
    assert hit_window_s(settings) == 2.0
    assert hit_window_s(settings, frames=41) == pytest.approx(2.0 - 8 * 0.020)  # a searched 41-frame model's view
    with pytest.raises(TinykitError, match="averages 1 to 16"):
        StreamSettings(stride_ms=20, average_ms=1000).check()


def test_realtime_figures_say_when_the_board_falls_behind() -> None:
    def strides(cycles: int) -> list[Stride]:
        return [Stride(16000 + 4000 * i, cycles // 4, cycles - cycles // 4, np.zeros(12, np.int8)) for i in range(8)]

    settings = StreamSettings()
    quick = realtime_figures(strides(2_500_000), settings, 25_000_000, "qemu-icount")  # 100 ms per 250 ms stride
    assert quick["duty_cycle"] == pytest.approx(0.4) and quick["behind_s"] == 0.0
    assert quick["feature_ms"] == pytest.approx(25.0) and quick["inference_ms"] == pytest.approx(75.0)
    slow = realtime_figures(strides(10_000_000), settings, 25_000_000, "qemu-icount")  # 400 ms per stride
    assert slow["duty_cycle"] == pytest.approx(1.6)
    assert slow["behind_s"] == pytest.approx(7 * 0.15)  # 150 ms more each stride, after the first


def test_listen_refuses_bad_recordings_and_missing_builds_with_the_cause(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    write_wav(empty, np.zeros(0, dtype=np.int16))
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00")
    audio = tmp_path / "ok.wav"
    write_wav(audio, np.zeros(20000, dtype=np.int16))
    for wav, reason in ((empty, "holds no audio"), (corrupt, "is not a WAV file")):
        run = tinykit("kws", "listen", str(tmp_path), "--wav", str(wav))
        assert run.returncode == 1 and str(wav) in run.stderr and reason in run.stderr, run.stderr
        assert "Traceback" not in run.stderr
    run = tinykit("kws", "listen", str(tmp_path), "--wav", str(audio))
    assert run.returncode == 1 and "holds no streaming app build" in run.stderr and "kws deploy" in run.stderr
