"""tinykit.json: the versioned hand-off a build leaves for flashing, profiling and reports.

No timestamps and sorted keys: identical inputs give identical bytes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import tinykit
from tinykit.ir import Graph, Tensor
from tinykit.mlperf import MlperfSetting
from tinykit.planner import MemoryPlan
from tinykit.schedule import Schedule

SCHEMA_VERSION = 3  # 2: per-op kernel, variant and scratch from the kernel selection; 3: memory.state_bytes
FILE_NAME = "tinykit.json"


def build_hash(model: bytes, board: str, schedule: Schedule) -> str:
    """16 hex characters naming one build: the int8 model, the board, the
    kernels chosen for it (``schedule``) and tinykit's version.

    The firmware reports it, so the profiler can tell that the board runs the
    build it was given."""
    digest = hashlib.sha256()
    kernels = json.dumps(schedule.to_json(), sort_keys=True).encode()
    for part in (model, board.encode(), kernels, tinykit.__version__.encode()):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()[:16]


def _io(tensor: Tensor, plan: MemoryPlan) -> dict:
    quant = tensor.quant
    return {
        "name": tensor.name,
        "shape": list(tensor.shape),
        "dtype": tensor.dtype.value,
        "bytes": tensor.nbytes,
        "arena_offset": plan.tensor_offset(tensor),
        "scale": quant.scale[0] if quant is not None else None,
        "zero_point": quant.zero_point[0] if quant is not None else None,
    }


def handoff(
    graph: Graph, schedule: Schedule, plan: MemoryPlan, board: str, model_hash: str, weights_bytes: int, model_file: str,
    mlperf: MlperfSetting,
) -> dict:
    """The hand-off document of one build."""
    return {
        "mlperf": mlperf.to_json(),
        "schema_version": SCHEMA_VERSION,
        "tinykit_version": tinykit.__version__,
        "model": {"name": graph.name, "file": model_file},
        "board": board,
        "kernels": schedule.kernels,
        "isa_features": sorted(schedule.features),
        "build_hash": model_hash,
        "memory": {
            "arena_bytes": plan.arena_bytes,
            "arena_lower_bound": plan.lower_bound,
            "state_bytes": graph.state_bytes,
            "weights_bytes": weights_bytes,
            "inputs": [_io(t, plan) for t in graph.inputs],
            "outputs": [_io(t, plan) for t in graph.outputs],
        },
        "ops": [
            {
                "index": op.index,
                "kind": op.kind.value,
                "output_shape": list(op.outputs[0].shape),
                "macs": op.macs(),
                "weight_bytes": op.weight_bytes(),
                "kernel": schedule.op(op).kernel,
                "variant": schedule.op(op).variant,
                "scratch_bytes": schedule.op(op).scratch_bytes,
                "scratch_offset": plan.scratch_offset(op),
                "output_bytes": op.outputs[0].nbytes,
                # None: an inner tensor of a patch stage, which only ever holds one patch (plan "patches")
                "output_offset": plan.tensor_offset(op.outputs[0]) if plan.has_place(op.outputs[0]) else None,
            }
            for op in graph.ops
        ],
        "total_macs": graph.macs(),
        "plan": plan.to_json(),
    }


def write_handoff(document: dict, folder: Path) -> Path:
    path = folder / FILE_NAME
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return path


def read_handoff(folder: Path) -> dict:
    from tinykit.errors import TinykitError

    path = folder / FILE_NAME
    if not path.exists():
        raise TinykitError(f"{folder} is not a tinykit build folder (no {FILE_NAME}); build one with `tinykit build MODEL -o {folder}`.")
    document = json.loads(path.read_text())
    if document.get("schema_version") != SCHEMA_VERSION:
        raise TinykitError(
            f"{path} has schema version {document.get('schema_version')}, this tinykit reads version {SCHEMA_VERSION}; rebuild the folder with this tinykit."
        )
    return document
