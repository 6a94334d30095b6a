"""The table `tinykit ops` prints: every op kind tinykit compiles and the
kernel variants it can run, read from the one variant registry."""

from __future__ import annotations

from tinykit.ir import OpKind
from tinykit.schedule.variants import variants_of


def render_catalog(supported_ops: list[str]) -> str:
    """One block per supported TFLite op: each variant's kernel, what it needs and what it is for.

    ``supported_ops`` are the TFLite names the reader accepts (PADV2 reads as PAD, and a few
    ops are folded away at read time, so names and IR kinds are not one to one)."""
    lines = [f"{len(supported_ops)} TFLite ops, int8 (variants listed most preferred first):", ""]
    for name in supported_ops:
        kind = OpKind.__members__.get(name)
        if kind is None:
            lines.append(f"{name}: read as {'PAD' if name == 'PADV2' else name}")
            continue
        variants = variants_of(kind)
        if not variants:
            lines.append(f"{name}: folded or turned into a view at read time (no kernel)")
            continue
        lines.append(f"{name}:")
        for v in variants:
            needs = "+".join(sorted(v.requires)) or "any core"
            note = f"  {v.description}" if v.description else ""
            lines.append(f"  {v.kernel:<34} {v.variant:<10} {needs:<9} {v.sources[0]}{note}")
    lines += ["", "A board's ISA features (`tinykit boards`, `features` in boards/*.toml) decide which variants a build",
              "may use; `tinykit build --kernels reference` forces the portable ones."]
    return "\n".join(lines)
