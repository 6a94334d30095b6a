"""Patch well-formed but hostile values into a .tflite, for the fuzz tests.

The model is unpacked into tflite-micro's generated schema object API
(``ModelT``), changed as a Python object, and packed again: the result is a
flatbuffer any reader can parse, carrying exactly the hostile value the test
chose (a zero extent, a NaN scale, an index of -1...).

    model = unpack(data)
    model.subgraphs[0].outputs = []
    hostile = pack(model)
"""

from __future__ import annotations

import flatbuffers
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema


def unpack(data: bytes) -> schema.ModelT:
    return schema.ModelT.InitFromObj(schema.Model.GetRootAs(data, 0))


def pack(model: schema.ModelT) -> bytes:
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def builtin_code(model: schema.ModelT, op: schema.OperatorT) -> int:
    code = model.operatorCodes[op.opcodeIndex]
    return max(code.builtinCode, code.deprecatedBuiltinCode)


def op_name(model: schema.ModelT, op: schema.OperatorT) -> str:
    code = builtin_code(model, op)
    return next(name for name, value in vars(schema.BuiltinOperator).items() if value == code)
