"""The size of the runtime's C structs on Cortex-M (ARM EABI: natural alignment, 4-byte pointers), read
from the runtime's own headers, so the generated model's data has a size known before any compiler
runs (tinykit.latency.resources). The generated model.c asserts each size it relies on
(``_Static_assert``), so a header this reader misreads fails the build rather than the prediction."""

from __future__ import annotations

import re
from functools import lru_cache

from tinykit.codegen.runtime import runtime_sources
from tinykit.errors import TinykitError

POINTER_BYTES = 4
_SCALARS = {"int8_t": 1, "uint8_t": 1, "char": 1, "int16_t": 2, "uint16_t": 2, "int32_t": 4, "uint32_t": 4,
            "float": 4, "int64_t": 8, "uint64_t": 8, "double": 8, "tk_invoke_fn": POINTER_BYTES,
            "tk_mlperf_fn": POINTER_BYTES}
_STRUCT = re.compile(r"typedef\s+struct\s*\w*\s*\{(.*?)\}\s*(\w+)\s*;", re.S)
_DEFINE = re.compile(r"^#define\s+(\w+)\s+\(?(\d+)\)?\s*$", re.M)


def _round_up(value: int, alignment: int) -> int:
    return -(-value // alignment) * alignment


@lru_cache(maxsize=1)
def struct_layouts() -> dict[str, tuple[int, int]]:
    """(sizeof, alignment) of every ``typedef struct {...} name;`` of the runtime's headers."""
    include, _ = runtime_sources()
    text = "\n".join(path.read_text() for path in sorted(include.rglob("*.h")))
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    defines = {name: int(value) for name, value in _DEFINE.findall(text)}
    bodies = {name: body for body, name in _STRUCT.findall(text)}
    layouts: dict[str, tuple[int, int]] = {}

    def layout(name: str) -> tuple[int, int]:
        if name in _SCALARS:
            return _SCALARS[name], _SCALARS[name]
        if name in layouts:
            return layouts[name]
        if name not in bodies:
            raise TinykitError(f"the runtime's headers define no struct {name}; the flash prediction cannot size it.")
        offset, alignment = 0, 1
        for declaration in (d.strip() for d in bodies[name].split(";")):
            if not declaration:
                continue
            words = re.sub(r"\bconst\b", "", declaration).replace("*", " * ").split(None, 1)
            base = words[0]
            for declarator in words[1].split(","):
                pointer = "*" in declarator
                extent = 1
                for dimension in re.findall(r"\[\s*(\w+)\s*\]", declarator):
                    extent *= int(dimension) if dimension.isdigit() else defines[dimension]
                size, align = (POINTER_BYTES, POINTER_BYTES) if pointer else layout(base)
                offset = _round_up(offset, align) + size * extent
                alignment = max(alignment, align)
        layouts[name] = (_round_up(offset, alignment), alignment)
        return layouts[name]

    for name in bodies:
        layout(name)
    return layouts


def struct_bytes(ctype: str) -> int:
    """sizeof(``ctype``) on Cortex-M."""
    return struct_layouts()[ctype][0]
