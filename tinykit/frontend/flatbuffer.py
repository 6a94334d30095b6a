"""Bounds-checked reading of FlatBuffers tables, just what the TFLite reader needs.

A .tflite file is a FlatBuffer. Reading it with our own small accessor, rather
than generated schema code, means every offset is checked against the buffer:
a truncated or corrupted file raises ``FlatbufferError`` at the first bad
offset instead of yielding garbage shapes or looping over a bogus length.
"""

from __future__ import annotations

import struct

import numpy as np


class FlatbufferError(Exception):
    """The buffer is not a well-formed FlatBuffer (truncated or corrupted)."""


_SCALARS = {
    "b": 1, "B": 1, "?": 1, "h": 2, "H": 2, "i": 4, "I": 4, "q": 8, "Q": 8, "f": 4, "d": 8,
}


class Buffer:
    """An immutable byte buffer with checked little-endian reads."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, fmt: str, pos: int):
        size = _SCALARS[fmt]
        if pos < 0 or pos + size > len(self.data):
            raise FlatbufferError(f"read of {size} bytes at offset {pos} is outside the {len(self.data)}-byte file")
        return struct.unpack_from("<" + fmt, self.data, pos)[0]

    def check_span(self, pos: int, length: int) -> None:
        if pos < 0 or length < 0 or pos + length > len(self.data):
            raise FlatbufferError(f"{length} bytes at offset {pos} run past the end of the {len(self.data)}-byte file")

    def root(self) -> "Table":
        return Table(self, self.read("I", 0))


class Table:
    """One FlatBuffers table: fields are looked up by their index in the schema."""

    def __init__(self, buf: Buffer, pos: int) -> None:
        self.buf = buf
        self.pos = pos
        self.vtable = pos - buf.read("i", pos)
        self.vtable_size = buf.read("H", self.vtable)
        if self.vtable_size < 4 or self.vtable_size % 2:
            raise FlatbufferError(f"table at offset {pos} has a malformed vtable")
        buf.check_span(self.vtable, self.vtable_size)

    def _field(self, index: int) -> int:
        """Absolute position of a field, or 0 when the field is absent."""
        entry = 4 + 2 * index
        if entry >= self.vtable_size:
            return 0
        offset = self.buf.read("H", self.vtable + entry)
        return self.pos + offset if offset else 0

    def has(self, index: int) -> bool:
        return self._field(index) != 0

    def scalar(self, index: int, fmt: str, default=0):
        pos = self._field(index)
        return self.buf.read(fmt, pos) if pos else default

    def _indirect(self, index: int) -> int:
        pos = self._field(index)
        return pos + self.buf.read("I", pos) if pos else 0

    def table(self, index: int) -> "Table | None":
        pos = self._indirect(index)
        return Table(self.buf, pos) if pos else None

    def _vector(self, index: int, element_size: int) -> tuple[int, int] | None:
        pos = self._indirect(index)
        if not pos:
            return None
        length = self.buf.read("I", pos)
        self.buf.check_span(pos + 4, length * element_size)
        return pos + 4, length

    def tables(self, index: int) -> list["Table"]:
        vec = self._vector(index, 4)
        if vec is None:
            return []
        start, length = vec
        return [Table(self.buf, start + 4 * i + self.buf.read("I", start + 4 * i)) for i in range(length)]

    def scalars(self, index: int, dtype: str) -> np.ndarray:
        """A vector of scalars as a numpy array (empty when absent)."""
        dt = np.dtype(dtype).newbyteorder("<")
        vec = self._vector(index, dt.itemsize)
        if vec is None:
            return np.zeros(0, dtype=dt)
        start, length = vec
        return np.frombuffer(self.buf.data, dtype=dt, count=length, offset=start)

    def string(self, index: int) -> str:
        vec = self._vector(index, 1)
        if vec is None:
            return ""
        start, length = vec
        return self.buf.data[start : start + length].decode("utf-8", errors="replace")

    def raw_bytes(self, index: int) -> bytes:
        vec = self._vector(index, 1)
        if vec is None:
            return b""
        start, length = vec
        return bytes(self.buf.data[start : start + length])
