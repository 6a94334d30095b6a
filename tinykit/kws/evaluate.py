"""How well a trained keyword spotter does on a test split: float and int8 accuracy, confusion matrices,
and accuracy per voice.

``kws train`` reports its own data set's test split through :func:`measure`;
``kws evaluate`` (:func:`evaluate`) measures a trained model on another set's
test split, such as an evaluation set spoken by Festival's voices, which no
training set holds. The int8 model runs in tflite-micro on the host.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from tinykit.errors import TinykitError
from tinykit.kws.confusion import accuracy, confusion_matrix, render_text
from tinykit.kws.dataset import LABELS, Split, load_speech_commands
from tinykit.kws.features import mfcc_clips
from tinykit.kws.progress import Bar, no_bar
from tinykit.kws.synth import clip_voices


def int8_predictions(tflite: Path, features: np.ndarray) -> np.ndarray:
    """Classes the int8 model picks for float features, run by tflite-micro on the host."""
    from tinykit.frontend.tflite_reader import read_tflite
    from tinykit.verify.compare import quantize
    from tinykit.verify.tflm import run_tflm

    graph = read_tflite(tflite)
    tensor = graph.inputs[0]
    samples = [[quantize(f, tensor).reshape(tensor.shape)] for f in features]
    outputs = run_tflm(tflite.read_bytes(), samples)
    return np.array([int(np.argmax(o[0])) for o in outputs], dtype=np.int32)


def by_voice(truth: np.ndarray, float_predicted: np.ndarray, int8_predicted: np.ndarray,
             voices: Sequence[str]) -> list[dict]:
    """Clips and float and int8 accuracy of each voice, in name order."""
    names = np.asarray(voices)
    rows = []
    for voice in sorted(set(voices)):
        mine = names == voice
        rows.append({"voice": voice, "clips": int(mine.sum()),
                     "float_accuracy": float(np.mean(float_predicted[mine] == truth[mine])),
                     "int8_accuracy": float(np.mean(int8_predicted[mine] == truth[mine]))})
    return rows


def measure(out: Path, split: Split, voices: Sequence[str] | None, bar: Bar = no_bar,
            report: Callable[[str], None] = lambda message: None) -> dict:
    """The float (OUT/model.keras) and int8 (OUT/model.tflite) models on ``split``: accuracies, their
    agreement, confusion matrices and, when ``voices`` names each clip's voice, accuracy per voice."""
    from tinykit.kws.train import keras_quietly

    features = mfcc_clips(split.audio, bar, f"{split.name} features")
    model = keras_quietly().models.load_model(out / "model.keras", compile=False)
    float_predicted = np.argmax(model.predict(features, batch_size=256, verbose=0), axis=-1)
    report(f"running the int8 model on {len(split.labels)} {split.name} clips in tflite-micro")
    int8_predicted = int8_predictions(out / "model.tflite", features)
    float_matrix = confusion_matrix(split.labels, float_predicted, len(LABELS))
    int8_matrix = confusion_matrix(split.labels, int8_predicted, len(LABELS))
    return {
        "test_clips": int(len(split.labels)),
        "float_accuracy": accuracy(float_matrix),
        "int8_accuracy": accuracy(int8_matrix),
        "int8_float_agreement": float(np.mean(float_predicted == int8_predicted)),
        "labels": list(LABELS),
        "float_confusion": float_matrix.tolist(),
        "int8_confusion": int8_matrix.tolist(),
        "voices": by_voice(split.labels, float_predicted, int8_predicted, voices) if voices is not None else [],
    }


def render_accuracy(document: dict) -> list[str]:
    """The lines that give the accuracies, the agreement and the per-voice table of a measured split."""
    lines = [
        f"test split ({document['test_clips']} clips):",
        f"  float accuracy  {100 * document['float_accuracy']:.2f}%",
        f"  int8 accuracy   {100 * document['int8_accuracy']:.2f}%  (tflite-micro on the host)",
        f"  int8 and float agree on {100 * document['int8_float_agreement']:.1f}% of the clips",
    ]
    if document["voices"]:
        width = max(len(row["voice"]) for row in document["voices"])
        lines += ["", "per voice (test split; silence is cut from the background noise):",
                  f"  {'voice':<{width}}  clips   float    int8"]
        lines += [f"  {row['voice']:<{width}}  {row['clips']:5d}  {100 * row['float_accuracy']:5.1f}%  "
                  f"{100 * row['int8_accuracy']:5.1f}%" for row in document["voices"]]
    return lines


def render_evaluation(document: dict) -> str:
    """An evaluation as text: what was measured, the accuracies, per voice, then the int8 confusion matrix."""
    return "\n".join([f"keyword spotter {document['model']} on the test split of {document['data']}",
                      *render_accuracy(document), "",
                      render_text(np.array(document["int8_confusion"]), document["labels"], "int8 model, test split")])


def evaluate(out: Path, data_root: Path, seed: int = 0, bar: Bar = no_bar,
             report: Callable[[str], None] = lambda message: None) -> dict:
    """Measure the keyword spotter trained in ``out`` on the test split of the set at ``data_root``."""
    out, data_root = Path(out), Path(data_root).expanduser()
    for name in ("model.keras", "model.tflite"):
        if not (out / name).is_file():
            raise TinykitError(f"{out / name} is missing: give the output folder of a finished `tinykit kws train` "
                               "run (it writes model.keras and model.tflite when training ends).")
    data = load_speech_commands(data_root, seed=seed, bar=bar, splits=("testing",))
    document = measure(out, data.testing, clip_voices(data_root, data.testing.sources), bar, report)
    return {"model": str(out), "data": str(data_root), **document}
