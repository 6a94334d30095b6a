"""The registry of kernel variants: one declaration per C kernel variant.

A variant says which op kind it runs, the C function and source files that
implement it, the ISA features it needs (``tinykit.boards.ISA_FEATURES``),
which ops of that kind it handles (a predicate on the op's shapes and
options), and the facts the rest of the build needs from that choice:
scratch bytes (the Python twin of the C ``<kernel>_get_buffer_size``), when
the output may overlap an input (``tinykit.schedule.overlap``), and the
weight layout it reads.

Declarations live in ``tinykit/schedule/kernels/<family>.py`` (one module per
op family, as in ``tinykit/codegen/ops``), each calling ``register``; every
module of that package is imported before the first selection.

Twins in ``firmware/runtime/src/cortexm/`` keep the reference's function
name and contract, so a build links exactly one of the two: such a twin must
handle every op its reference handles (no predicate). A variant that only
handles some shapes gets its own name (``tk_conv_1x1_s8``).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Callable

from tinykit.boards import ISA_FEATURES
from tinykit.ir import Op, OpKind
from tinykit.schedule.overlap import Overlap, no_overlap

# The layout TFLite stores constants in; an optimized variant that wants its
# weights reordered names its own layout, and its emitter writes them so.
TFLITE_LAYOUT = "tflite"
REFERENCE = "reference"
_KERNEL_NAME = re.compile(r"tk_[a-z0-9_]+_s8")


def always(op: Op) -> bool:
    """Applicability of a variant that handles every legal op of its kind."""
    return True


def no_scratch(op: Op) -> int:
    return 0


@dataclass(frozen=True)
class KernelVariant:
    """One C kernel variant and what choosing it implies.

    ``sources`` are C files relative to ``firmware/runtime/src`` (the kernel's
    own file first); ``preference`` orders the variants of one kind (the
    highest applicable one wins; references are 0)."""

    kind: OpKind
    kernel: str
    variant: str
    sources: tuple[str, ...]
    requires: frozenset[str] = frozenset()
    preference: int = 0
    applies: Callable[[Op], bool] = always
    scratch_bytes: Callable[[Op], int] = no_scratch
    overlaps: Callable[[Op], tuple[Overlap, ...]] = no_overlap
    weight_layout: str = TFLITE_LAYOUT
    description: str = field(default="", compare=False)


VARIANTS: dict[OpKind, list[KernelVariant]] = {}


def register(variant: KernelVariant) -> KernelVariant:
    """Add ``variant`` to the registry (called at import by the kernels modules)."""
    if not _KERNEL_NAME.fullmatch(variant.kernel):
        raise RuntimeError(f"kernel name {variant.kernel!r} does not follow tk_<op>[_<variant>]_s8")
    unknown = set(variant.requires) - set(ISA_FEATURES)
    if unknown:
        raise RuntimeError(f"{variant.kernel} ({variant.variant}) requires unknown ISA features {sorted(unknown)}")
    if variant.variant == REFERENCE and (variant.requires or variant.preference != 0):
        raise RuntimeError(f"the reference variant {variant.kernel} must be portable (no features) with preference 0")
    if not variant.sources:
        raise RuntimeError(f"{variant.kernel} ({variant.variant}) names no C source")
    known = VARIANTS.setdefault(variant.kind, [])
    for other in known:
        if (other.kernel, other.variant, other.applies) == (variant.kernel, variant.variant, variant.applies):
            raise RuntimeError(f"{variant.kernel} ({variant.variant}) is registered twice")
        restricted = variant.applies is not always or other.applies is not always
        if other.kernel == variant.kernel and other.sources != variant.sources and restricted:
            raise RuntimeError(
                f"{variant.kernel} ({variant.variant}) shares its C name with {other.variant} but handles only some "
                "ops: a build would link both files. Give a shape-restricted variant its own kernel name."
            )
    known.append(variant)
    known.sort(key=lambda v: -v.preference)  # stable: equal preferences keep registration order
    return variant


@cache
def load_variants() -> None:
    """Import every module of ``tinykit.schedule.kernels`` (each registers its family's variants)."""
    from tinykit.schedule import kernels

    for module in pkgutil.iter_modules(kernels.__path__):
        importlib.import_module(f"{kernels.__name__}.{module.name}")


def variants_of(kind: OpKind) -> list[KernelVariant]:
    """The registered variants of ``kind``, most preferred first."""
    load_variants()
    return list(VARIANTS.get(kind, ()))


def reference(kind: OpKind, kernel: str, **facts) -> KernelVariant:
    """Register the portable reference kernel ``kernel`` (``reference/<kernel>.c``) of ``kind``;
    ``facts`` are further ``KernelVariant`` fields (a predicate, an overlap rule)."""
    return register(KernelVariant(kind, kernel, REFERENCE, (f"reference/{kernel}.c",), **facts))
