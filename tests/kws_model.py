"""A small keyword spotter for the deploy and streaming tests, trained in
seconds: the features of a generated Speech Commands set (the device's own
front end), a narrow DS-CNN fitted without augmentation, converted to int8
by tinykit's converter, written in the folder layout `tinykit kws train`
leaves (model.tflite, settings.json, report.json naming the data). And a
model of another input shape with random weights, laid out as a search
leaves its chosen model, for the tests of searched resolutions."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np


def train_small_kws(data: Path, out: Path, seed: int = 0, width: int = 24, blocks: int = 3, epochs: int = 40) -> Path:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    from tinykit.frontend.convert import convert_to_int8
    from tinykit.kws.dataset import LABELS, load_speech_commands
    from tinykit.kws.features import mfcc
    from tinykit.kws.model import ds_cnn

    sets = load_speech_commands(data, seed=seed)

    def features(audio: np.ndarray) -> np.ndarray:
        return np.stack([mfcc(clip) for clip in audio])[..., None]

    x, y = features(sets.training.audio), sets.training.labels
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(seed)
    model = ds_cnn(len(LABELS), x.shape[1:], filters=width, blocks=blocks, batch_norm_momentum=0.9)
    model.compile(optimizer=keras.optimizers.Adam(0.002), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=16, epochs=epochs, verbose=0)
    model.save(out / "model.keras")
    convert_to_int8(out / "model.keras", x[:100], out / "model.tflite")
    (out / "settings.json").write_text(json.dumps({"seed": seed, "width": width, "blocks": blocks}))
    (out / "report.json").write_text(json.dumps({"data": str(data)}))
    return out


def random_searched_kws(shape: tuple[int, int, int], calibration: np.ndarray | None, folder: Path) -> Path:
    """A narrow DS-CNN for ``shape`` features with random weights, as a search leaves it: best.keras, best.tflite
    (int8 by tinykit's converter; random calibration without ``calibration``), settings.json."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from search_models import randomize

    from tinykit.frontend.convert import convert_to_int8
    from tinykit.kws.dataset import LABELS
    from tinykit.kws.model import ds_cnn

    folder.mkdir(parents=True, exist_ok=True)
    model = ds_cnn(len(LABELS), shape, filters=8, blocks=1)
    randomize(model, seed=3)
    model.save(folder / "best.keras")
    convert_to_int8(folder / "best.keras", calibration, folder / "best.tflite", random_calibration=calibration is None)
    (folder / "settings.json").write_text(json.dumps({"task": "kws", "seed": 0}))
    return folder
