"""Read an int8 .tflite file into the IR.

This module and verifier.py (which checks the whole file first: bounds and
indices) are the only places that know the TFLite flatbuffer schema (field
numbers below follow tensorflow/lite/schema/schema.fbs). It refuses, with a
message naming the cause and the fix, anything the rest of tinykit cannot
compile: unknown ops, float or int16 activations, dynamic parameters,
corrupted files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinykit.errors import TinykitError
from tinykit.frontend.builtin_ops import TFLITE_MICRO_OPS, builtin_op_name
from tinykit.frontend.flatbuffer import Buffer, FlatbufferError, Table
from tinykit.frontend.verifier import BUILTIN_OPTIONS, verify_model
from tinykit.ir import (
    Activation,
    AddOptions,
    ArgMaxOptions,
    ArithmeticOptions,
    AxisOptions,
    ConcatenationOptions,
    Conv2DOptions,
    DepthwiseConv2DOptions,
    BlockOptions,
    DType,
    FullyConnectedOptions,
    Graph,
    LeakyReluOptions,
    MeanOptions,
    Op,
    OpKind,
    OpOptions,
    Padding,
    PadOptions,
    Pool2DOptions,
    Quantization,
    ResizeOptions,
    SliceOptions,
    SoftmaxOptions,
    Tensor,
    TransposeConvOptions,
    LstmOptions, TileOptions, TransposeOptions,
)
from tinykit.legality import check_graph
from tinykit.simplify import FOLDABLE, FOLDED_ONLY, simplify

# BuiltinOperator codes of the ops tinykit compiles (PADV2 maps onto PAD).
_BUILTIN_KINDS: dict[int, OpKind] = {
    0: OpKind.ADD,
    1: OpKind.AVERAGE_POOL_2D,
    2: OpKind.CONCATENATION,
    3: OpKind.CONV_2D,
    4: OpKind.DEPTHWISE_CONV_2D,
    6: OpKind.DEQUANTIZE,
    9: OpKind.FULLY_CONNECTED,
    14: OpKind.LOGISTIC,
    17: OpKind.MAX_POOL_2D,
    22: OpKind.RESHAPE,
    25: OpKind.SOFTMAX,
    34: OpKind.PAD,
    40: OpKind.MEAN,
    60: OpKind.PAD,
    114: OpKind.QUANTIZE,
    18: OpKind.MUL,
    19: OpKind.RELU,
    21: OpKind.RELU6,
    28: OpKind.TANH,
    41: OpKind.SUB,
    54: OpKind.PRELU,
    55: OpKind.MAXIMUM,
    56: OpKind.ARG_MAX,
    57: OpKind.MINIMUM,
    74: OpKind.SUM,
    82: OpKind.REDUCE_MAX,
    89: OpKind.REDUCE_MIN,
    98: OpKind.LEAKY_RELU,
    99: OpKind.SQUARED_DIFFERENCE,
    117: OpKind.HARD_SWISH,
    36: OpKind.GATHER,
    39: OpKind.TRANSPOSE,
    43: OpKind.SQUEEZE,
    45: OpKind.STRIDED_SLICE,
    49: OpKind.SPLIT,
    65: OpKind.SLICE,
    70: OpKind.EXPAND_DIMS,
    77: OpKind.SHAPE,
    81: OpKind.REDUCE_PROD,
    83: OpKind.PACK,
    88: OpKind.UNPACK,
    102: OpKind.SPLIT_V,
    5: OpKind.DEPTH_TO_SPACE,
    23: OpKind.RESIZE_BILINEAR,
    26: OpKind.SPACE_TO_DEPTH,
    67: OpKind.TRANSPOSE_CONV,
    97: OpKind.RESIZE_NEAREST_NEIGHBOR,
    69: OpKind.TILE,
    44: OpKind.UNIDIRECTIONAL_SEQUENCE_LSTM,
}
_PADV2 = 60
_CUSTOM = 32
_WHILE = 119

# The BuiltinOptions union member each of those ops reads (0: it takes none).
# tflite-micro ignores a member of another type, so tinykit refuses one rather
# than read its fields as if they were the op's.
_OPTIONS_TYPES: dict[int, int] = {
    0: 11, 1: 5, 2: 10, 3: 1, 4: 2, 6: 38, 9: 8, 14: 0, 17: 5, 22: 17, 25: 9, 34: 22, 40: 27, 60: 43, 114: 89,
    18: 21, 19: 0, 21: 0, 28: 0, 41: 28, 54: 0, 55: 39, 56: 40, 57: 39, 74: 27, 82: 27, 89: 27, 98: 75, 99: 76, 117: 91,
    44: 71,
}

# TensorType codes.
_DTYPES: dict[int, DType] = {
    0: DType.FLOAT32, 1: DType.FLOAT16, 2: DType.INT32, 3: DType.UINT8, 4: DType.INT64,
    6: DType.BOOL, 7: DType.INT16, 9: DType.INT8,
}

_ACTIVATIONS = {0: Activation.NONE, 1: Activation.RELU, 2: Activation.RELU_N1_TO_1, 3: Activation.RELU6}
_ACTIVATION_NAMES = {4: "TANH", 5: "SIGN_BIT"}
_PADDINGS = {0: Padding.SAME, 1: Padding.VALID}

# Shape arithmetic (SHAPE, GATHER...) is read only to be folded away: not an op tinykit runs.
SUPPORTED_OPS = sorted({k.value for k in _BUILTIN_KINDS.values() if k not in FOLDED_ONLY} | {"PADV2"})

_HOW_TO_CONVERT = (
    "Convert the float model to full int8 instead: `tinykit build model.keras --data calib.npz` does it "
    "(calib.npz holds one array of representative input samples), or use the TFLite converter with "
    "optimizations=[tf.lite.Optimize.DEFAULT], a representative_dataset, "
    "target_spec.supported_ops=[tf.lite.OpsSet.TFLITE_BUILTINS_INT8] and int8 inference input/output types."
)


def read_tflite(path: Path | str, shown_as: Path | str | None = None) -> Graph:
    """Read a .tflite file into a Graph, or raise TinykitError saying what is wrong.

    Messages name ``shown_as`` when given: the user's own file when ``path`` is
    the build folder's copy of it.
    """
    path = Path(path)
    if not path.exists():
        raise TinykitError(f"{path}: no such file. Give the path of a .tflite model (or a Keras/SavedModel model to convert).")
    if path.is_dir():
        raise TinykitError(f"{path} is a folder, not a .tflite file.")
    return parse_tflite(path.read_bytes(), name=path.stem, source=str(shown_as or path))


def parse_tflite(data: bytes, name: str = "model", source: str = "the model") -> Graph:
    """Parse .tflite bytes into a Graph: read, simplified (tinykit.simplify) and checked."""
    graph = simplify(raw_graph(data, name, source))
    for op in graph.ops:
        _refuse_unfolded(op)
        _check_types(op)
    check_graph(graph)
    return graph


def raw_graph(data: bytes, name: str = "model", source: str = "the model") -> Graph:
    """The graph as the file states it, shape arithmetic included: before simplification and checks."""
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise TinykitError(
            f"{source} is not a TFLite model: a .tflite file carries the identifier 'TFL3' at byte 4 and this one "
            f"{'is too short' if len(data) < 8 else 'does not'}. Check that you gave the right file; a Keras model "
            "needs a .keras/.h5 name or a SavedModel folder so tinykit can convert it."
        )
    try:
        verify_model(data)
        return _Reader(Buffer(data), name).graph()
    except FlatbufferError as err:
        raise TinykitError(
            f"{source} is truncated or corrupted: {err}. Re-export the model with the TFLite converter, "
            "or copy it again if it came over a network or a size-limited upload."
        ) from None


def _refuse_unfolded(op: Op) -> None:
    """Shape arithmetic tinykit.simplify could not fold (its operands are not all known at build time)."""
    computes_shapes = any(t.dtype in (DType.INT32, DType.INT64) and not t.is_constant for t in op.outputs)
    if op.kind is OpKind.TILE and not computes_shapes:
        raise TinykitError(
            f"op {op.index} of the model is TILE, which tflite-micro has no kernel for and tinykit compiles only "
            "where it writes a nearest-neighbour UpSampling2D (then it runs as RESIZE_NEAREST_NEIGHBOR). "
            f"Supported ops: {', '.join(SUPPORTED_OPS)}. Rework the model to avoid the TILE (for example "
            "keras.layers.Resizing(interpolation='nearest') or UpSampling2D), then convert again."
        )
    if op.kind in FOLDED_ONLY or (op.kind in FOLDABLE and computes_shapes):
        raise TinykitError(
            f"op {op.index} of the model is {op.kind.value} on {op.outputs[0].dtype.value} values computed at run "
            "time, which tinykit cannot compile: it has no kernel for it, and it folds shape arithmetic (SHAPE, "
            "STRIDED_SLICE, PACK, CONCATENATION, GATHER, REDUCE_PROD) into constants only when every operand is "
            f"known at build time. Supported ops: {', '.join(SUPPORTED_OPS)}. Give the model fixed shapes "
            "(e.g. keras.Input(shape=...) with every size) and convert again."
        )


class _Reader:
    def __init__(self, buf: Buffer, name: str) -> None:
        self.name = name
        self.model = buf.root()
        version = self.model.scalar(0, "I")
        if version != 3:
            raise FlatbufferError(f"schema version {version}, expected 3")
        self.buffers = self.model.tables(4)
        self.opcodes = [max(t.scalar(0, "b"), t.scalar(3, "i")) for t in self.model.tables(1)]
        self.custom_names = [t.string(1) for t in self.model.tables(1)]
        subgraphs = self.model.tables(2)
        if not subgraphs:
            raise FlatbufferError("the model has no subgraph")
        self.subgraph = subgraphs[0]

    # -- tensors ---------------------------------------------------------------

    def _tensor(self, index: int, table: Table) -> Tensor:
        type_code = table.scalar(1, "b")
        name = table.string(3) or f"tensor_{index}"
        if type_code not in _DTYPES:
            raise TinykitError(f"tensor {index} ({name!r}) has TFLite type code {type_code}, which tinykit does not handle. {_HOW_TO_CONVERT}")
        dtype = _DTYPES[type_code]
        shape = tuple(int(d) for d in table.scalars(0, "int32"))
        # Sparse storage and block-wise or custom quantization change what the
        # data and the scales mean; tinykit (like tflite-micro's int8 kernels) reads neither.
        quantization = table.table(4)
        if table.has(6) or (quantization is not None and quantization.scalar(4, "B") != 0):
            raise TinykitError(
                f"tensor {index} ({name!r}) is stored sparse or quantized block-wise/custom, which tinykit does not "
                f"read. {_HOW_TO_CONVERT}"
            )
        quant = self._quantization(quantization)
        buffer_index = table.scalar(2, "I")
        data = self._buffer_data(buffer_index) if buffer_index else None
        if data is not None and any(d < 1 for d in shape):
            raise TinykitError(
                f"constant tensor {index} ({name!r}) has shape {list(shape)}: every extent must be at least 1. "
                "The model file is malformed; re-convert it."
            )
        if data is not None:
            expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize if shape else dtype.itemsize
            if len(data) != expected:
                raise FlatbufferError(f"tensor {index} ({name!r}) holds {len(data)} bytes of data, its shape needs {expected}")
        return Tensor(index=index, name=name, shape=shape, dtype=dtype, quant=quant, data=data,
                      variable=bool(table.scalar(5, "?")))

    def _buffer_data(self, index: int) -> bytes | None:
        buffer = self.buffers[index]
        data = buffer.raw_bytes(0)
        if not data and buffer.has(1):  # large models keep data after the flatbuffer
            offset, size = buffer.scalar(1, "Q"), buffer.scalar(2, "Q")
            self.model.buf.check_span(offset, size)
            data = bytes(self.model.buf.data[offset : offset + size])
        return data or None

    @staticmethod
    def _quantization(table: Table | None) -> Quantization | None:
        if table is None:
            return None
        scale = table.scalars(2, "float32")
        zero_point = table.scalars(3, "int64")
        if len(scale) == 0:
            return None
        if len(zero_point) != len(scale):
            raise FlatbufferError(f"{len(scale)} quantization scales but {len(zero_point)} zero points")
        return Quantization(
            scale=tuple(float(s) for s in scale),
            zero_point=tuple(int(z) for z in zero_point),
            axis=table.scalar(6, "i"),
        )

    # -- ops -------------------------------------------------------------------

    def _kind(self, op_index: int, opcode_index: int) -> tuple[OpKind, int]:
        code = self.opcodes[opcode_index]
        if code in _BUILTIN_KINDS:
            return _BUILTIN_KINDS[code], code
        if code == _CUSTOM:
            what = f"the custom op {self.custom_names[opcode_index]!r}, which tflite-micro runs only with a kernel you register"
        else:
            name = builtin_op_name(code)
            micro = "tflite-micro has a kernel for it" if name in TFLITE_MICRO_OPS else "tflite-micro has no kernel for it either"
            what = f"{name} (builtin code {code}; {micro})"
        # Keras 3 writes recurrent layers as a WHILE loop; an LSTM converts to one op from tf-keras.
        recurrent = (" A Keras LSTM written as a loop converts to one UNIDIRECTIONAL_SEQUENCE_LSTM, which tinykit "
                     "compiles, when the model is built with tf-keras and a fixed batch (Input(..., batch_size=1)).")
        raise TinykitError(
            f"op {op_index} of the model is {what}, and tinykit cannot compile it. Supported ops: "
            f"{', '.join(SUPPORTED_OPS)}. Rework the model to avoid it (for example express it with "
            f"supported layers), then convert again.{recurrent if code == _WHILE else ''}"
        )

    @staticmethod
    def _options_table(op_index: int, kind: OpKind, code: int, op: Table) -> Table | None:
        """The op's builtin options table, or None when it has none (the schema's defaults apply)."""
        tag, expected = op.scalar(3, "B"), _OPTIONS_TYPES.get(code)
        if tag == 0:
            return None  # a table under the tag NONE is never read
        if expected is not None and tag != expected:  # an op missing from _OPTIONS_TYPES is not checked
            member = BUILTIN_OPTIONS.get(tag)
            wanted = BUILTIN_OPTIONS[expected].name if expected else "no options"
            raise TinykitError(
                f"op {op_index} ({kind.value}) carries builtin options of union type {tag}"
                f"{f' ({member.name})' if member else ''}, but {kind.value} takes {wanted}. "
                "The model file is malformed; re-convert it."
            )
        return op.table(4)

    def graph(self) -> Graph:
        tensor_tables = self.subgraph.tables(0)
        tensors = [self._tensor(i, t) for i, t in enumerate(tensor_tables)]

        def tensor_at(i: int) -> Tensor | None:  # indices are in range: verify_model checked them
            return None if i == -1 else tensors[i]

        ops = []
        for op_index, table in enumerate(self.subgraph.tables(3)):
            kind, code = self._kind(op_index, table.scalar(0, "I"))
            inputs = [tensor_at(int(i)) for i in table.scalars(1, "int32")]
            outputs = [tensor_at(int(i)) for i in table.scalars(2, "int32")]
            if not outputs or any(t is None for t in outputs) or not inputs or inputs[0] is None:
                raise TinykitError(
                    f"op {op_index} ({kind.value}) lacks its first input or an output (an absent tensor, index -1, "
                    "or none at all). The model file is malformed; re-convert it."
                )
            data_inputs, options = self._options(op_index, kind, code, inputs, outputs, self._options_table(op_index, kind, code, table))
            ops.append(Op(index=op_index, kind=kind, inputs=tuple(data_inputs), outputs=tuple(outputs), options=options))

        graph_inputs = tuple(tensors[int(i)] for i in self.subgraph.scalars(1, "int32"))
        graph_outputs = tuple(tensors[int(i)] for i in self.subgraph.scalars(2, "int32"))
        if not ops:
            raise TinykitError("the model has no ops: there is nothing to compile.")
        return Graph(name=self.name, tensors=tuple(tensors), ops=tuple(ops), inputs=graph_inputs, outputs=graph_outputs)

    def _options(
        self, op_index: int, kind: OpKind, code: int, inputs: list[Tensor | None], outputs: list[Tensor],
        table: Table | None,
    ) -> tuple[list[Tensor | None], OpOptions]:
        """Typed options for an op, and its data inputs (parameter tensors folded away)."""

        def scalar(field: int, fmt: str, default=0):
            return table.scalar(field, fmt, default) if table is not None else default

        def coded(field: int, codes: dict, names: dict, what: str, fix: str):
            value = scalar(field, "b")
            if value not in codes:
                raise TinykitError(f"op {op_index} ({kind.value}) has the {what} {names.get(value, value)}, {fix}")
            return codes[value]

        def activation(field: int) -> Activation:
            return coded(field, _ACTIVATIONS, _ACTIVATION_NAMES, "fused activation",
                         "which tinykit does not support; use RELU, RELU6 or none.")

        def padding(field: int) -> Padding:
            return coded(field, _PADDINGS, {}, "padding code",
                         "but TFLite knows 0 (SAME) and 1 (VALID). The model file is malformed; re-convert it.")

        def parameter_inputs(least: int, most: int) -> None:
            """Ops whose parameters come as tensors: refuse missing or extra inputs (tflite-micro does)."""
            if not least <= len(inputs) <= most:
                wanted = str(least) if least == most else f"{least} to {most}"
                raise TinykitError(
                    f"op {op_index} ({kind.value}) has {len(inputs)} inputs, but takes {wanted}. "
                    "The model file is malformed; re-convert it."
                )

        def constant_param(position: int, what: str) -> np.ndarray:
            tensor = inputs[position] if position < len(inputs) else None
            if tensor is None or not tensor.is_constant:
                raise TinykitError(
                    f"op {op_index} ({kind.value}) takes its {what} from a tensor computed at run time; tinykit "
                    "needs it to be a constant of the model (shapes and parameters are fixed at build time)."
                )
            return tensor.array()

        if kind is OpKind.CONV_2D:
            return inputs, Conv2DOptions(
                padding=padding(0), stride_w=scalar(1, "i"), stride_h=scalar(2, "i"),
                activation=activation(3), dilation_w=scalar(4, "i", 1), dilation_h=scalar(5, "i", 1),
            )
        if kind is OpKind.DEPTHWISE_CONV_2D:
            return inputs, DepthwiseConv2DOptions(
                padding=padding(0), stride_w=scalar(1, "i"), stride_h=scalar(2, "i"),
                # tflite-micro's kernel loops over this field: legality checks it against the shapes.
                depth_multiplier=scalar(3, "i"),
                activation=activation(4), dilation_w=scalar(5, "i", 1), dilation_h=scalar(6, "i", 1),
            )
        if kind in (OpKind.AVERAGE_POOL_2D, OpKind.MAX_POOL_2D):
            return inputs, Pool2DOptions(
                padding=padding(0), stride_w=scalar(1, "i"), stride_h=scalar(2, "i"),
                filter_w=scalar(3, "i"), filter_h=scalar(4, "i"), activation=activation(5),
            )
        if kind is OpKind.FULLY_CONNECTED:
            if scalar(1, "b") != 0:
                raise TinykitError(f"op {op_index} (FULLY_CONNECTED) uses shuffled weights, which tinykit does not support; convert with the default weights format.")
            return inputs, FullyConnectedOptions(activation=activation(0), keep_num_dims=bool(scalar(2, "?")))
        if kind is OpKind.ADD:
            return inputs, AddOptions(activation=activation(0))
        if kind is OpKind.CONCATENATION:
            rank = len(inputs[0].shape)
            axis = scalar(0, "i")
            return inputs, ConcatenationOptions(axis=axis + rank if axis < 0 else axis, activation=activation(1))
        if kind is OpKind.SOFTMAX:
            return inputs, SoftmaxOptions(beta=float(scalar(0, "f", 0.0)))  # the schema default: tflite-micro reads 0 too
        if kind in (OpKind.SUB, OpKind.MUL):
            return inputs, ArithmeticOptions(activation=activation(0))
        if kind is OpKind.LEAKY_RELU:
            return inputs, LeakyReluOptions(alpha=float(scalar(0, "f")))
        if kind is OpKind.ARG_MAX:
            parameter_inputs(2, 2)
            rank = len(inputs[0].shape)
            axis = int(constant_param(1, "axis").reshape(-1)[0])
            return inputs[:1], ArgMaxOptions(axis=axis + rank if axis < 0 else axis)
        if kind in (OpKind.MEAN, OpKind.SUM, OpKind.REDUCE_MAX, OpKind.REDUCE_MIN):
            parameter_inputs(2, 2)
            rank = len(inputs[0].shape)
            axes = tuple(sorted({int(a) + rank if a < 0 else int(a) for a in constant_param(1, "axes").reshape(-1)}))
            return inputs[:1], MeanOptions(axes=axes, keep_dims=bool(scalar(0, "?")))
        if kind is OpKind.PAD:
            parameter_inputs(2, 3 if code == _PADV2 else 2)
            paddings = constant_param(1, "paddings")
            if paddings.size % 2:
                raise TinykitError(
                    f"op {op_index} (PAD) has {paddings.size} padding amounts; it needs a (before, after) pair per "
                    "dimension. The model file is malformed; re-convert it."
                )
            paddings = paddings.reshape(-1, 2)
            constant = None
            if code == _PADV2 and len(inputs) > 2 and inputs[2] is not None:
                constant = int(constant_param(2, "padding value").reshape(-1)[0])
            return inputs[:1], PadOptions(paddings=tuple((int(a), int(b)) for a, b in paddings), constant=constant)
        if kind is OpKind.RESHAPE:
            parameter_inputs(1, 2)
            # The shape operand, when there is one, may be computed at run time (a dynamic batch):
            # tinykit.simplify folds it, shapes the output from it and drops it.
            return inputs[:2], None
        if kind in (OpKind.EXPAND_DIMS, OpKind.SQUEEZE):
            # The output tensor's shape says it all (TFLite stores 1 for a dynamic batch).
            return inputs[:1], None
        if kind is OpKind.SHAPE:
            return inputs[:1], None
        if kind is OpKind.REDUCE_PROD:
            rank = len(inputs[0].shape)
            axes = tuple(sorted({int(a) + rank if a < 0 else int(a) for a in constant_param(1, "axes").reshape(-1)}))
            return inputs[:1], MeanOptions(axes=axes, keep_dims=bool(scalar(0, "?")))
        if kind is OpKind.STRIDED_SLICE:
            masks = {name: scalar(field, "i") for field, name in enumerate(
                ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"))}
            if masks["ellipsis_mask"] or masks["new_axis_mask"] or scalar(5, "?"):
                raise TinykitError(
                    f"op {op_index} (STRIDED_SLICE) uses an ellipsis, a new axis or offset mode, which TF Lite Micro "
                    "does not support either. Slice with plain begin/end/strides (as Keras's Cropping layers do)."
                )
            return inputs[:1], strided_slice_options(
                op_index, inputs[0].shape, constant_param(1, "begin"), constant_param(2, "end"),
                constant_param(3, "strides"), masks["begin_mask"], masks["end_mask"], masks["shrink_axis_mask"])
        if kind is OpKind.SLICE:
            return inputs[:1], slice_options(op_index, inputs[0].shape, constant_param(1, "begin"),
                                             constant_param(2, "size"))
        if kind is OpKind.UNIDIRECTIONAL_SEQUENCE_LSTM:
            # All 24 inputs stay, absent ones as None (legality names those tinykit does not run). The op's
            # intermediates (the converter's per-gate scales) are not read: tflite-micro's integer LSTM
            # computes its gates in the fixed Q3.12 and Q0.15 formats instead.
            code = scalar(0, "b")
            names = {**{c: a.value for c, a in _ACTIVATIONS.items()}, **_ACTIVATION_NAMES}
            return inputs, LstmOptions(cell_activation=names.get(code, f"code {code}"),
                                       cell_clip=float(scalar(1, "f", 0.0)), time_major=bool(scalar(3, "?")))
        if kind is OpKind.TILE:
            parameter_inputs(2, 2)
            multiples = tuple(int(m) for m in constant_param(1, "multiples").reshape(-1))
            if len(multiples) != len(inputs[0].shape) or min(multiples, default=1) < 1:
                raise TinykitError(
                    f"op {op_index} (TILE) has the multiples {list(multiples)} for an input of shape "
                    f"{list(inputs[0].shape)}: it needs one count of at least 1 per axis. The model file is "
                    "malformed; re-convert it.")
            return inputs[:1], TileOptions(multiples=multiples)
        if kind is OpKind.TRANSPOSE:
            perm = tuple(int(p) for p in constant_param(1, "permutation").reshape(-1))
            return inputs[:1], TransposeOptions(perm=perm)
        if kind is OpKind.PACK:
            rank = len(inputs[0].shape) + 1
            axis = scalar(1, "i")
            return inputs, AxisOptions(axis=axis + rank if axis < 0 else axis)
        if kind is OpKind.UNPACK:
            rank = len(inputs[0].shape)
            axis = scalar(1, "i")
            return inputs[:1], AxisOptions(axis=axis + rank if axis < 0 else axis)
        if kind in (OpKind.SPLIT, OpKind.SPLIT_V):
            # SPLIT takes (axis, input), SPLIT_V (input, size_splits, axis); the outputs' shapes give the sizes.
            data, axis_position = (inputs[1], 0) if kind is OpKind.SPLIT else (inputs[0], 2)
            rank = len(data.shape)
            axis = int(constant_param(axis_position, "axis").reshape(-1)[0])
            return [data], AxisOptions(axis=axis + rank if axis < 0 else axis)
        if kind is OpKind.GATHER:
            rank = len(inputs[0].shape)
            if scalar(1, "i") != 0:
                raise TinykitError(f"op {op_index} (GATHER) uses batch_dims, which tinykit does not fold.")
            axis = scalar(0, "i")
            return inputs[:2], AxisOptions(axis=axis + rank if axis < 0 else axis)
        if kind in (OpKind.RESIZE_NEAREST_NEIGHBOR, OpKind.RESIZE_BILINEAR):
            size = constant_param(1, "output size")
            out_shape = outputs[0].shape
            if len(out_shape) != 4 or [int(v) for v in size.reshape(-1)] != list(out_shape[1:3]):
                raise TinykitError(
                    f"op {op_index} ({kind.value}): the size tensor holds {size.reshape(-1).tolist()} but the output "
                    f"has shape {list(out_shape)}; the size must be the output's height and width. The model file "
                    "is inconsistent; re-convert it."
                )
            # ResizeBilinearOptions keeps two deprecated fields (new_height, new_width) before its flags.
            first = 2 if kind is OpKind.RESIZE_BILINEAR else 0
            return inputs[:1], ResizeOptions(align_corners=bool(scalar(first, "?")),
                                             half_pixel_centers=bool(scalar(first + 1, "?")))
        if kind in (OpKind.DEPTH_TO_SPACE, OpKind.SPACE_TO_DEPTH):
            return inputs, BlockOptions(block_size=scalar(0, "i"))
        if kind is OpKind.TRANSPOSE_CONV:
            # TFLite's order is (output shape, filter, input, bias); the IR's data inputs are (input, filter, bias).
            # tflite-micro ignores the output shape operand (it reads the output tensor's shape), which a
            # converter keeping the batch dynamic computes at run time: checked only when it is a constant.
            output_shape = inputs[0]
            if output_shape.is_constant and [int(v) for v in output_shape.array().reshape(-1)] != list(outputs[0].shape):
                raise TinykitError(
                    f"op {op_index} (TRANSPOSE_CONV): the output shape tensor holds "
                    f"{output_shape.array().reshape(-1).tolist()} but the output tensor has shape "
                    f"{list(outputs[0].shape)}. The model file is inconsistent; re-convert it."
                )
            if len(inputs) not in (3, 4):
                raise TinykitError(
                    f"op {op_index} (TRANSPOSE_CONV) has {len(inputs)} inputs; it takes the output shape, the filter, "
                    "the input and an optional bias. The model file is malformed; re-convert it."
                )
            bias = inputs[3] if len(inputs) == 4 else None
            return [inputs[2], inputs[1], bias], TransposeConvOptions(
                padding=padding(0), stride_w=scalar(1, "i"), stride_h=scalar(2, "i"), activation=activation(3),
            )
        return inputs, None  # QUANTIZE, DEQUANTIZE, LOGISTIC, the other activations, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM


def strided_slice_options(op_index: int, shape: tuple[int, ...], begin: np.ndarray, end: np.ndarray,
                          strides: np.ndarray, begin_mask: int, end_mask: int, shrink_mask: int) -> SliceOptions:
    """STRIDED_SLICE's operands resolved against the input shape as TFLite's
    strided_slice_logic.h does it: masks first, then negative indices counted
    from the end, then clamping to the axis (to [-1, size - 1] going backwards)."""
    begin, end, strides = (np.asarray(v).reshape(-1).astype(np.int64) for v in (begin, end, strides))
    rank = len(shape)
    if not len(begin) == len(end) == len(strides) == rank:
        raise TinykitError(
            f"op {op_index} (STRIDED_SLICE) gives {len(begin)} begin, {len(end)} end and {len(strides)} stride "
            f"values for an input of {rank} dimensions; tinykit needs one of each per dimension. Re-convert the model."
        )
    if np.any(strides == 0):
        raise TinykitError(f"op {op_index} (STRIDED_SLICE) has a stride of 0. The model file is malformed; re-convert it.")
    starts, extents, shrink = [], [], []
    for axis, size in enumerate(shape):
        stride = int(strides[axis])
        start = _slice_bound(int(begin[axis]), bool(begin_mask >> axis & 1), False, size, stride)
        if shrink_mask >> axis & 1:
            stop = start + 1
            shrink.append(axis)
        else:
            stop = _slice_bound(int(end[axis]), bool(end_mask >> axis & 1), True, size, stride)
        starts.append(start)
        extents.append(max(0, -(-(stop - start) // stride)))
    return SliceOptions(begin=tuple(starts), strides=tuple(int(s) for s in strides), extents=tuple(extents),
                        shrink_axes=tuple(shrink))


def _slice_bound(index: int, masked: bool, is_end: bool, size: int, stride: int) -> int:
    """A begin or end index of one axis as TFLite's StartForAxis/StopForAxis resolve it."""
    low, high = (0, size) if stride > 0 else (-1, size - 1)
    if masked:  # the whole axis: from its first element in the direction of the stride, to past its last
        return high if is_end == (stride > 0) else low
    if index < 0:
        index += size
    return min(max(index, low), high)


def slice_options(op_index: int, shape: tuple[int, ...], begin: np.ndarray, size: np.ndarray) -> SliceOptions:
    """SLICE's begin and size (-1: to the end of the axis) as a window of stride 1."""
    begin, size = (np.asarray(v).reshape(-1).astype(np.int64) for v in (begin, size))
    if not len(begin) == len(size) == len(shape):
        raise TinykitError(
            f"op {op_index} (SLICE) gives {len(begin)} begin and {len(size)} size values for an input of "
            f"{len(shape)} dimensions; tinykit needs one of each per dimension. Re-convert the model."
        )
    extents = tuple(int(d - b) if s == -1 else int(s) for b, s, d in zip(begin, size, shape))
    if any(b < 0 or e < 0 or b + e > d for b, e, d in zip(begin, extents, shape)):
        raise TinykitError(
            f"op {op_index} (SLICE): begin {begin.tolist()} and size {size.tolist()} reach outside the input's "
            f"shape {list(shape)}. The model file is malformed; re-convert it."
        )
    return SliceOptions(begin=tuple(int(b) for b in begin), strides=(1,) * len(shape), extents=extents)


def _check_types(op: Op) -> None:
    """Refuse float or int16 arithmetic: tinykit compiles int8 models only.

    Float tensors are allowed only where an int8 model meets the outside world:
    the input of a QUANTIZE and the output of a DEQUANTIZE.
    """
    if op.kind is OpKind.UNIDIRECTIONAL_SEQUENCE_LSTM:
        return  # int16 cell state and int32 biases among its 24 inputs: tinykit.legality.recurrent checks each
    if op.kind is OpKind.QUANTIZE:
        allowed_in, allowed_out = {DType.FLOAT32, DType.INT8}, {DType.INT8}
    elif op.kind is OpKind.DEQUANTIZE:
        allowed_in, allowed_out = {DType.INT8}, {DType.FLOAT32}
    elif op.kind is OpKind.ARG_MAX:
        allowed_in, allowed_out = {DType.INT8}, {DType.INT32, DType.INT64}
    else:
        allowed_in, allowed_out = {DType.INT8}, {DType.INT8}
    weights = {DType.INT8, DType.INT32}  # int8 filters, int32 biases
    for position, tensor in enumerate(op.inputs):
        if tensor is None:
            continue
        ok = tensor.dtype in (weights if (tensor.is_constant and position > 0) else allowed_in)
        if not ok:
            _refuse_type(op, tensor)
    for tensor in op.outputs:
        if tensor.dtype not in allowed_out:
            _refuse_type(op, tensor)
    for tensor in (*op.inputs, *op.outputs):
        if tensor is not None and tensor.dtype is DType.INT8 and tensor.quant is None:
            raise TinykitError(
                f"op {op.index} ({op.kind.value}): int8 tensor {tensor.name!r} has no quantization parameters. "
                f"The file looks hand-edited or produced by an unusual tool. {_HOW_TO_CONVERT}"
            )


def _refuse_type(op: Op, tensor: Tensor) -> None:
    kind = "float" if tensor.dtype in (DType.FLOAT32, DType.FLOAT16) else tensor.dtype.value
    raise TinykitError(
        f"op {op.index} ({op.kind.value}) computes with {kind} tensor {tensor.name!r}; tinykit compiles int8 models "
        f"only (float is accepted only at the model's input and output, through QUANTIZE/DEQUANTIZE). {_HOW_TO_CONVERT}"
    )
