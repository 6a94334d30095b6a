"""Write the DS-CNN keyword-spotting model and calibration samples for `make demo`.

    python -m examples.kws.demo_model OUT_FOLDER

writes OUT_FOLDER/ds_cnn.keras (seeded random weights: the demo shows the
compiler and the board, not accuracy) and OUT_FOLDER/calibration.npz (one
array of 100 input samples shaped like 49x10 MFCC frames).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np


def write_demo_model(folder: Path, samples: int = 100, seed: int = 0) -> tuple[Path, Path]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    from examples.kws.model import ds_cnn

    folder.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(seed)
    model = ds_cnn()
    model_path = folder / "ds_cnn.keras"
    model.save(model_path)
    rng = np.random.default_rng(seed)
    # MFCC-like magnitudes: a few tens, varying by coefficient.
    calibration = rng.normal(0.0, 1.0, size=(samples, *model.input_shape[1:])).astype(np.float32) * 8.0
    data_path = folder / "calibration.npz"
    np.savez(data_path, inputs=calibration)
    return model_path, data_path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m examples.kws.demo_model OUT_FOLDER")
    for path in write_demo_model(Path(sys.argv[1])):
        print(f"wrote {path}")
