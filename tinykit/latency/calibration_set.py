"""The layers `tinykit calibrate` measures: a few seeded, randomly drawn
networks whose layers cover the shapes tinykit's kernel variants are chosen
by (1x1 and KxK filters, strides 1 and 2, channel counts with every remainder
mod 4, shallow inputs, depthwise 3x3/5x5/7x7, dense layers, pools, residual
adds). Many layers share one network so one firmware image times them all.

They are Keras models (converted to int8 by tinykit's converter with random
calibration data): the profiler checks every output against tflite-micro,
which needs a real .tflite."""

from __future__ import annotations

from typing import Any

import numpy as np

# How many networks calibrate profiles by default, and how many of them (the last ones) it keeps out of the
# fit to report the model's error on networks it was not fitted on.
DEFAULT_NETWORKS = 20
HELD_OUT = 3
# The MLPerf Tiny results the flash model measures the code of (tinykit/model_data.h's tk_mlperf_fn): a
# calibration network printed as kws01 prints its scores (one value per output in thousandths), and an
# autoencoder as ad01 prints its anomaly score. Ids of benchmarks whose results share one runtime source.
MILLI_RESULTS_ID = "kws01"
MSE_RESULTS_ID = "ad01"
# Channel counts drawn for the layers: multiples of 4 and every remainder.
_CHANNELS = (3, 4, 6, 8, 10, 12, 15, 16, 20, 24, 27, 32, 36, 40, 48, 50, 64, 72, 96, 128)


def _block(layers: Any, x: Any, rng: np.random.Generator) -> Any:
    """One drawn block on ``x``: a convolution, a depthwise-separable pair, an inverted residual, a ResNet
    basic block or a pool."""
    height, width, channels = (int(d) for d in x.shape[1:])
    small = min(height, width)
    kind = rng.choice(["conv", "pointwise", "separable", "inverted", "residual", "pool"],
                      p=[0.3, 0.15, 0.15, 0.15, 0.15, 0.1])
    stride = 2 if small >= 8 and rng.random() < 0.3 else 1
    out = int(rng.choice(_CHANNELS))
    if kind == "conv":
        kernel = int(rng.choice([k for k in (1, 3, 5, 7) if k <= small] or [1]))
        kernel_w = kernel if rng.random() < 0.8 else max(1, min(kernel - 2, width))
        return layers.Conv2D(out, (kernel, kernel_w), strides=stride, padding=str(rng.choice(["same", "valid"])),
                             activation="relu")(x)
    if kind == "pointwise":
        return layers.Conv2D(out, 1, activation=str(rng.choice(["relu", "linear"])))(x)
    if kind == "separable":
        kernel = int(rng.choice([k for k in (3, 5, 7) if k <= small] or [1]))
        x = layers.DepthwiseConv2D(kernel, strides=stride, padding="same", activation="relu")(x)
        return layers.Conv2D(out, 1, activation="relu")(x)
    if kind == "inverted":
        expanded = layers.Conv2D(channels * int(rng.choice([2, 3, 4, 6])), 1, activation="relu")(x)
        kernel = int(rng.choice([k for k in (3, 5, 7) if k <= small] or [1]))
        expanded = layers.DepthwiseConv2D(kernel, strides=stride, padding="same", activation="relu")(expanded)
        projected = layers.Conv2D(channels if stride == 1 else out, 1)(expanded)
        return layers.Add()([x, projected]) if stride == 1 else projected
    if kind == "residual":
        return _residual(layers, x, 3 if small >= 3 else 1)
    pool = layers.MaxPooling2D if rng.random() < 0.5 else layers.AveragePooling2D
    return pool(2 if small >= 4 else 1, padding="same")(x)


def _residual(layers: Any, x: Any, kernel: int) -> Any:
    """A ResNet basic block: two convolutions beside the kept input, added."""
    channels = int(x.shape[-1])
    y = layers.Conv2D(channels, kernel, padding="same", activation="relu")(x)
    y = layers.Conv2D(channels, kernel, padding="same")(y)
    return layers.Activation("relu")(layers.Add()([x, y]))


def network(seed: int) -> Any:
    """Calibration network number ``seed``: an image input, 6 to 12 drawn blocks, a pooled dense head.
    A draw whose outputs do not vary with the input (a ReLU chain that died) is drawn again from the same
    generator: int8 conversion cannot quantize a constant softmax input."""
    from tinykit.frontend.convert import quiet_tensorflow

    keras = quiet_tensorflow().keras
    rng = np.random.default_rng(seed)
    while True:
        model = _draw(keras, rng, f"calibration_{seed}")
        batch = rng.standard_normal((8, *model.input_shape[1:])).astype(np.float32)
        if float(np.ptp(model(batch).numpy())) > 0.1:
            return model


def keyword_classifier() -> Any:
    """A small classifier of MLPerf Tiny's keyword-spotting shape (49 x 10 features in, 12 scores out), whose
    MLPerf results are the scores in thousandths: the calibration builds it so that the flash model measures
    that code."""
    from tinykit.frontend.convert import quiet_tensorflow

    keras = quiet_tensorflow().keras
    inputs = keras.Input((49, 10, 1))
    x = keras.layers.Conv2D(8, 3, strides=2, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Softmax()(keras.layers.Dense(12)(x)), name="calibration_keywords")


def autoencoder() -> Any:
    """A small dense autoencoder (as many outputs as inputs), the shape whose MLPerf results are an anomaly
    score: the calibration builds it so that the flash model measures that score's code."""
    from tinykit.frontend.convert import quiet_tensorflow

    keras = quiet_tensorflow().keras
    inputs = keras.Input((16,))
    x = keras.layers.Dense(8, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(16)(x), name="calibration_autoencoder")


def _draw(keras: Any, rng: np.random.Generator, name: str) -> Any:
    layers = keras.layers
    side = int(rng.choice([12, 16, 24, 32, 40, 48]))
    shape = (side, int(rng.choice([side, max(4, side // 4)])), int(rng.choice([1, 3, 4, 8, 16])))
    inputs = keras.Input(shape)
    x = inputs
    if rng.random() < 0.5:
        # A ResNet stem: a residual block at full resolution holds the arena's peak, where the memory-aware
        # kernel choice trades the fastest convolution for one with less scratch (tk_conv_quads_wide_s8).
        x = layers.Conv2D(int(rng.choice([c for c in _CHANNELS if c % 4 == 0 and c <= 32])), 3, padding="same",
                          activation="relu")(x)
        x = _residual(layers, x, 3)
    for _ in range(int(rng.integers(6, 13))):
        x = _block(layers, x, rng)
        if int(np.prod(x.shape[1:])) > 48 * 48 * 16:  # keep each image small enough to profile in seconds
            x = layers.MaxPooling2D(2, padding="same")(x)
    if rng.random() < 0.5:
        x = layers.GlobalAveragePooling2D()(x)
    else:
        x = layers.Flatten()(layers.AveragePooling2D(max(1, min(int(x.shape[1]), int(x.shape[2]), 4)), padding="same")(x))
    for units in rng.choice([10, 12, 32, 64, 100, 128, 256], size=int(rng.integers(1, 4))):
        x = layers.Dense(int(units), activation="relu")(x)
    x = layers.Dense(int(rng.choice([2, 10, 12])), activation="softmax")(x)
    model = keras.Model(inputs, x, name=name)
    _unit_variance(keras, model, rng)
    return model


def _unit_variance(keras: Any, model: Any, rng: np.random.Generator) -> None:
    """Scale each layer's weights so its outputs have unit variance on random inputs (as LSUV initialises):
    with plain random weights a deep chain's activations shrink towards zero, and int8 conversion then meets
    ranges too small to quantize (a softmax whose input scale is below 2^-26 is refused)."""
    batch = rng.standard_normal((8, *model.input_shape[1:])).astype(np.float32)
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        outputs = keras.Model(model.input, layer.output)(batch).numpy()
        spread = float(outputs.std())
        if spread > 0:
            layer.set_weights([weights[0] / spread, *(w / spread for w in weights[1:])])
