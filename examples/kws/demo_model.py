"""Write the DS-CNN keyword-spotting model and calibration samples for `make demo`.

    python -m examples.kws.demo_model OUT_FOLDER

writes OUT_FOLDER/ds_cnn.keras and OUT_FOLDER/calibration.npz (one array of
100 input samples shaped like 49x10 MFCC frames).

The model is trained for a few seconds on synthetic data: each of the 12
classes is a fixed random 49x10 pattern plus noise. That is no keyword
spotter (the Speech Commands pipeline is its own example), but its outputs
are decisive, so the float-vs-int8 agreement the build prints means something.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np


def synthetic_keywords(shape: tuple[int, ...], classes: int, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Samples of ``classes`` fixed random patterns (MFCC-like magnitudes) plus noise, and their labels."""
    rng = np.random.default_rng(seed)
    patterns = rng.normal(0.0, 8.0, size=(classes, *shape))
    labels = rng.integers(0, classes, size=count)
    inputs = patterns[labels] + rng.normal(0.0, 4.0, size=(count, *shape))
    return inputs.astype(np.float32), labels.astype(np.int32)


def write_demo_model(folder: Path, samples: int = 100, seed: int = 0) -> tuple[Path, Path]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    from tinykit.kws.model import ds_cnn

    folder.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(seed)
    model = ds_cnn()
    inputs, labels = synthetic_keywords(model.input_shape[1:], model.output_shape[-1], count=1200, seed=seed)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(inputs, labels, epochs=3, batch_size=32, verbose=0)
    model_path = folder / "ds_cnn.keras"
    model.save(model_path)
    calibration = inputs[:samples]
    data_path = folder / "calibration.npz"
    np.savez(data_path, inputs=calibration)
    return model_path, data_path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m examples.kws.demo_model OUT_FOLDER")
    for path in write_demo_model(Path(sys.argv[1])):
        print(f"wrote {path}")
