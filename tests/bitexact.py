"""The bit-exactness check every kernel and model test uses.

A model goes through the real pipeline (reader, planner, code generator,
host gcc with -Werror and, by default, AddressSanitizer and
UndefinedBehaviorSanitizer) and its outputs are compared with tflite-micro's
for the same random int8 inputs, every byte.
"""

from __future__ import annotations

from pathlib import Path

from tinykit.build import CompiledModel, compile_tflite
from tinykit.planner import check_no_overlap
from tinykit.verify.compare import compare, random_samples
from tinykit.verify.host import build_host, run_host
from tinykit.verify.tflm import run_tflm


def assert_bit_exact(model: bytes, tmp_path: Path, samples: int = 20, seed: int = 0, sanitize: bool = True) -> CompiledModel:
    tflite = tmp_path / "model.tflite"
    tflite.write_bytes(model)
    compiled = compile_tflite(tflite, tmp_path / "build", board="host", source_name=tflite.name)
    assert check_no_overlap(compiled.plan) == []
    host = build_host(compiled.folder, sanitize=sanitize, shared_library=False)
    inputs = random_samples(compiled.graph, samples, seed)
    ours = run_host(host, compiled.graph, inputs)
    reference = run_tflm(model, inputs)
    compared, mismatched, examples = compare(reference, ours)
    assert compared > 0
    details = "\n".join(
        f"  sample {m.sample} output {m.output} at {list(m.index)}: tflite-micro {m.expected:g}, tinykit {m.got:g}" for m in examples
    )
    assert mismatched == 0, f"{mismatched} of {compared} output bytes differ from tflite-micro:\n{details}"
    return compiled
