"""The float Keras model of an architecture, layer for layer as ``tinykit.search.layers`` lists it.

Convolutions carry no bias because batch norm follows each of them (the
converter folds the batch norm into the int8 op's bias). Layer names are the
list's names (with ``_bn`` and ``_act`` suffixes), which is how the
super-network hands a sub-network its weights.
"""

from __future__ import annotations

from typing import Any

from tinykit.search.layers import INPUT, Layer, layers
from tinykit.search.space import Architecture, validate

BATCH_NORM_MOMENTUM = 0.9  # tracks statistics within a short training run (Keras's 0.99 needs thousands of steps)
BATCH_NORM_EPSILON = 1e-3  # Keras's default, named because the super-network normalizes with it too


def _conv_block(layer: Layer, x: Any) -> Any:
    from keras import layers as kl

    if layer.kind == "conv":
        x = kl.Conv2D(layer.out_channels, layer.kernel, strides=layer.stride, padding="same", use_bias=False,
                      name=layer.name)(x)
    else:
        x = kl.DepthwiseConv2D(layer.kernel, strides=layer.stride, padding="same", use_bias=False, name=layer.name)(x)
    x = kl.BatchNormalization(momentum=BATCH_NORM_MOMENTUM, epsilon=BATCH_NORM_EPSILON, name=f"{layer.name}_bn")(x)
    if layer.activation != "none":
        x = kl.Activation(layer.activation, name=f"{layer.name}_act")(x)
    return x


def build_keras_model(arch: Architecture, num_classes: int) -> Any:
    """A ``keras.Model`` of ``arch`` ending in a ``num_classes``-way softmax, weights freshly initialized."""
    import keras
    from keras import layers as kl

    validate(arch)
    inputs = keras.Input(shape=arch.input_shape, name="features")
    outputs: dict[str, Any] = {INPUT: inputs}
    x = inputs
    for layer in layers(arch, num_classes):
        if layer.kind in ("conv", "depthwise"):
            x = _conv_block(layer, x)
        elif layer.kind == "add":
            x = kl.Add(name=layer.name)([outputs[layer.skip], x])
        elif layer.kind == "average_pool":
            x = kl.AveragePooling2D(pool_size=layer.kernel, name=layer.name)(x)
            x = kl.Flatten(name=f"{layer.name}_flatten")(x)
        elif layer.kind == "mean":
            x = kl.GlobalAveragePooling2D(name=layer.name)(x)
        else:
            x = kl.Dense(layer.out_channels, activation="softmax", name=layer.name)(x)
        outputs[layer.name] = x
    return keras.Model(inputs, x, name=f"{arch.family}_candidate")
