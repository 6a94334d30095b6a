"""The contract between the code generator and the per-op emitters.

An emitter turns one IR op into one C expression that calls a runtime kernel
and evaluates to a ``tk_status``. Which kernel is the kernel selection's
choice (``tinykit.schedule``), never the emitter's: the emitter reads it from
``ctx.kernel`` and writes the call with ``ctx.call(...)``, which puts the
kernel's name and its ``tk_context`` (the op's scratch area) in front of the
arguments the emitter gives. Everything the call needs that is not a
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
from tinykit.schedule import OpSchedule


class EmitContext(Protocol):
    """What the generator offers an emitter."""

    kernel: OpSchedule
    """The kernel chosen for the op being emitted: its C name, variant, scratch
    bytes and the weight layout it reads."""

    kernel_context: str
    """C expression (``const tk_context *``) of the op's scratch area: a static
    ``tk_context`` pointing into the arena, ``{NULL, 0}`` when the kernel needs none."""

    def call(self, *arguments: str) -> str:
        """The C call of the op's kernel: ``<kernel.kernel>(<kernel_context>, arguments...)``."""
        ...

    def tensor(self, tensor: Tensor) -> str:
        """C expression for a pointer to the tensor's data, typed by its dtype
        (``int8_t *`` for int8, ``const int32_t *`` for int32 constants...).
        Activations point into the arena; constants name arrays in flash."""
        ...

    def constant(self, hint: str, values: np.ndarray, ctype: str) -> str:
        """Add a ``static const`` array to the weights file and return its C
        name. ``ctype`` is one of int8_t, int16_t, int32_t, uint8_t, float."""
        ...

    def window_padding(self, op: Op, layer_padding: tuple[int, int]) -> tuple[int, int]:
        """The (top, left) padding a window op's call uses: ``layer_padding``
        (TFLite's, for the whole layer), except for one patch of a patch stage
        (tinykit/schedule/patches.py), whose call pads only where its region
        meets the image border."""
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
