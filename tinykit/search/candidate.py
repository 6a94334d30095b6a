"""An architecture as an int8 IR graph, without weights and without TensorFlow.

The graph is the one ``tinykit build`` would read from the converted Keras
model of the architecture (``tinykit.search.keras_model``): the same op
kinds, shapes, options and quantization layout (int8 activations with one
scale, int8 weights with one scale per output channel, int32 biases), so
flash, arena and latency come from the code paths a build uses: each op's
``macs()`` and ``weight_bytes()``, the Schedule, the planner. Weights are
zero bytes of the right size; scales are representative placeholders (the
planner and kernel selection never read them, legality checks that they make
the fixed-point arithmetic possible). ``candidate_graph`` runs the legality
checks, so what the code generator would refuse is refused here.

A few kernel variants' predicates read weight values (accumulator bounds,
the depthwise pairs' bias limit); zero weights pass them, as trained layers
do (the kernels' limits are far above real models' values), so the
candidate gets the kernels its trained model gets;
tests/test_search_candidate.py checks that on models with random weights.
"""

from __future__ import annotations

import numpy as np

from tinykit.ir import (
    Activation,
    AddOptions,
    Conv2DOptions,
    DepthwiseConv2DOptions,
    DType,
    FullyConnectedOptions,
    Graph,
    MeanOptions,
    Op,
    OpKind,
    OpOptions,
    Padding,
    Pool2DOptions,
    Quantization,
    SoftmaxOptions,
    Tensor,
    conv_output_size,
)
from tinykit.legality import check_graph
from tinykit.search.layers import INPUT, Layer, layers
from tinykit.search.space import Architecture, validate

# Placeholder quantization: scales of the order calibration gives, chosen so
# every requantization multiplier (input * weight / output scale) is a normal
# fixed-point number. ReLU outputs use the zero point the converter gives
# them (-128: the range starts at 0); linear outputs are centred.
INPUT_SCALE = 0.25
ACTIVATION_SCALE = 0.02
WEIGHT_SCALE = 0.01
LOGIT_SCALE = 0.1
SOFTMAX_QUANT = Quantization((1.0 / 256,), (-128,))
ACTIVATIONS = {"relu": Activation.RELU, "relu6": Activation.RELU6, "none": Activation.NONE}


class _Builder:
    """Appends tensors and ops in execution order, numbering them as the graph does."""

    def __init__(self) -> None:
        self.tensors: list[Tensor] = []
        self.ops: list[Op] = []

    def tensor(self, name: str, shape: tuple[int, ...], dtype: DType, quant: Quantization,
               constant: bool = False) -> Tensor:
        size = 1
        for extent in shape:
            size *= extent
        data = bytes(size * dtype.itemsize) if constant else None
        t = Tensor(len(self.tensors), name, shape, dtype, quant, data)
        self.tensors.append(t)
        return t

    def activation(self, name: str, shape: tuple[int, ...], scale: float, zero_point: int) -> Tensor:
        return self.tensor(name, shape, DType.INT8, Quantization((scale,), (zero_point,)))

    def weights(self, name: str, shape: tuple[int, ...], axis: int, input_scale: float) -> tuple[Tensor, Tensor]:
        """Per-channel int8 weights along ``axis`` and their int32 bias (scale: input scale x weight scale)."""
        channels = shape[axis]
        filt = self.tensor(name, shape, DType.INT8, Quantization((WEIGHT_SCALE,) * channels, (0,) * channels, axis),
                           constant=True)
        bias_scale = float(np.float32(input_scale * WEIGHT_SCALE))  # scales are float32-exact (tinykit.ir)
        bias = self.tensor(f"{name}_bias", (channels,), DType.INT32,
                           Quantization((bias_scale,) * channels, (0,) * channels), constant=True)
        return filt, bias

    def op(self, kind: OpKind, inputs: tuple[Tensor, ...], output: Tensor, options: OpOptions) -> Tensor:
        self.ops.append(Op(len(self.ops), kind, inputs, (output,), options))
        return output


def _output_quant(layer: Layer) -> tuple[float, int]:
    return (ACTIVATION_SCALE, -128) if layer.activation != "none" else (ACTIVATION_SCALE, 0)


def _conv(b: _Builder, layer: Layer, x: Tensor) -> Tensor:
    _, h, w, c = x.shape
    kh, kw = layer.kernel
    out_shape = (1, conv_output_size(h, kh, layer.stride, 1, Padding.SAME),
                 conv_output_size(w, kw, layer.stride, 1, Padding.SAME), layer.out_channels)
    in_scale = x.quant.single_scale
    output = b.activation(layer.name, out_shape, *_output_quant(layer))
    activation = ACTIVATIONS[layer.activation]
    if layer.kind == "conv":
        filt, bias = b.weights(f"{layer.name}_weights", (layer.out_channels, kh, kw, c), 0, in_scale)
        options: OpOptions = Conv2DOptions(Padding.SAME, layer.stride, layer.stride, activation=activation)
        return b.op(OpKind.CONV_2D, (x, filt, bias), output, options)
    filt, bias = b.weights(f"{layer.name}_weights", (1, kh, kw, layer.out_channels), 3, in_scale)
    options = DepthwiseConv2DOptions(Padding.SAME, layer.stride, layer.stride, 1, activation=activation)
    return b.op(OpKind.DEPTHWISE_CONV_2D, (x, filt, bias), output, options)


def candidate_graph(arch: Architecture, num_classes: int) -> Graph:
    """The int8 graph of ``arch`` with a ``num_classes``-way softmax; TinykitError if tinykit could not build it."""
    validate(arch)
    b = _Builder()
    x = b.activation("features", (1, *arch.input_shape), INPUT_SCALE, 0)
    graph_input = x
    outputs = {INPUT: x}
    for layer in layers(arch, num_classes):
        if layer.kind in ("conv", "depthwise"):
            x = _conv(b, layer, x)
        elif layer.kind == "add":
            out = b.activation(layer.name, x.shape, ACTIVATION_SCALE, 0)
            x = b.op(OpKind.ADD, (outputs[layer.skip], x), out, AddOptions())
        elif layer.kind == "average_pool":
            # Flatten after a pool to 1x1 is no op: the converter lets FULLY_CONNECTED read the 4-D tensor.
            n, h, w, c = x.shape
            kh, kw = layer.kernel
            shape = (n, conv_output_size(h, kh, kh, 1, Padding.VALID), conv_output_size(w, kw, kw, 1, Padding.VALID), c)
            out = b.tensor(layer.name, shape, DType.INT8, x.quant)  # pools keep their input's quantization
            x = b.op(OpKind.AVERAGE_POOL_2D, (x,), out, Pool2DOptions(Padding.VALID, kh, kw, kh, kw))
        elif layer.kind == "mean":
            out = b.activation(layer.name, (x.shape[0], x.shape[3]), ACTIVATION_SCALE, -128)
            x = b.op(OpKind.MEAN, (x,), out, MeanOptions(axes=(1, 2), keep_dims=False))
        else:
            filt, bias = b.weights(f"{layer.name}_weights", (layer.out_channels, layer.in_channels), 0,
                                   x.quant.single_scale)
            logits = b.activation(f"{layer.name}_logits", (1, layer.out_channels), LOGIT_SCALE, 0)
            x = b.op(OpKind.FULLY_CONNECTED, (x, filt, bias), logits, FullyConnectedOptions())
            probabilities = b.tensor("probabilities", (1, layer.out_channels), DType.INT8, SOFTMAX_QUANT)
            x = b.op(OpKind.SOFTMAX, (x,), probabilities, SoftmaxOptions())
        outputs[layer.name] = x
    graph = Graph(f"{arch.family}_candidate", tuple(b.tensors), tuple(b.ops), (graph_input,), (x,))
    check_graph(graph)
    return graph
