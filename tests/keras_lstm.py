"""Keras LSTM layers as a TF Lite Micro user converts them, cached.

Keras 3 writes an LSTM as a WHILE loop, which the TFLite converter cannot
quantize; tf-keras (Keras 2) marks it so that the converter fuses it into one
UNIDIRECTIONAL_SEQUENCE_LSTM, the op tflite-micro runs. With a fixed batch
(``Input(batch_size=...)``) and full int8 conversion that op has int8 weights
and activations, an int16 cell state and the hidden and cell state as
variable tensors.

    path = converted_lstm(LstmShape(batch=1, steps=5, features=3, units=4, sequences=True), cache_dir)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zoo
from keras_layers import convert_with_tflite_converter


@dataclass(frozen=True)
class LstmShape:
    batch: int
    steps: int
    features: int
    units: int
    sequences: bool  # return_sequences: every step's hidden state, or the last one only
    stacked: bool = False  # a second LSTM and a Dense after it, as a small classifier

    @property
    def name(self) -> str:
        what = "stacked" if self.stacked else ("sequences" if self.sequences else "last")
        return f"lstm-{what}-b{self.batch}t{self.steps}f{self.features}u{self.units}"


def lstm_model(shape: LstmShape):
    """The tf-keras model of ``shape``, with seeded weights (the biases too, so every gate's bias matters)."""
    import tf_keras

    tf_keras.backend.clear_session()
    tf_keras.utils.set_random_seed(zoo.SEED)
    inputs = tf_keras.Input((shape.steps, shape.features), batch_size=shape.batch)
    x = tf_keras.layers.LSTM(shape.units, return_sequences=shape.sequences or shape.stacked)(inputs)
    if shape.stacked:
        x = tf_keras.layers.LSTM(shape.units, return_sequences=shape.sequences)(x)
        x = tf_keras.layers.Dense(3)(x)
    model = tf_keras.Model(inputs, x, name=shape.name.replace("-", "_"))
    rng = np.random.default_rng(zoo.SEED)
    model.set_weights([w + rng.normal(0, 0.3, w.shape).astype(w.dtype) if w.ndim == 1 else w
                       for w in model.get_weights()])
    return model


def converted_lstm(shape: LstmShape, cache_dir: Path) -> Path:
    """``shape``'s model converted to full int8 by the TFLite converter, cached in ``cache_dir``."""
    return zoo.cache_entry(shape.name, lstm_model(shape), Path(cache_dir), convert_with_tflite_converter)
