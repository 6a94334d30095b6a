"""The one intermediate representation: a graph of int8 ops over tensors.

The TFLite reader (``tinykit.frontend.tflite_reader``) is the only code that
knows the flatbuffer schema; everything after it (planner, code generator,
cost model, search, verifier) sees only these frozen dataclasses.

The cost model lives here too: each op knows its MACs and weight bytes, so
that the planner, the reports and the search all use one set of numbers.
Scratch bytes and in-place rules depend on the kernel that runs the op, so
they live in the kernel selection's ``Schedule`` (``tinykit.schedule``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Union

import numpy as np


class DType(enum.Enum):
    """Element types a tensor may have; the value is the numpy dtype name."""

    INT8 = "int8"
    UINT8 = "uint8"
    INT16 = "int16"
    INT32 = "int32"
    INT64 = "int64"
    FLOAT16 = "float16"
    FLOAT32 = "float32"
    BOOL = "bool"

    @property
    def itemsize(self) -> int:
        return np.dtype(self.value).itemsize

    @property
    def numpy(self) -> np.dtype:
        return np.dtype(self.value)


class OpKind(enum.Enum):
    """Op kinds the IR supports (names follow TFLite's builtin operators)."""

    CONV_2D = "CONV_2D"
    DEPTHWISE_CONV_2D = "DEPTHWISE_CONV_2D"
    FULLY_CONNECTED = "FULLY_CONNECTED"
    AVERAGE_POOL_2D = "AVERAGE_POOL_2D"
    MAX_POOL_2D = "MAX_POOL_2D"
    MEAN = "MEAN"
    ADD = "ADD"
    CONCATENATION = "CONCATENATION"
    RESHAPE = "RESHAPE"
    SOFTMAX = "SOFTMAX"
    PAD = "PAD"
    QUANTIZE = "QUANTIZE"
    DEQUANTIZE = "DEQUANTIZE"
    LOGISTIC = "LOGISTIC"
    SUB = "SUB"
    MUL = "MUL"
    SQUARED_DIFFERENCE = "SQUARED_DIFFERENCE"
    MAXIMUM = "MAXIMUM"
    MINIMUM = "MINIMUM"
    RELU = "RELU"
    RELU6 = "RELU6"
    LEAKY_RELU = "LEAKY_RELU"
    PRELU = "PRELU"
    HARD_SWISH = "HARD_SWISH"
    TANH = "TANH"
    SUM = "SUM"
    REDUCE_MAX = "REDUCE_MAX"
    REDUCE_MIN = "REDUCE_MIN"
    ARG_MAX = "ARG_MAX"
    # Data movement: int8 kernels that copy bytes (tinykit/codegen/ops/movement.py).
    TRANSPOSE = "TRANSPOSE"
    STRIDED_SLICE = "STRIDED_SLICE"
    SLICE = "SLICE"
    SPLIT = "SPLIT"
    SPLIT_V = "SPLIT_V"
    PACK = "PACK"
    UNPACK = "UNPACK"
    # Shape arithmetic and views the reader represents only until tinykit.simplify
    # folds them into constants or turns them into RESHAPE; none has a kernel.
    SHAPE = "SHAPE"
    GATHER = "GATHER"
    REDUCE_PROD = "REDUCE_PROD"
    EXPAND_DIMS = "EXPAND_DIMS"
    SQUEEZE = "SQUEEZE"
    # Read only so tinykit.simplify can rewrite nearest upsampling written with it (upsample.py).
    TILE = "TILE"
    RESIZE_NEAREST_NEIGHBOR = "RESIZE_NEAREST_NEIGHBOR"
    RESIZE_BILINEAR = "RESIZE_BILINEAR"
    DEPTH_TO_SPACE = "DEPTH_TO_SPACE"
    SPACE_TO_DEPTH = "SPACE_TO_DEPTH"
    TRANSPOSE_CONV = "TRANSPOSE_CONV"
    UNIDIRECTIONAL_SEQUENCE_LSTM = "UNIDIRECTIONAL_SEQUENCE_LSTM"


class Padding(enum.Enum):
    SAME = "SAME"
    VALID = "VALID"


class Activation(enum.Enum):
    """Fused activation functions TFLite folds into an op's output clamp."""

    NONE = "NONE"
    RELU = "RELU"
    RELU6 = "RELU6"
    RELU_N1_TO_1 = "RELU_N1_TO_1"


@dataclass(frozen=True)
class Quantization:
    """Affine quantization: real = scale * (q - zero_point).

    ``scale`` holds float32 values (as Python floats, exactly representable in
    float32) because TF Lite Micro computes its requantization constants from
    float32 scales; keeping them float32 is what makes bit-exactness possible.
    Per-tensor quantization has one scale; per-channel has one per slice along
    ``axis``.
    """

    scale: tuple[float, ...]
    zero_point: tuple[int, ...]
    axis: int = 0

    @property
    def per_channel(self) -> bool:
        return len(self.scale) > 1

    @property
    def single_scale(self) -> float:
        """The per-tensor scale; raises if the tensor is per-channel."""
        if self.per_channel:
            raise ValueError("tensor is quantized per channel, it has no single scale")
        return self.scale[0]

    @property
    def single_zero_point(self) -> int:
        if len(set(self.zero_point)) != 1:
            raise ValueError("tensor has several zero points")
        return self.zero_point[0]


@dataclass(frozen=True)
class Tensor:
    """A tensor of the graph: an activation (``data is None``), a constant, or
    state (``variable``: an LSTM's hidden and cell state, which keeps its value
    from one invocation to the next, as TFLite's variable tensors do)."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: DType
    quant: Quantization | None = None
    data: bytes | None = field(default=None, repr=False)
    variable: bool = False

    @property
    def is_constant(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    def array(self) -> np.ndarray:
        """The constant data as a read-only numpy array of the tensor's shape."""
        if self.data is None:
            raise ValueError(f"tensor {self.name!r} is not a constant")
        return np.frombuffer(self.data, dtype=self.dtype.numpy).reshape(self.shape)

    def __hash__(self) -> int:  # tensors are unique by index within a graph
        return hash(self.index)


# ---------------------------------------------------------------------------
# Typed op options: one frozen dataclass per op family.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Conv2DOptions:
    padding: Padding
    stride_h: int
    stride_w: int
    dilation_h: int = 1
    dilation_w: int = 1
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class DepthwiseConv2DOptions:
    padding: Padding
    stride_h: int
    stride_w: int
    depth_multiplier: int
    dilation_h: int = 1
    dilation_w: int = 1
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class Pool2DOptions:
    padding: Padding
    stride_h: int
    stride_w: int
    filter_h: int
    filter_w: int
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class TransposeConvOptions:
    """TRANSPOSE_CONV; the output shape tensor is folded into the output tensor's shape."""

    padding: Padding
    stride_h: int
    stride_w: int
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class FullyConnectedOptions:
    activation: Activation = Activation.NONE
    keep_num_dims: bool = False


@dataclass(frozen=True)
class AddOptions:
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class ArithmeticOptions:
    """SUB and MUL: the fused activation, as ADD's."""

    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class LeakyReluOptions:
    alpha: float  # float32 value, as stored in the model


@dataclass(frozen=True)
class ArgMaxOptions:
    axis: int  # normalised to be non-negative


@dataclass(frozen=True)
class ConcatenationOptions:
    axis: int  # normalised to be non-negative
    activation: Activation = Activation.NONE


@dataclass(frozen=True)
class SoftmaxOptions:
    beta: float = 1.0


@dataclass(frozen=True)
class MeanOptions:
    """TFLite's ReducerOptions with the axes tensor folded in: MEAN, SUM, REDUCE_MAX, REDUCE_MIN
    (and REDUCE_PROD, which only tinykit.simplify folds)."""

    axes: tuple[int, ...]  # normalised, sorted, non-negative
    keep_dims: bool


@dataclass(frozen=True)
class ResizeOptions:
    """RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR; the size tensor is folded
    into the output tensor's shape."""

    align_corners: bool = False
    half_pixel_centers: bool = False


@dataclass(frozen=True)
class BlockOptions:
    """DEPTH_TO_SPACE and SPACE_TO_DEPTH: the side of the square block moved between space and depth."""

    block_size: int


@dataclass(frozen=True)
class PadOptions:
    paddings: tuple[tuple[int, int], ...]  # (before, after) per dimension
    # PADV2 carries an explicit constant; PAD pads with the output zero point.
    constant: int | None = None


@dataclass(frozen=True)
class SliceOptions:
    """STRIDED_SLICE and SLICE, resolved against the input's shape as TFLite
    resolves its masks and negative indices: along input axis ``a`` the
    output takes ``extents[a]`` elements, at input indices
    ``begin[a] + i * strides[a]``. Axes in ``shrink_axes`` (extent 1) are
    dropped from the output's shape; the bytes are the same either way."""

    begin: tuple[int, ...]
    strides: tuple[int, ...]
    extents: tuple[int, ...]
    shrink_axes: tuple[int, ...] = ()


@dataclass(frozen=True)
class AxisOptions:
    """The one axis (normalised to be non-negative) of PACK, UNPACK, SPLIT,
    SPLIT_V and GATHER. For PACK and UNPACK it is an axis of the stacked tensor
    (the output of PACK, the input of UNPACK)."""

    axis: int


@dataclass(frozen=True)
class LstmOptions:
    """UNIDIRECTIONAL_SEQUENCE_LSTM: the cell gate's activation (Keras' ``activation``,
    TANH or SIGMOID), the cell state's clip (0: none) and the input's layout."""

    cell_activation: str
    cell_clip: float
    time_major: bool


@dataclass(frozen=True)
class TileOptions:
    """TILE with its multiples tensor folded in: output axis i repeats the input ``multiples[i]`` times."""

    multiples: tuple[int, ...]


@dataclass(frozen=True)
class TransposeOptions:
    perm: tuple[int, ...]  # output axis i is input axis perm[i]


OpOptions = Union[
    Conv2DOptions,
    DepthwiseConv2DOptions,
    TransposeConvOptions,
    Pool2DOptions,
    FullyConnectedOptions,
    AddOptions,
    ArithmeticOptions,
    LeakyReluOptions,
    ArgMaxOptions,
    ConcatenationOptions,
    SoftmaxOptions,
    MeanOptions,
    PadOptions,
    SliceOptions,
    AxisOptions,
    TransposeOptions,
    TileOptions,
    LstmOptions,
    ResizeOptions,
    BlockOptions,
    None,
]


# Binary ops that broadcast their two inputs and map each output element from
# the inputs' elements at its position (ADD is one too, listed on its own above).
ELEMENTWISE_ARITHMETIC = frozenset({OpKind.SUB, OpKind.MUL, OpKind.SQUARED_DIFFERENCE, OpKind.MAXIMUM, OpKind.MINIMUM})
# One-input activations mapping each int8 element to one int8 element.
UNARY_ACTIVATIONS = frozenset({OpKind.RELU, OpKind.RELU6, OpKind.LEAKY_RELU, OpKind.HARD_SWISH, OpKind.TANH})
# Ops that reduce their input over axes; each input element is read once.
REDUCTIONS = frozenset({OpKind.MEAN, OpKind.SUM, OpKind.REDUCE_MAX, OpKind.REDUCE_MIN, OpKind.ARG_MAX})


def conv_output_size(size: int, filter_size: int, stride: int, dilation: int, padding: Padding) -> int:
    """Output length of a convolution or pool along one axis, as TFLite computes it."""
    effective = (filter_size - 1) * dilation + 1
    if padding is Padding.SAME:
        return (size + stride - 1) // stride
    return (size + stride - effective) // stride


def conv_padding_before(size: int, filter_size: int, stride: int, dilation: int, padding: Padding) -> int:
    """Padding added before the first element (top or left), as TFLite computes it.

    TFLite splits odd total padding with the extra element after, so the
    leading pad is the floor of half the total.
    """
    out = conv_output_size(size, filter_size, stride, dilation, padding)
    effective = (filter_size - 1) * dilation + 1
    total = (out - 1) * stride + effective - size
    return max(total // 2, 0)


@dataclass(frozen=True)
class Op:
    """One operation. ``inputs`` holds only data tensors (activations, weights,
    biases); parameters TFLite passes as constant tensors (mean axes, pad
    amounts, slice bounds) are folded into ``options`` by the reader. A
    RESHAPE's shape operand, which may be computed at run time, stays its
    second input until ``tinykit.simplify`` folds it and drops it.
    An absent optional input (a convolution without bias) is ``None``."""

    index: int
    kind: OpKind
    inputs: tuple[Tensor | None, ...]
    outputs: tuple[Tensor, ...]
    options: OpOptions = None

    # -- cost model -----------------------------------------------------------

    def macs(self) -> int:
        """Multiply-accumulates of one invocation."""
        out = self.outputs[0]
        if self.kind is OpKind.CONV_2D:
            filt = self.inputs[1]
            _, kh, kw, cin = filt.shape
            return out.size * kh * kw * cin
        if self.kind is OpKind.DEPTHWISE_CONV_2D:
            _, kh, kw, _ = self.inputs[1].shape
            return out.size * kh * kw
        if self.kind is OpKind.TRANSPOSE_CONV:  # each input element meets every filter tap of every output channel
            out_c, kh, kw, _ = self.inputs[1].shape
            return self.inputs[0].size * kh * kw * out_c
        if self.kind is OpKind.RESIZE_BILINEAR:
            return out.size * 4
        if self.kind is OpKind.UNIDIRECTIONAL_SEQUENCE_LSTM:  # four gates, each over the input and the state
            units, features = self.inputs[2].shape
            steps = self.inputs[0].size // features
            return steps * 4 * units * (features + units)
        if self.kind is OpKind.FULLY_CONNECTED:
            units, depth = self.inputs[1].shape
            return (out.size // units) * units * depth
        if self.kind in (OpKind.AVERAGE_POOL_2D, OpKind.MAX_POOL_2D):
            opts = self.options
            assert isinstance(opts, Pool2DOptions)
            return out.size * opts.filter_h * opts.filter_w
        if self.kind in REDUCTIONS:
            return self.inputs[0].size
        if self.kind in (OpKind.ADD, OpKind.SOFTMAX, OpKind.LOGISTIC, OpKind.QUANTIZE, OpKind.DEQUANTIZE) \
                or self.kind in ELEMENTWISE_ARITHMETIC or self.kind in UNARY_ACTIVATIONS or self.kind is OpKind.PRELU:
            return out.size
        return 0

    def weight_bytes(self) -> int:
        """Bytes of constant tensors (weights, biases) this op reads from flash."""
        return sum(t.nbytes for t in self.inputs if t is not None and t.is_constant)

    @property
    def is_view(self) -> bool:
        """Whether the output is the input's bytes under another shape (RESHAPE;
        the simplifier turns EXPAND_DIMS and SQUEEZE into RESHAPE). The planner
        gives a view the buffer of its input, so the kernel copies nothing."""
        return self.kind is OpKind.RESHAPE

    @property
    def activation_inputs(self) -> tuple[Tensor, ...]:
        """Inputs that are computed at run time (neither constants nor state)."""
        return tuple(t for t in self.inputs if t is not None and not t.is_constant and not t.variable)


@dataclass(frozen=True)
class Graph:
    """A model: tensors, ops in execution order, and the graph inputs/outputs."""

    name: str
    tensors: tuple[Tensor, ...]
    ops: tuple[Op, ...]
    inputs: tuple[Tensor, ...]
    outputs: tuple[Tensor, ...]

    @property
    def activations(self) -> tuple[Tensor, ...]:
        """Tensors that live in the arena: everything that is used and neither a constant nor state."""
        used = {t.index for op in self.ops for t in (*op.inputs, *op.outputs) if t is not None}
        used |= {t.index for t in self.inputs}
        return tuple(t for t in self.tensors if not t.is_constant and not t.variable and t.index in used)

    @property
    def state(self) -> tuple[Tensor, ...]:
        """Variable tensors ops read and update, kept from one invocation to the next (outside the arena)."""
        used = {t.index for op in self.ops for t in op.inputs if t is not None}
        return tuple(t for t in self.tensors if t.variable and t.index in used)

    @property
    def state_bytes(self) -> int:
        """SRAM of the state: static arrays beside the arena, counted in the board budget and reported as "state"."""
        return sum(t.nbytes for t in self.state)

    @property
    def constants(self) -> tuple[Tensor, ...]:
        used = {t.index for op in self.ops for t in op.inputs if t is not None and t.is_constant}
        return tuple(t for t in self.tensors if t.index in used)

    def macs(self) -> int:
        return sum(op.macs() for op in self.ops)

    def weight_bytes(self) -> int:
        return sum(t.nbytes for t in self.constants)
