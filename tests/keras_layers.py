"""One small Keras model per layer TinyML users commonly write, converted two ways.

Each model exercises one layer (with a convolution around it where the layer
alone would be folded away by the converter). Every one is converted by
tinykit's own converter (batch fixed to one) and by a plain
``tf.lite.TFLiteConverter.from_keras_model`` with its default settings, a
representative dataset and int8 input and output, as a TF Lite Micro user
would: that one keeps the batch dynamic, so the file carries the shape
arithmetic (SHAPE, STRIDED_SLICE, PACK) tinykit folds at read time.

    path = converted_layer("conv1d", "tflite", cache_dir)   # cached int8 .tflite
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import keras
import numpy as np
from keras import layers
import zoo
from zoo import seeded

from tinykit.errors import TinykitError

CONVERTERS = ("tinykit", "tflite")


def _image(shape: tuple[int, ...] = (8, 8, 3)) -> keras.KerasTensor:
    return keras.Input(shape)


def _conv(x: keras.KerasTensor, filters: int = 6, activation: str | None = None) -> keras.KerasTensor:
    return layers.Conv2D(filters, 3, padding="same", activation=activation)(x)


def _model(inputs: keras.KerasTensor, outputs: keras.KerasTensor, name: str) -> keras.Model:
    return keras.Model(inputs, outputs, name=name)


@seeded
def flatten_dense() -> keras.Model:
    x = _image()
    return _model(x, layers.Dense(5)(layers.Flatten()(_conv(x))), "flatten_dense")


@seeded
def conv1d() -> keras.Model:
    x = keras.Input((20, 4))
    return _model(x, layers.Conv1D(6, 3, padding="same", activation="relu")(x), "conv1d")


@seeded
def depthwise_conv1d() -> keras.Model:
    x = keras.Input((20, 4))
    return _model(x, layers.DepthwiseConv1D(3, depth_multiplier=2)(x), "depthwise_conv1d")


@seeded
def separable_conv2d() -> keras.Model:
    x = _image()
    return _model(x, layers.SeparableConv2D(6, 3, padding="same", activation="relu")(x), "separable_conv2d")


@seeded
def global_max_pooling2d() -> keras.Model:
    x = _image()
    return _model(x, layers.GlobalMaxPooling2D()(_conv(x)), "global_max_pooling2d")


@seeded
def max_pooling1d() -> keras.Model:
    x = keras.Input((20, 4))
    y = layers.Conv1D(6, 3, padding="same")(x)
    return _model(x, layers.MaxPooling1D(2)(y), "max_pooling1d")


@seeded
def leaky_relu() -> keras.Model:
    x = _image()
    return _model(x, layers.LeakyReLU(negative_slope=0.2)(_conv(x)), "leaky_relu")


@seeded
def hard_swish() -> keras.Model:
    x = _image()
    return _model(x, layers.Activation("hard_swish")(_conv(x)), "hard_swish")


@seeded
def tanh() -> keras.Model:
    x = _image()
    return _model(x, layers.Activation("tanh")(_conv(x)), "tanh")


@seeded
def sigmoid() -> keras.Model:
    x = _image()
    return _model(x, layers.Activation("sigmoid")(_conv(x)), "sigmoid")


@seeded
def relu_after_add() -> keras.Model:
    x = _image()
    return _model(x, layers.ReLU()(layers.Add()([_conv(x), _conv(x)])), "relu_after_add")


@seeded
def multiply() -> keras.Model:
    x = _image()
    return _model(x, layers.Multiply()([_conv(x), _conv(x)]), "multiply")


@seeded
def subtract() -> keras.Model:
    x = _image()
    return _model(x, layers.Subtract()([_conv(x), _conv(x)]), "subtract")


@seeded
def squeeze_excite() -> keras.Model:
    x = _image()
    y = _conv(x, 8, "relu")
    s = layers.GlobalAveragePooling2D()(y)
    s = layers.Dense(2, activation="relu")(s)
    s = layers.Dense(8, activation="sigmoid")(s)
    s = layers.Reshape((1, 1, 8))(s)
    return _model(x, layers.Multiply()([y, s]), "squeeze_excite")


@seeded
def upsampling_nearest() -> keras.Model:
    x = _image((4, 4, 3))
    return _model(x, layers.UpSampling2D(2, interpolation="nearest")(_conv(x)), "upsampling_nearest")


@seeded
def upsampling_bilinear() -> keras.Model:
    x = _image((4, 4, 3))
    return _model(x, layers.UpSampling2D(2, interpolation="bilinear")(_conv(x)), "upsampling_bilinear")


@seeded
def conv2d_transpose() -> keras.Model:
    x = _image((5, 5, 3))
    return _model(x, layers.Conv2DTranspose(4, 3, strides=2, padding="same")(x), "conv2d_transpose")


@seeded
def permute() -> keras.Model:
    x = _image((6, 5, 3))
    return _model(x, layers.Permute((2, 1, 3))(_conv(x)), "permute")


@seeded
def reshape() -> keras.Model:
    x = _image((6, 4, 3))
    y = layers.Reshape((12, 12))(_conv(x))
    return _model(x, layers.Conv1D(4, 3)(y), "reshape")


@seeded
def batch_norm_unfused() -> keras.Model:
    x = _image()
    return _model(x, layers.BatchNormalization()(x), "batch_norm_unfused")


@seeded
def dropout() -> keras.Model:
    x = _image()
    y = layers.Dropout(0.5)(_conv(x, activation="relu"))
    return _model(x, layers.Dense(4)(layers.Flatten()(y)), "dropout")


@seeded
def average_pooling_stride() -> keras.Model:
    x = _image((9, 9, 3))
    return _model(x, layers.AveragePooling2D(3, strides=2)(_conv(x)), "average_pooling_stride")


@seeded
def zero_padding2d() -> keras.Model:
    x = _image()
    y = layers.ZeroPadding2D(((1, 2), (0, 1)))(x)
    return _model(x, layers.Conv2D(4, 3)(y), "zero_padding2d")


@seeded
def cropping2d() -> keras.Model:
    x = _image()
    return _model(x, layers.Cropping2D(((1, 2), (2, 0)))(_conv(x)), "cropping2d")


@seeded
def concatenate_spatial() -> keras.Model:
    x = _image()
    return _model(x, layers.Concatenate(axis=1)([_conv(x), layers.MaxPooling2D(1)(_conv(x))]),
                  "concatenate_spatial")


@seeded
def dense_3d() -> keras.Model:
    x = keras.Input((5, 8))
    return _model(x, layers.Dense(6, activation="relu")(x), "dense_3d")


@seeded
def representative() -> keras.Model:
    """Many of the layers above in one single-input, single-output model, for one firmware boot per
    converter: Conv1D and MaxPooling1D after a Reshape, Flatten + Dense, Permute, Cropping2D,
    SeparableConv2D, AveragePooling2D with stride, ZeroPadding2D, Dropout and Concatenate on a spatial axis."""
    x = _image((10, 10, 3))
    a = _conv(x, 4, "relu")
    rows = layers.MaxPooling1D(2)(layers.Conv1D(3, 3)(layers.Reshape((100, 4))(a)))
    separable = layers.AveragePooling2D(3, strides=2)(layers.SeparableConv2D(4, 3, padding="same")(x))
    padded = layers.Conv2D(2, 3)(layers.ZeroPadding2D(((1, 0), (0, 1)))(a))
    branches = [
        layers.Dense(5)(layers.Flatten()(layers.Dropout(0.3)(a))),
        layers.Flatten()(layers.Permute((2, 1, 3))(a)),
        layers.Flatten()(layers.Cropping2D(((1, 2), (2, 1)))(a)),
        layers.Flatten()(rows),
        layers.Flatten()(separable),
        layers.Flatten()(layers.Concatenate(axis=1)([a, _conv(x, 4)])),
        layers.Flatten()(padded),
    ]
    return _model(x, layers.Concatenate()(branches), "representative")


LAYERS: dict[str, Callable[[], keras.Model]] = {build.__name__: build for build in (
    flatten_dense, conv1d, depthwise_conv1d, separable_conv2d, global_max_pooling2d, max_pooling1d, leaky_relu,
    hard_swish, tanh, sigmoid, relu_after_add, multiply, subtract, squeeze_excite, upsampling_nearest,
    upsampling_bilinear, conv2d_transpose, permute, reshape, batch_norm_unfused, dropout, average_pooling_stride,
    zero_padding2d, cropping2d, concatenate_spatial, dense_3d, representative,
)}


def convert_with_tflite_converter(model: keras.Model, out_path: Path) -> None:
    """What a TF Lite Micro user runs: from_keras_model, defaults, a representative dataset, int8 in and out."""
    from tinykit.frontend.convert import _native_output_captured, quiet_tensorflow

    tf = quiet_tensorflow()

    batch = model.inputs[0].shape[0] or 1  # a fixed batch (tf-keras' Input(batch_size=...)) is fed whole

    def representative_dataset() -> Iterator[list[np.ndarray]]:
        samples = zoo.calibration_data(model)
        for start in range(0, len(samples) - batch + 1, batch):
            yield [samples[start:start + batch]]

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative_dataset
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    with _native_output_captured():
        out_path.write_bytes(converter.convert())


def convert_with_tinykit(model: keras.Model, out_path: Path) -> None:
    """tinykit's converter; the int8 file it writes is kept even when tinykit then refuses an op in it
    (the build refuses it again, with the same message, and the slow conversion stays cached)."""
    try:
        zoo.convert_with_tinykit(model, out_path)
    except TinykitError:
        if not out_path.exists():
            raise


def converted_layer(name: str, converter: str, cache_dir: Path) -> Path:
    """The coverage model ``name`` converted to int8 by ``converter`` ("tinykit" or "tflite"), cached."""
    convert = {"tinykit": convert_with_tinykit, "tflite": convert_with_tflite_converter}[converter]
    model = LAYERS[name]()
    return zoo.cache_entry(f"layer-{name}-{converter}", model, Path(cache_dir), convert)
