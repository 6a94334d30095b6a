"""`tinykit kws train` end to end on a small synthetic set: train, interrupt, resume, quantize, evaluate.

A real run of the command (Keras on the CPU, tinykit's converter, tflite-micro
for the int8 accuracy), kept to a narrow model and a few epochs so that it
takes about a minute. The accuracy bound is far below what the full run
reaches (see the README); it fails only when training is broken.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tinykit.kws.dataset import LABELS

pytestmark = pytest.mark.slow

# A narrow model, small batches (more steps from few clips) and a dozen epochs.
EPOCHS = 12
ARGS = ("--epochs", str(EPOCHS), "--width", "32", "--batch-size", "16", "--learning-rate", "0.003", "--seed", "1")


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child before exec: SIGINT unblocked and at its default action, as a terminal starts a
    command. A child inherits ignored signals, and a command started with & from a script (a
    non-interactive shell: `make test &`) runs with SIGINT ignored, which Python then keeps: the
    interrupt was never delivered and training ran to its end."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def train_command(data: Path, out: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "tinykit", "kws", "train", "--data", str(data), "-o", str(out), *args]


def test_train_interrupted_resumes_and_reports_float_and_int8_accuracy(kws_synthetic: Path, kws_festival: Path,
                                                                       tmp_path: Path) -> None:
    out = tmp_path / "out"
    state = out / "checkpoint" / "state.json"
    run = subprocess.Popen(train_command(kws_synthetic, out, *ARGS), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, preexec_fn=_ctrl_c_as_in_a_terminal)
    deadline = time.monotonic() + 300
    while not state.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert state.exists(), run.communicate()[1]
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 130, stderr
    assert "run the same command again to resume" in stderr and "Traceback" not in stderr
    done = json.loads(state.read_text())["epochs_done"]
    assert 1 <= done < EPOCHS

    other = subprocess.run(train_command(kws_synthetic, out, *ARGS[:-1], "2"), capture_output=True, text=True,
                           timeout=300)
    assert other.returncode == 1 and "other settings" in other.stderr and "seed was 1, now 2" in other.stderr

    resumed = subprocess.run(train_command(kws_synthetic, out, *ARGS, "--json"), capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming {out} after epoch {done} of {EPOCHS}" in resumed.stderr
    report = json.loads(resumed.stdout)
    history = json.loads((out / "report.json").read_text())["history"]
    epochs = [entry["epoch"] for entry in history]
    assert epochs == list(range(1, len(epochs) + 1)) and len(epochs) == report["epochs_trained"]  # each once
    assert report["labels"] == list(LABELS)
    # Twelve classes: chance is 8%; this short run reaches about 50% (the full one above 90%).
    assert report["float_accuracy"] > 0.25, report
    assert report["int8_accuracy"] > 0.25 and abs(report["int8_accuracy"] - report["float_accuracy"]) < 0.1, report
    matrix = report["int8_confusion"]
    assert len(matrix) == 12 and sum(map(sum, matrix)) == report["test_clips"]
    for name in ("model.keras", "model.tflite", "calibration.npz", "report.txt", "confusion.png"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "model.tflite").read_bytes()[4:8] == b"TFL3"
    assert (out / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = (out / "report.txt").read_text()
    assert "int8 accuracy" in text and "rows: true label" in text and "unknown" in text
    voices = {row["voice"]: row for row in report["voices"]}  # the test split by voice
    assert sum(row["clips"] for row in voices.values()) == report["test_clips"] and "silence" in voices
    manifest = json.loads((kws_synthetic / "synthetic.json").read_text())
    held_out = {f"{s['engine']}:{s['voice']}" for s in manifest["speakers"] if s["split"] == "testing"}
    assert set(voices) - {"silence"} <= held_out
    for row in voices.values():
        assert 0.0 <= row["int8_accuracy"] <= 1.0 and f"{row['voice']} " in text

    # The same model on the Festival evaluation set: voices of a synthesizer training never used.
    evaluated = subprocess.run([sys.executable, "-m", "tinykit", "kws", "evaluate", str(out), "--data",
                                str(kws_festival), "--json"], capture_output=True, text=True, timeout=300)
    assert evaluated.returncode == 0, evaluated.stderr
    festival = json.loads(evaluated.stdout)
    assert festival["test_clips"] == sum(map(sum, festival["int8_confusion"])) > 60
    assert {row["voice"] for row in festival["voices"]} == {"festival:kal_diphone", "festival:ked_diphone",
                                                             "festival:cmu_us_slt_arctic_hts", "silence"}
    assert festival["int8_accuracy"] > 0.2 and abs(festival["int8_accuracy"] - festival["float_accuracy"]) < 0.15
