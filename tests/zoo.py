"""Whole models for the bit-exactness suite, with seeded random weights.

The four MLPerf Tiny reference architectures (keyword spotting, image
classification, visual wake words, anomaly detection), a MobileNetV2 stack,
and four small models that bring in the remaining ops (CONCATENATION, PAD,
LOGISTIC with MAX_POOL_2D, the data-movement ops TRANSPOSE, STRIDED_SLICE,
SLICE, SPLIT, SPLIT_V, PACK, UNPACK, and a decoder's TRANSPOSE_CONV, resizes,
DEPTH_TO_SPACE and SPACE_TO_DEPTH), so that every op tinykit supports appears
in some whole converted model. Weights are random but seeded, and batch-norm
statistics are randomised too, so that folding them into the convolutions is
exercised rather than being the identity.

    path = converted("resnet8", cache_dir)   # a cached, fully int8 .tflite
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import keras
import numpy as np
from keras import layers

from tinykit.kws.model import ds_cnn
from tinykit.frontend.convert import convert_to_int8

SEED = 1234
CALIBRATION_SAMPLES = 32


def _randomize_batch_norms(model: keras.Model, rng: np.random.Generator) -> keras.Model:
    """Give every BatchNormalization layer non-trivial scale, offset, mean and variance."""
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            (channels,) = layer.gamma.shape
            layer.set_weights([
                rng.uniform(0.5, 1.5, channels).astype(np.float32),   # gamma
                rng.uniform(-0.2, 0.2, channels).astype(np.float32),  # beta
                rng.uniform(-0.2, 0.2, channels).astype(np.float32),  # moving mean
                rng.uniform(0.5, 2.0, channels).astype(np.float32),   # moving variance
            ])
    return model


def seeded(build: Callable[[], keras.Model]) -> Callable[[], keras.Model]:
    """Make a model builder deterministic: seeded initialisers and batch-norm statistics."""

    def seeded_build() -> keras.Model:
        # A fresh session restarts Keras's layer-name counters, so the model
        # (and its cache fingerprint) is the same whatever was built before.
        keras.backend.clear_session()
        keras.utils.set_random_seed(SEED)
        return _randomize_batch_norms(build(), np.random.default_rng(SEED))

    seeded_build.__name__ = build.__name__
    seeded_build.__doc__ = build.__doc__
    return seeded_build


def _conv_bn(x: keras.KerasTensor, filters: int, kernel: int, strides: int = 1,
             activation: str | None = "relu") -> keras.KerasTensor:
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation(activation)(x) if activation else x


def _depthwise_bn(x: keras.KerasTensor, strides: int = 1, activation: str = "relu") -> keras.KerasTensor:
    x = layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation(activation)(x)


# ---------------------------------------------------------------------------
# MLPerf Tiny reference architectures
# ---------------------------------------------------------------------------


@seeded
def kws_ds_cnn() -> keras.Model:
    """Keyword spotting: DS-CNN on 49x10 MFCCs, 12 classes."""
    return ds_cnn()


@seeded
def resnet8() -> keras.Model:
    """Image classification: ResNet-8 on 32x32x3, three residual stacks (16, 32, 64), 10 classes."""
    inputs = keras.Input((32, 32, 3))
    x = _conv_bn(inputs, 16, 3)
    for filters, strides in ((16, 1), (32, 2), (64, 2)):
        y = _conv_bn(x, filters, 3, strides)
        y = _conv_bn(y, filters, 3, activation=None)
        # The first stack keeps the shape; the others project the shortcut with a strided 1x1.
        shortcut = x if strides == 1 else layers.Conv2D(filters, 1, strides=strides)(x)
        x = layers.Activation("relu")(layers.Add()([y, shortcut]))
    x = layers.AveragePooling2D(pool_size=x.shape[1])(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="resnet8")


# Pointwise filters and depthwise stride of MobileNetV1's 13 separable blocks at width 1.0.
_MOBILENET_V1_BLOCKS = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
)


@seeded
def vww_mobilenet_v1() -> keras.Model:
    """Visual wake words: MobileNetV1 width 0.25 on 96x96x3, 2 classes."""
    alpha = 0.25
    inputs = keras.Input((96, 96, 3))
    x = _conv_bn(inputs, int(32 * alpha), 3, strides=2)
    for filters, strides in _MOBILENET_V1_BLOCKS:
        x = _depthwise_bn(x, strides)
        x = _conv_bn(x, int(filters * alpha), 1)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="vww_mobilenet_v1_025")


@seeded
def ad_autoencoder() -> keras.Model:
    """Anomaly detection: dense autoencoder 640 -> 128 x4 -> 8 -> 128 x4 -> 640, linear output."""
    inputs = keras.Input((640,))
    x = inputs
    for units in (128, 128, 128, 128, 8, 128, 128, 128, 128):
        x = layers.Dense(units)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    outputs = layers.Dense(640)(x)
    return keras.Model(inputs, outputs, name="ad_autoencoder")


# ---------------------------------------------------------------------------
# Further architectures and op coverage
# ---------------------------------------------------------------------------


def _inverted_residual(x: keras.KerasTensor, expansion: int, filters: int, strides: int) -> keras.KerasTensor:
    """MobileNetV2 block: 1x1 expansion, 3x3 depthwise (ReLU6), linear 1x1 bottleneck, residual if shapes match."""
    y = _conv_bn(x, x.shape[-1] * expansion, 1, activation="relu6")
    y = _depthwise_bn(y, strides, activation="relu6")
    y = _conv_bn(y, filters, 1, activation=None)
    if strides == 1 and x.shape[-1] == filters:
        y = layers.Add()([x, y])
    return y


@seeded
def mobilenet_v2_stack() -> keras.Model:
    """A stack of MobileNetV2 inverted residual blocks on 32x32x3, 10 classes."""
    inputs = keras.Input((32, 32, 3))
    x = _conv_bn(inputs, 16, 3, strides=2, activation="relu6")
    for expansion, filters, strides in ((1, 16, 1), (6, 24, 2), (6, 24, 1), (6, 32, 2), (6, 32, 1)):
        x = _inverted_residual(x, expansion, filters, strides)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="mobilenet_v2_stack")


@seeded
def inception_block() -> keras.Model:
    """An inception-style block: parallel 1x1, 3x3 and pool branches joined by CONCATENATION."""
    inputs = keras.Input((24, 24, 3))
    x = _conv_bn(inputs, 16, 3, strides=2)
    branches = [
        _conv_bn(x, 8, 1),
        _conv_bn(_conv_bn(x, 8, 1), 12, 3),
        _conv_bn(layers.MaxPooling2D(3, strides=1, padding="same")(x), 8, 1),
    ]
    x = layers.Concatenate(axis=-1)(branches)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="inception_block")


@seeded
def zero_padded() -> keras.Model:
    """Explicit ZeroPadding2D (a PAD op) before VALID convolutions, 4 classes."""
    inputs = keras.Input((20, 20, 3))
    x = layers.ZeroPadding2D(((1, 2), (2, 1)))(inputs)
    x = layers.Conv2D(8, 3, strides=2, padding="valid", activation="relu")(x)
    x = layers.ZeroPadding2D(1)(x)
    x = layers.DepthwiseConv2D(3, padding="valid", activation="relu")(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(4, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="zero_padded")


@seeded
def sigmoid_detector() -> keras.Model:
    """A binary detector: convolutions with MaxPooling2D and a sigmoid (LOGISTIC) output."""
    inputs = keras.Input((16, 16, 1))
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs, name="sigmoid_detector")


@seeded
def tensor_shuffles() -> keras.Model:
    """Data movement between convolutions: Permute (TRANSPOSE), Cropping2D (STRIDED_SLICE), a slice
    (SLICE), even and uneven splits (SPLIT, SPLIT_V), stack (PACK) and unstack (UNPACK), 6 classes."""
    inputs = keras.Input((12, 12, 3))
    x = _conv_bn(inputs, 8, 3, strides=2)
    x = layers.Permute((2, 1, 3))(x)
    x = layers.Cropping2D(((1, 0), (0, 1)))(x)
    x = keras.ops.slice(x, (0, 1, 0, 0), (1, 4, 5, 8))
    halves = keras.ops.split(x, 2, axis=-1)
    uneven = keras.ops.split(halves[0], [1, 3], axis=1)
    stacked = keras.ops.stack([layers.Reshape((4, 20))(t) for t in (halves[1], _conv_bn(halves[0], 4, 1))], axis=1)
    rows = keras.ops.unstack(stacked, axis=1)
    x = layers.Concatenate()([layers.Flatten()(t) for t in (*rows, *uneven)])
    outputs = layers.Dense(6, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="tensor_shuffles")


@keras.saving.register_keras_serializable(package="tinykit_zoo")
class DepthSpace(layers.Layer):
    """tf.nn.depth_to_space or space_to_depth (TFLite's DEPTH_TO_SPACE, SPACE_TO_DEPTH), which Keras has no layer for."""

    def __init__(self, block_size: int, to_depth: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.block_size, self.to_depth = block_size, to_depth

    def call(self, x):
        import tensorflow as tf

        move = tf.nn.space_to_depth if self.to_depth else tf.nn.depth_to_space
        return move(x, self.block_size)

    def compute_output_shape(self, shape):
        n, h, w, c = shape
        b = self.block_size
        return (n, h // b, w // b, c * b * b) if self.to_depth else (n, h * b, w * b, c // (b * b))

    def get_config(self) -> dict:
        return {**super().get_config(), "block_size": self.block_size, "to_depth": self.to_depth}


@seeded
def upsampling_decoder() -> keras.Model:
    """A segmentation-style decoder: Conv2DTranspose (TRANSPOSE_CONV), bilinear UpSampling2D and a nearest
    Resizing (the two resizes), and a space-to-depth / depth-to-space pair as in sub-pixel upsampling."""
    inputs = keras.Input((8, 8, 3))
    x = DepthSpace(2, to_depth=True)(inputs)
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.UpSampling2D(2, interpolation="bilinear")(x)
    x = layers.Conv2D(12, 3, strides=2, padding="same")(x)
    x = DepthSpace(2, to_depth=False)(x)
    x = layers.Resizing(12, 12, interpolation="nearest")(x)
    outputs = layers.Conv2D(2, 1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs, name="upsampling_decoder")


@keras.saving.register_keras_serializable(package="tinykit_zoo")
class SquaredDifference(layers.Layer):
    """tf.math.squared_difference (TFLite's SQUARED_DIFFERENCE), which Keras has no layer for."""

    def call(self, a, b):
        import tensorflow as tf

        return tf.math.squared_difference(a, b)


@seeded
def arithmetic_mix() -> keras.Model:
    """Element-wise arithmetic, stand-alone activations and reductions as TensorFlow's converter writes them:
    Multiply (MUL), Subtract (SUB), a squared difference, Maximum and Minimum (with TRANSPOSE), LeakyReLU,
    PReLU, hard_swish and tanh; global max, min and sum over the spatial axes (REDUCE_MAX, REDUCE_MIN, SUM)
    with a ReLU after the sum; 5 classes."""
    inputs = keras.Input((8, 8, 4))
    a = layers.Conv2D(8, 3, padding="same")(inputs)
    b = layers.Conv2D(8, 1)(inputs)
    x = layers.Subtract()([layers.Multiply()([a, b]), a])
    x = layers.Add()([x, b])
    y = layers.PReLU()(layers.LeakyReLU(negative_slope=0.2)(a))
    z = layers.Activation("tanh")(layers.Activation("hard_swish")(b))
    # MAXIMUM and MINIMUM compare raw values, so the converter wants both inputs on one scale: a tensor and
    # its transpose.
    d = SquaredDifference()(layers.Maximum()([y, layers.Permute((2, 1, 3))(y)]),
                            layers.Minimum()([z, layers.Permute((2, 1, 3))(z)]))
    pooled = layers.Concatenate()([
        keras.ops.max(x, axis=(1, 2)), keras.ops.min(y, axis=(1, 2)), layers.ReLU()(keras.ops.sum(d, axis=(1, 2))),
    ])
    return keras.Model(inputs, layers.Dense(5)(pooled), name="arithmetic_mix")


ZOO: dict[str, Callable[[], keras.Model]] = {
    "kws_ds_cnn": kws_ds_cnn,
    "resnet8": resnet8,
    "vww_mobilenet_v1": vww_mobilenet_v1,
    "ad_autoencoder": ad_autoencoder,
    "mobilenet_v2_stack": mobilenet_v2_stack,
    "inception_block": inception_block,
    "zero_padded": zero_padded,
    "sigmoid_detector": sigmoid_detector,
    "tensor_shuffles": tensor_shuffles,
    "upsampling_decoder": upsampling_decoder,
    "arithmetic_mix": arithmetic_mix,
}


def _fingerprint(model: keras.Model) -> str:
    """A short hash of the architecture and weights, so a changed zoo entry is reconverted."""
    digest = hashlib.sha256(model.to_json().encode())
    for weights in model.get_weights():
        digest.update(np.ascontiguousarray(weights).tobytes())
    digest.update(f"{CALIBRATION_SAMPLES}:{SEED}".encode())
    return digest.hexdigest()[:12]


def calibration_data(model: keras.Model) -> np.ndarray:
    """Seeded standard-normal samples shaped like the model's input."""
    sample_shape = tuple(model.inputs[0].shape[1:])
    return np.random.default_rng(SEED).standard_normal((CALIBRATION_SAMPLES, *sample_shape)).astype(np.float32)


def cache_entry(key: str, model: keras.Model, cache_dir: Path, convert: Callable[[keras.Model, Path], None]) -> Path:
    """``model`` converted by ``convert(model, out_path)``, cached in ``cache_dir`` under ``key`` and the
    model's fingerprint (so a changed model is reconverted)."""
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tflite_path = cache_dir / f"{key}-{_fingerprint(model)}.tflite"
    if not tflite_path.exists():
        # Write under a name of this process first, so that neither an interrupted
        # run nor a parallel test worker leaves a half-written cache entry.
        partial = tflite_path.with_suffix(f".{os.getpid()}.partial")
        convert(model, partial)
        partial.replace(tflite_path)
    return tflite_path


def convert_with_tinykit(model: keras.Model, out_path: Path) -> None:
    """tinykit's converter on ``model``, calibrated on ``calibration_data``."""
    keras_path = out_path.with_suffix(f".{os.getpid()}.keras")
    model.save(keras_path)
    try:
        convert_to_int8(keras_path, calibration_data(model), out_path)
    finally:
        keras_path.unlink()


def converted(name: str, cache_dir: Path) -> Path:
    """The zoo model ``name`` converted to a fully int8 .tflite, cached in ``cache_dir``."""
    if name not in ZOO:
        raise KeyError(f"no zoo model {name!r}; the zoo holds {', '.join(ZOO)}")
    return cache_entry(name, ZOO[name](), cache_dir, convert_with_tinykit)
