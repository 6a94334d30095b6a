"""DS-CNN keyword spotting model, shaped as the MLPerf Tiny reference.

The MLPerf Tiny keyword-spotting benchmark uses a depthwise-separable CNN
(from "Hello Edge", Zhang et al. 2017) on 49 frames x 10 MFCC coefficients:
one 10x4 stride-2 convolution with 64 filters, four depthwise-separable blocks
of 64 channels (3x3 depthwise, 1x1 pointwise, each followed by batch norm and
ReLU), average pooling to 1x1, and a 12-way softmax classifier.
"""

from __future__ import annotations

import keras
from keras import layers

# MLPerf Tiny's width (channels of every layer) and depth (separable blocks).
FILTERS = 64
SEPARABLE_BLOCKS = 4
# The reference trains with a light L2 penalty on every kernel.
WEIGHT_DECAY = 1e-4


def _bn_relu(x: keras.KerasTensor, momentum: float) -> keras.KerasTensor:
    x = layers.BatchNormalization(momentum=momentum)(x)
    return layers.Activation("relu")(x)


def ds_cnn(num_classes: int = 12, input_shape: tuple[int, int, int] = (49, 10, 1), filters: int = FILTERS,
           blocks: int = SEPARABLE_BLOCKS, batch_norm_momentum: float = 0.99) -> keras.Model:
    """The DS-CNN classifier for ``input_shape`` MFCC features and ``num_classes`` keywords.

    ``filters`` and ``blocks`` give narrower or shallower variants; the
    defaults are MLPerf Tiny's model. ``batch_norm_momentum`` only changes
    how fast training tracks the batch-norm statistics (Keras's default,
    0.99, needs thousands of steps to settle), not the model.
    """
    regularizer = keras.regularizers.l2(WEIGHT_DECAY)
    inputs = keras.Input(shape=input_shape, name="mfcc")
    x = layers.Conv2D(filters, (10, 4), strides=(2, 2), padding="same", kernel_regularizer=regularizer)(inputs)
    x = _bn_relu(x, batch_norm_momentum)
    x = layers.Dropout(0.2)(x)
    for _ in range(blocks):
        x = layers.DepthwiseConv2D((3, 3), padding="same", depthwise_regularizer=regularizer)(x)
        x = _bn_relu(x, batch_norm_momentum)
        x = layers.Conv2D(filters, (1, 1), padding="same", kernel_regularizer=regularizer)(x)
        x = _bn_relu(x, batch_norm_momentum)
    x = layers.Dropout(0.4)(x)
    # As in the reference, the pool covers half the input size: for 49x10 input
    # the feature map is 25x5 and a 24x5 window leaves one 1x1 output (the
    # last row is not pooled). Kept so that the model matches the benchmark.
    pool = (input_shape[0] // 2, input_shape[1] // 2)
    x = layers.AveragePooling2D(pool_size=pool)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="ds_cnn")
