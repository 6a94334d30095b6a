"""Helpers for the search tests: a Keras model with every weight random (as
after training: non-zero biases and batch-norm statistics, which the
converter keeps as they are rather than dropping a zero bias), converted by
tinykit's converter and read back."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tinykit.ir import Graph


def randomize(model, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = []
    for weight in model.weights:
        shape = tuple(weight.shape)
        if "moving_variance" in weight.path:
            values.append(rng.uniform(0.5, 1.5, shape))
        elif "gamma" in weight.path:
            values.append(rng.uniform(0.5, 1.5, shape))
        else:
            values.append(rng.normal(0.0, 0.3, shape))
    model.set_weights([v.astype(np.float32) for v in values])


def convert_and_read(model, folder: Path, calibration: np.ndarray | None = None) -> Graph:
    """``model`` saved, converted to int8 by tinykit (random calibration unless given) and read back."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from tinykit.frontend.convert import convert_to_int8
    from tinykit.frontend.tflite_reader import read_tflite

    folder.mkdir(parents=True, exist_ok=True)
    model.save(folder / "model.keras")
    convert_to_int8(folder / "model.keras", calibration, folder / "model.tflite", random_calibration=calibration is None)
    return read_tflite(folder / "model.tflite")
