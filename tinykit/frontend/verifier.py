"""Whole-file verification of a .tflite flatbuffer, before anything reads it.

FlatBuffers' own verifier walks every table reachable from the root and
checks that each offset, vtable, vector and string lies inside the buffer
(and is aligned) before any accessor touches it. This module does the same
for the TFLite schema (tensorflow/lite/schema/schema.fbs, file version 3):
every section tinykit reads and every section tflite-micro's Python
interpreter reads (it unpacks the whole model, signature defs and metadata
included), so a corrupted file is refused as corrupt, naming the section
(``signature_defs[0].inputs[1].name``), instead of failing later in tinykit
or in tflite-micro.

The schema below is written as data: one ``TableSpec`` per table, its fields
by their index in schema.fbs. Builtin option tables of ops tinykit compiles
are checked field by field; the option tables of other ops (refused later,
by name) and unknown union members are checked as generic tables (vtable and
inline fields in bounds), which is what FlatBuffers does for a union member
it does not know.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Union

from tinykit.frontend.flatbuffer import Buffer, FlatbufferError, Table

# FlatBuffers' verifier refuses buffers of 2 GiB and more, and stops after a
# million tables: a hostile file can point many vector entries at one table,
# and the cap keeps verification linear in what a real model holds.
MAX_BUFFER_BYTES = 2**31 - 1
MAX_TABLES = 1_000_000

_SIZES = {"b": 1, "B": 1, "?": 1, "h": 2, "H": 2, "i": 4, "I": 4, "f": 4, "q": 8, "Q": 8, "d": 8}


@dataclass(frozen=True)
class Scalar:
    fmt: str  # struct format of the inline value


@dataclass(frozen=True)
class String:
    pass


@dataclass(frozen=True)
class Vector:
    fmt: str  # struct format of one element


@dataclass(frozen=True)
class TableRef:
    spec: "TableSpec"


@dataclass(frozen=True)
class Tables:
    spec: "TableSpec"


@dataclass(frozen=True)
class Union_:
    """The value field of a union; its type tag is the (ubyte) field ``type_field``."""

    type_field: int
    members: dict[int, "TableSpec"]


Kind = Union[Scalar, String, Vector, TableRef, Tables, Union_]


@dataclass(frozen=True)
class TableSpec:
    name: str
    fields: tuple[tuple[int, str, Kind], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_index", {index: (name, kind) for index, name, kind in self.fields})


def _table(name: str, *fields: tuple[int, str, Kind]) -> TableSpec:
    return TableSpec(name, fields)


GENERIC = _table("table")  # a union member whose fields tinykit does not need

_INT = Scalar("i")
_UINT = Scalar("I")
_BYTE = Scalar("b")
_UBYTE = Scalar("B")
_BOOL = Scalar("?")
_ULONG = Scalar("Q")

# -- builtin options of the ops tinykit compiles (BuiltinOptions union tags) --
CONV_2D_OPTIONS = _table("Conv2DOptions", (0, "padding", _BYTE), (1, "stride_w", _INT), (2, "stride_h", _INT),
                         (3, "fused_activation_function", _BYTE), (4, "dilation_w_factor", _INT),
                         (5, "dilation_h_factor", _INT), (6, "quantized_bias_type", _BYTE))
DEPTHWISE_CONV_2D_OPTIONS = _table(
    "DepthwiseConv2DOptions", (0, "padding", _BYTE), (1, "stride_w", _INT), (2, "stride_h", _INT),
    (3, "depth_multiplier", _INT), (4, "fused_activation_function", _BYTE), (5, "dilation_w_factor", _INT),
    (6, "dilation_h_factor", _INT))
POOL_2D_OPTIONS = _table("Pool2DOptions", (0, "padding", _BYTE), (1, "stride_w", _INT), (2, "stride_h", _INT),
                         (3, "filter_width", _INT), (4, "filter_height", _INT), (5, "fused_activation_function", _BYTE))
FULLY_CONNECTED_OPTIONS = _table(
    "FullyConnectedOptions", (0, "fused_activation_function", _BYTE), (1, "weights_format", _BYTE),
    (2, "keep_num_dims", _BOOL), (3, "asymmetric_quantize_inputs", _BOOL), (4, "quantized_bias_type", _BYTE),
    (5, "quant_spec", Vector("B")))
SOFTMAX_OPTIONS = _table("SoftmaxOptions", (0, "beta", Scalar("f")))
CONCATENATION_OPTIONS = _table("ConcatenationOptions", (0, "axis", _INT), (1, "fused_activation_function", _BYTE))
ADD_OPTIONS = _table("AddOptions", (0, "fused_activation_function", _BYTE), (1, "pot_scale_int16", _BOOL))
RESHAPE_OPTIONS = _table("ReshapeOptions", (0, "new_shape", Vector("i")))
REDUCER_OPTIONS = _table("ReducerOptions", (0, "keep_dims", _BOOL))
MUL_OPTIONS = _table("MulOptions", (0, "fused_activation_function", _BYTE))
SUB_OPTIONS = _table("SubOptions", (0, "fused_activation_function", _BYTE), (1, "pot_scale_int16", _BOOL))
ARG_MAX_OPTIONS = _table("ArgMaxOptions", (0, "output_type", _BYTE))
LEAKY_RELU_OPTIONS = _table("LeakyReluOptions", (0, "alpha", Scalar("f")))

BUILTIN_OPTIONS: dict[int, TableSpec] = {
    1: CONV_2D_OPTIONS, 2: DEPTHWISE_CONV_2D_OPTIONS, 5: POOL_2D_OPTIONS, 8: FULLY_CONNECTED_OPTIONS,
    9: SOFTMAX_OPTIONS, 10: CONCATENATION_OPTIONS, 11: ADD_OPTIONS, 17: RESHAPE_OPTIONS, 21: MUL_OPTIONS,
    22: _table("PadOptions"), 27: REDUCER_OPTIONS, 28: SUB_OPTIONS, 38: _table("DequantizeOptions"),
    39: _table("MaximumMinimumOptions"), 40: ARG_MAX_OPTIONS, 43: _table("PadV2Options"), 75: LEAKY_RELU_OPTIONS,
    76: _table("SquaredDifferenceOptions"), 89: _table("QuantizeOptions"), 91: _table("HardSwishOptions"),
}

# -- quantization and sparsity -------------------------------------------------
_VALUES_INT32 = _table("Int32Vector", (0, "values", Vector("i")))
_VALUES_UINT16 = _table("Uint16Vector", (0, "values", Vector("H")))
_VALUES_UINT8 = _table("Uint8Vector", (0, "values", Vector("B")))
_SPARSE_INDEX_VECTOR = {1: _VALUES_INT32, 2: _VALUES_UINT16, 3: _VALUES_UINT8}
DIMENSION_METADATA = _table("DimensionMetadata", (0, "format", _BYTE), (1, "dense_size", _INT),
                            (2, "array_segments_type", _UBYTE), (3, "array_segments", Union_(2, _SPARSE_INDEX_VECTOR)),
                            (4, "array_indices_type", _UBYTE), (5, "array_indices", Union_(4, _SPARSE_INDEX_VECTOR)))
SPARSITY_PARAMETERS = _table("SparsityParameters", (0, "traversal_order", Vector("i")), (1, "block_map", Vector("i")),
                             (2, "dim_metadata", Tables(DIMENSION_METADATA)))
_QUANTIZATION_DETAILS = {
    1: _table("CustomQuantization", (0, "custom", Vector("B"))),
    2: _table("BlockwiseQuantization", (0, "scales", _INT), (1, "zero_points", _INT), (2, "block_size", _INT),
              (3, "block_shape", Vector("i"))),
    3: _table("MultiAxisQuantization", (0, "scales", _INT), (1, "zero_points", _INT), (2, "block_size", _INT),
              (3, "quantized_dimensions", Vector("i"))),
}
QUANTIZATION_PARAMETERS = _table(
    "QuantizationParameters", (0, "min", Vector("f")), (1, "max", Vector("f")), (2, "scale", Vector("f")),
    (3, "zero_point", Vector("q")), (4, "details_type", _UBYTE), (5, "details", Union_(4, _QUANTIZATION_DETAILS)),
    (6, "quantized_dimension", _INT))
VARIANT_SUB_TYPE = _table("VariantSubType", (0, "shape", Vector("i")), (1, "type", _BYTE), (2, "has_rank", _BOOL))

# -- the model -----------------------------------------------------------------
TENSOR = _table(
    "Tensor", (0, "shape", Vector("i")), (1, "type", _BYTE), (2, "buffer", _UINT), (3, "name", String()),
    (4, "quantization", TableRef(QUANTIZATION_PARAMETERS)), (5, "is_variable", _BOOL),
    (6, "sparsity", TableRef(SPARSITY_PARAMETERS)), (7, "shape_signature", Vector("i")), (8, "has_rank", _BOOL),
    (9, "variant_tensors", Tables(VARIANT_SUB_TYPE)), (10, "external_buffer", _UINT))
OPERATOR = _table(
    "Operator", (0, "opcode_index", _UINT), (1, "inputs", Vector("i")), (2, "outputs", Vector("i")),
    (3, "builtin_options_type", _UBYTE), (4, "builtin_options", Union_(3, BUILTIN_OPTIONS)),
    (5, "custom_options", Vector("B")), (6, "custom_options_format", _BYTE),
    (7, "mutating_variable_inputs", Vector("?")), (8, "intermediates", Vector("i")),
    (9, "large_custom_options_offset", _ULONG), (10, "large_custom_options_size", _ULONG),
    (11, "builtin_options_2_type", _UBYTE), (12, "builtin_options_2", Union_(11, {})), (13, "debug_metadata_index", _INT))
SUBGRAPH = _table("SubGraph", (0, "tensors", Tables(TENSOR)), (1, "inputs", Vector("i")), (2, "outputs", Vector("i")),
                  (3, "operators", Tables(OPERATOR)), (4, "name", String()), (5, "debug_metadata_index", _INT))
OPERATOR_CODE = _table("OperatorCode", (0, "deprecated_builtin_code", _BYTE), (1, "custom_code", String()),
                       (2, "version", _INT), (3, "builtin_code", _INT))
BUFFER = _table("Buffer", (0, "data", Vector("B")), (1, "offset", _ULONG), (2, "size", _ULONG))
METADATA = _table("Metadata", (0, "name", String()), (1, "buffer", _UINT))
TENSOR_MAP = _table("TensorMap", (0, "name", String()), (1, "tensor_index", _UINT))
SIGNATURE_DEF = _table("SignatureDef", (0, "inputs", Tables(TENSOR_MAP)), (1, "outputs", Tables(TENSOR_MAP)),
                       (2, "signature_key", String()), (3, "deprecated_tag", String()), (4, "subgraph_index", _UINT))
EXTERNAL_BUFFER_GROUP = _table("ExternalBufferGroup", (0, "name", String()))
EXTERNAL_BUFFER = _table("ExternalBuffer", (0, "id", _UINT), (1, "group", _UINT), (2, "offset", _ULONG),
                         (3, "length", _ULONG), (4, "packing", String()))
MODEL = _table(
    "Model", (0, "version", _UINT), (1, "operator_codes", Tables(OPERATOR_CODE)), (2, "subgraphs", Tables(SUBGRAPH)),
    (3, "description", String()), (4, "buffers", Tables(BUFFER)), (5, "metadata_buffer", Vector("i")),
    (6, "metadata", Tables(METADATA)), (7, "signature_defs", Tables(SIGNATURE_DEF)),
    (8, "external_buffer_groups", Tables(EXTERNAL_BUFFER_GROUP)), (9, "external_buffers", Tables(EXTERNAL_BUFFER)))


def verify_model(data: bytes) -> None:
    """Raise FlatbufferError naming the first section of ``data`` that is out of bounds or
    misaligned, or that refers to a tensor, buffer, operator code or subgraph the model lacks."""
    _Verifier(data).root()
    _check_references(Buffer(data).root())


def _check_references(model: Table) -> None:
    """Indices between tables in range, in every subgraph (tflite-micro prepares them all) and
    in the signature defs, as TF Lite's own model verifier checks them."""

    def within(value: int, count: int, section: str, what: str, absent_ok: bool = False) -> None:
        if not (0 <= value < count or (absent_ok and value == -1)):
            raise FlatbufferError(f"{section}: {what} {value} is not one of the {count} {what}s")

    opcodes, buffers = len(model.tables(1)), len(model.tables(4))
    subgraphs = model.tables(2)
    tensor_counts = []
    for s, subgraph in enumerate(subgraphs):
        where = f"model.subgraphs[{s}]"
        tensors = subgraph.tables(0)
        tensor_counts.append(len(tensors))
        for t, tensor in enumerate(tensors):
            within(tensor.scalar(2, "I"), buffers, f"{where}.tensors[{t}].buffer", "buffer")
        for field, name in ((1, "inputs"), (2, "outputs")):
            for k, index in enumerate(subgraph.scalars(field, "int32")):
                within(int(index), len(tensors), f"{where}.{name}[{k}]", "tensor")
        for o, op in enumerate(subgraph.tables(3)):
            within(op.scalar(0, "I"), opcodes, f"{where}.operators[{o}].opcode_index", "operator code")
            for field, name in ((1, "inputs"), (2, "outputs"), (8, "intermediates")):
                for k, index in enumerate(op.scalars(field, "int32")):
                    within(int(index), len(tensors), f"{where}.operators[{o}].{name}[{k}]", "tensor", absent_ok=True)
    for g, signature in enumerate(model.tables(7)):
        where = f"model.signature_defs[{g}]"
        graph = signature.scalar(4, "I")
        within(graph, len(subgraphs), f"{where}.subgraph_index", "subgraph")
        for field, name in ((0, "inputs"), (1, "outputs")):
            for k, entry in enumerate(signature.tables(field)):
                within(entry.scalar(1, "I"), tensor_counts[graph], f"{where}.{name}[{k}].tensor_index", "tensor")
    for m, metadata in enumerate(model.tables(6)):
        within(metadata.scalar(1, "I"), buffers, f"model.metadata[{m}].buffer", "buffer")


class _Verifier:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)
        self.tables = 0

    def fail(self, section: str, problem: str) -> FlatbufferError:
        return FlatbufferError(f"{section}: {problem}")

    def span(self, pos: int, length: int, align: int, section: str, what: str) -> None:
        if pos < 0 or length < 0 or pos + length > self.size:
            raise self.fail(section, f"{what} ({length} bytes at offset {pos}) runs past the end of the {self.size}-byte file")
        if pos % align:
            raise self.fail(section, f"{what} at offset {pos} is not aligned to {align} bytes")

    def read(self, fmt: str, pos: int, section: str, what: str):
        self.span(pos, _SIZES[fmt], _SIZES[fmt], section, what)
        return struct.unpack_from("<" + fmt, self.data, pos)[0]

    def root(self) -> None:
        if self.size >= MAX_BUFFER_BYTES:
            raise self.fail("file", f"{self.size} bytes is beyond the 2 GiB a flatbuffer can address")
        start = self.read("I", 0, "root", "the root offset")
        self.table(start, MODEL, "model")

    def offset_target(self, pos: int, section: str) -> int:
        """Follow the uoffset stored at ``pos``."""
        return pos + self.read("I", pos, section, "offset")

    def table(self, pos: int, spec: TableSpec, section: str) -> None:
        self.tables += 1
        if self.tables > MAX_TABLES:
            raise self.fail(section, f"more than {MAX_TABLES:,} tables: the file's offsets form a blow-up")
        vtable = pos - self.read("i", pos, section, "table")
        vtable_size = self.read("H", vtable, section, "vtable")
        inline_size = self.read("H", vtable + 2, section, "vtable")
        if vtable_size < 4 or vtable_size % 2:
            raise self.fail(section, f"vtable at offset {vtable} has an invalid size {vtable_size}")
        self.span(vtable, vtable_size, 2, section, "vtable")
        self.span(pos, inline_size, 4, section, "table")
        kinds = spec.by_index  # type: ignore[attr-defined]
        for index in range((vtable_size - 4) // 2):
            field = struct.unpack_from("<H", self.data, vtable + 4 + 2 * index)[0]
            if not field:
                continue
            name, kind = kinds.get(index, (f"field {index}", None))
            where = f"{section}.{name}"
            size = _inline_size(kind)
            if field < 4 or field + size > inline_size:
                raise self.fail(where, f"lies outside its table ({inline_size} bytes)")
            if kind is None:
                continue
            self.field(pos + field, kind, where, pos, vtable, vtable_size)

    def union_type(self, table: int, vtable: int, vtable_size: int, type_field: int) -> int:
        entry = 4 + 2 * type_field
        if entry >= vtable_size:
            return 0
        field = struct.unpack_from("<H", self.data, vtable + entry)[0]
        return self.data[table + field] if field else 0

    def field(self, pos: int, kind: Kind, section: str, table: int, vtable: int, vtable_size: int) -> None:
        if isinstance(kind, Scalar):
            self.read(kind.fmt, pos, section, "value")
        elif isinstance(kind, String):
            self.string(self.offset_target(pos, section), section)
        elif isinstance(kind, Vector):
            self.vector(self.offset_target(pos, section), _SIZES[kind.fmt], section)
        elif isinstance(kind, TableRef):
            self.table(self.offset_target(pos, section), kind.spec, section)
        elif isinstance(kind, Tables):
            start, length = self.vector(self.offset_target(pos, section), 4, section)
            for i in range(length):
                element = start + 4 * i
                self.table(element + struct.unpack_from("<I", self.data, element)[0], kind.spec, f"{section}[{i}]")
        else:
            tag = self.union_type(table, vtable, vtable_size, kind.type_field)
            if tag:  # a value under the tag NONE is never read, as in FlatBuffers
                self.table(self.offset_target(pos, section), kind.members.get(tag, GENERIC), section)

    def vector(self, pos: int, element_size: int, section: str) -> tuple[int, int]:
        length = self.read("I", pos, section, "vector length")
        self.span(pos + 4, length * element_size, 1, section, f"vector of {length} elements")
        return pos + 4, length

    def string(self, pos: int, section: str) -> None:
        start, length = self.vector(pos, 1, section)
        if start + length >= self.size or self.data[start + length] != 0:
            raise self.fail(section, "string is not zero-terminated inside the file")


def _inline_size(kind: Kind | None) -> int:
    """Bytes a field occupies inside its table: a scalar's size, or a 4-byte offset."""
    if isinstance(kind, Scalar):
        return _SIZES[kind.fmt]
    return 4 if kind is not None else 1
