"""Build small int8 ``.tflite`` flatbuffers by hand, for tests.

Kernel tests need models with exactly chosen shapes, scales and options, which
the TFLite converter cannot be steered to produce. This builder writes the
flatbuffer directly through tflite-micro's generated schema object API, so any
model it makes is one tflite-micro (and tinykit's reader) can load.

    b = ModelBuilder()
    x = b.activation((1, 8, 8, 3))
    w = b.constant(weights_int8, scale=[0.01] * 4, axis=0)
    bias = b.constant(bias_int32, scale=[0.05 * 0.01] * 4)
    y = b.activation((1, 8, 8, 4), scale=0.1, zero_point=-3)
    b.op("CONV_2D", [x, w, bias], [y], schema.Conv2DOptionsT())
    tflite_bytes = b.finish([x], [y])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

_TENSOR_TYPES: dict[str, int] = {
    "int8": schema.TensorType.INT8,
    "uint8": schema.TensorType.UINT8,
    "int16": schema.TensorType.INT16,
    "int32": schema.TensorType.INT32,
    "int64": schema.TensorType.INT64,
    "float32": schema.TensorType.FLOAT32,
    "bool": schema.TensorType.BOOL,
}

# Builtin codes above this value live only in the 32-bit ``builtinCode``
# field; the old 8-bit ``deprecatedBuiltinCode`` holds this placeholder.
_PLACEHOLDER_FOR_GREATER_OP_CODES = 127


def _options_type(options: Any) -> int:
    """The BuiltinOptions union tag of a schema ``*OptionsT`` object (by class name)."""
    name = type(options).__name__
    if not name.endswith("T") or not hasattr(schema.BuiltinOptions, name[:-1]):
        raise ValueError(f"{name} is not a schema BuiltinOptions table (expected e.g. Conv2DOptionsT)")
    return getattr(schema.BuiltinOptions, name[:-1])


def _quantization(scale: Sequence[float] | float | None, zero_point: Sequence[int] | int | None,
                  axis: int) -> schema.QuantizationParametersT | None:
    if scale is None:
        return None
    scales = [float(s) for s in np.atleast_1d(np.asarray(scale, dtype=np.float32))]
    if zero_point is None:
        zero_points = [0] * len(scales)
    else:
        zero_points = [int(z) for z in np.atleast_1d(np.asarray(zero_point))]
        if len(zero_points) == 1 and len(scales) > 1:
            zero_points *= len(scales)
    if len(zero_points) != len(scales):
        raise ValueError(f"{len(scales)} scales but {len(zero_points)} zero points")
    quant = schema.QuantizationParametersT()
    quant.scale = scales
    quant.zeroPoint = zero_points
    quant.quantizedDimension = axis
    return quant


class ModelBuilder:
    """Accumulates tensors and ops of one subgraph, then serialises the model."""

    def __init__(self) -> None:
        # Buffer 0 is the conventional empty buffer shared by all activations.
        self._buffers: list[schema.BufferT] = [schema.BufferT()]
        self._tensors: list[schema.TensorT] = []
        self._operators: list[schema.OperatorT] = []
        self._opcodes: list[schema.OperatorCodeT] = []
        self._opcode_index: dict[int, int] = {}

    def _add_tensor(self, shape: Sequence[int], dtype: str, buffer: int,
                    quant: schema.QuantizationParametersT | None, name: str | None) -> int:
        if dtype not in _TENSOR_TYPES:
            raise ValueError(f"unsupported dtype {dtype!r}; use one of {sorted(_TENSOR_TYPES)}")
        tensor = schema.TensorT()
        tensor.shape = [int(d) for d in shape]
        tensor.type = _TENSOR_TYPES[dtype]
        tensor.buffer = buffer
        tensor.name = name or f"t{len(self._tensors)}"
        tensor.quantization = quant
        self._tensors.append(tensor)
        return len(self._tensors) - 1

    def activation(self, shape: Sequence[int], dtype: str = "int8", scale: float | None = 0.05,
                   zero_point: int = 0, name: str | None = None) -> int:
        """A run-time tensor (model input, output or intermediate); returns its index."""
        return self._add_tensor(shape, dtype, 0, _quantization(scale, zero_point, 0), name)

    def constant(self, array: np.ndarray, scale: Sequence[float] | float | None = None,
                 zero_point: Sequence[int] | int | None = None, axis: int = 0,
                 name: str | None = None) -> int:
        """A constant tensor holding ``array``; per-channel along ``axis`` when ``scale`` is a sequence."""
        array = np.array(array, order="C")  # (np.ascontiguousarray would make a scalar 1-D)
        buffer = schema.BufferT()
        buffer.data = np.frombuffer(array.tobytes(), dtype=np.uint8)
        self._buffers.append(buffer)
        quant = _quantization(scale, zero_point, axis)
        return self._add_tensor(array.shape, array.dtype.name, len(self._buffers) - 1, quant, name)

    def op(self, builtin: str, inputs: Sequence[int], outputs: Sequence[int], options: Any = None) -> None:
        """Append an operator; ``builtin`` is a BuiltinOperator name, -1 marks an absent optional input."""
        if not hasattr(schema.BuiltinOperator, builtin):
            raise ValueError(f"unknown builtin operator {builtin!r}")
        code = getattr(schema.BuiltinOperator, builtin)
        if code not in self._opcode_index:
            opcode = schema.OperatorCodeT()
            opcode.builtinCode = code
            opcode.deprecatedBuiltinCode = min(code, _PLACEHOLDER_FOR_GREATER_OP_CODES)
            opcode.version = 1
            self._opcode_index[code] = len(self._opcodes)
            self._opcodes.append(opcode)
        operator = schema.OperatorT()
        operator.opcodeIndex = self._opcode_index[code]
        operator.inputs = [int(i) for i in inputs]
        operator.outputs = [int(o) for o in outputs]
        if options is not None:
            operator.builtinOptionsType = _options_type(options)
            operator.builtinOptions = options
        self._operators.append(operator)

    def finish(self, inputs: Sequence[int], outputs: Sequence[int]) -> bytes:
        """Serialise the model with the given graph inputs and outputs."""
        subgraph = schema.SubGraphT()
        subgraph.tensors = self._tensors
        subgraph.operators = self._operators
        subgraph.inputs = [int(i) for i in inputs]
        subgraph.outputs = [int(o) for o in outputs]
        subgraph.name = "main"
        model = schema.ModelT()
        model.version = 3
        model.description = "tinykit tests.modelgen"
        model.operatorCodes = self._opcodes
        model.subgraphs = [subgraph]
        model.buffers = self._buffers
        builder = flatbuffers.Builder(1024)
        builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
        return bytes(builder.Output())
