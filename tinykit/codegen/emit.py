"""The contract between the code generator and the per-op emitters.

An emitter turns one IR op into one C expression that calls a runtime kernel
and evaluates to a ``tk_status``. Everything the call needs that is not a
tensor (requantization multipliers and shifts, dims, clamp ranges) is computed
here in Python at build time and written as constants, so nothing is derived
from floats on the device.

Emitters live in ``tinykit/codegen/ops/`` (one module per op family) and
register themselves in ``EMITTERS`` with ``@emitter(OpKind.X)``.
"""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np

from tinykit.ir import Op, OpKind, Tensor


class EmitContext(Protocol):
    """What the generator offers an emitter."""

    def tensor(self, tensor: Tensor) -> str:
        """C expression for a pointer to the tensor's data, typed by its dtype
        (``int8_t *`` for int8, ``const int32_t *`` for int32 constants...).
        Activations point into the arena; constants name arrays in flash."""
        ...

    def scratch(self, op: Op) -> str:
        """C expression (``void *``) for the op's scratch area in the arena,
        ``op.scratch_bytes()`` long, or ``NULL`` if the op needs none."""
        ...

    def constant(self, hint: str, values: np.ndarray, ctype: str) -> str:
        """Add a ``static const`` array to the weights file and return its C
        name. ``ctype`` is one of int8_t, int16_t, int32_t, uint8_t, float."""
        ...

    def struct(self, ctype: str, hint: str, fields: dict[str, str]) -> str:
        """Add a ``static const <ctype>`` object with designated initializers
        (``{.field = value, ...}``; values are C expressions, nested ones
        allowed) to the model file and return an expression for its address."""
        ...


def c_float(value: float) -> str:
    """A float32 value as an exact C literal (hexadecimal, so no decimal rounding)."""
    return f"{float(np.float32(value)).hex()}f"


EmitFn = Callable[[Op, EmitContext], str]

EMITTERS: dict[OpKind, EmitFn] = {}


def emitter(kind: OpKind) -> Callable[[EmitFn], EmitFn]:
    """Register the emitter for one op kind."""

    def register(fn: EmitFn) -> EmitFn:
        if kind in EMITTERS:
            raise RuntimeError(f"two emitters registered for {kind.value}")
        EMITTERS[kind] = fn
        return fn

    return register
