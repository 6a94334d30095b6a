"""`tinykit verify`: the generated code against TF Lite Micro, byte for byte."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tinykit.errors import TinykitError
from tinykit.ir import DType, Graph, Tensor
from tinykit.verify.tflm import TflmArena

MAX_REPORTED_MISMATCHES = 20


@dataclass(frozen=True)
class Mismatch:
    sample: int
    output: int
    index: tuple[int, ...]
    expected: float
    got: float


@dataclass(frozen=True)
class VerifyResult:
    model: str
    board: str
    samples: int
    compared_bytes: int
    mismatches: int
    arena_bytes: int
    tflm_arena: TflmArena
    examples: tuple[Mismatch, ...]

    @property
    def bit_exact(self) -> bool:
        return self.mismatches == 0 and self.compared_bytes > 0

    def to_json(self) -> dict:
        return {
            "model": self.model,
            "board": self.board,
            "samples": self.samples,
            "compared_bytes": self.compared_bytes,
            "mismatches": self.mismatches,
            "bit_exact": self.bit_exact,
            "arena_bytes": self.arena_bytes,
            "tflm_arena_bytes": asdict(self.tflm_arena),
            "first_mismatches": [asdict(m) for m in self.examples],
        }

    def render(self) -> str:
        verdict = "bit-exact" if self.bit_exact else f"{self.mismatches:,} of {self.compared_bytes:,} output bytes differ"
        lines = [
            f"{self.model} on {self.board}: {self.samples} samples, {self.compared_bytes:,} output bytes compared with tflite-micro: {verdict}",
            f"arena: tinykit {self.arena_bytes:,} bytes; tflite-micro {self.tflm_arena.head:,} bytes planned "
            f"(+{self.tflm_arena.tail:,} persistent = {self.tflm_arena.total:,})",
        ]
        for m in self.examples:
            lines.append(f"  sample {m.sample} output {m.output} at {list(m.index)}: tflite-micro {m.expected:g}, tinykit {m.got:g}")
        if self.mismatches > len(self.examples):
            lines.append(f"  ... and {self.mismatches - len(self.examples):,} more")
        return "\n".join(lines)


def _random_input(tensor: Tensor, rng: np.random.Generator) -> np.ndarray:
    if tensor.dtype is DType.INT8:
        return rng.integers(-128, 128, size=tensor.shape, dtype=np.int8)
    if tensor.dtype is DType.FLOAT32:
        return rng.normal(0.0, 1.0, size=tensor.shape).astype(np.float32)
    raise TinykitError(f"model input {tensor.name!r} has type {tensor.dtype.value}; random inputs exist for int8 and float32 only.")


def random_samples(graph: Graph, count: int, seed: int = 0, inputs: tuple[Tensor, ...] | None = None) -> list[list[np.ndarray]]:
    """``count`` random samples covering each input's whole int8 range; ``inputs`` draws for these tensors instead
    of the graph's (a firmware that loads more than the model takes: an MLPerf input crop)."""
    rng = np.random.default_rng(seed)
    return [[_random_input(t, rng) for t in (graph.inputs if inputs is None else inputs)] for _ in range(count)]


def quantize(values: np.ndarray, tensor: Tensor) -> np.ndarray:
    """Real values as int8 with the tensor's (single) scale and zero point, rounded to nearest and clipped."""
    scale, zero_point = tensor.quant.single_scale, tensor.quant.single_zero_point
    return np.clip(np.round(values / scale) + zero_point, -128, 127).astype(np.int8)


def data_samples(graph: Graph, npz: Path) -> list[list[np.ndarray]]:
    """Samples from an .npz of input data (float data is quantized with the input's parameters)."""
    from tinykit.frontend.convert import load_calibration

    if len(graph.inputs) != 1:
        raise TinykitError(f"--data gives one input array, but the model has {len(graph.inputs)} inputs.")
    tensor = graph.inputs[0]
    array = load_calibration(npz, tensor.shape[1:])
    if tensor.dtype is DType.INT8 and array.dtype != np.int8:
        array = quantize(array.astype(np.float32), tensor)
    return [[np.asarray(sample, dtype=tensor.dtype.numpy).reshape(tensor.shape)] for sample in array]


def compare(expected: list[list[np.ndarray]], got: list[list[np.ndarray]]) -> tuple[int, int, tuple[Mismatch, ...]]:
    """(bytes compared, mismatching bytes, the first mismatches) over all samples and outputs."""
    compared = mismatched = 0
    examples: list[Mismatch] = []
    for s, (ref_outputs, our_outputs) in enumerate(zip(expected, got, strict=True)):
        for o, (ref, ours) in enumerate(zip(ref_outputs, our_outputs, strict=True)):
            ref_bytes = np.ascontiguousarray(ref).view(np.uint8).reshape(-1)
            our_bytes = np.ascontiguousarray(ours).view(np.uint8).reshape(-1)
            if ref_bytes.size != our_bytes.size:
                raise TinykitError(f"output {o} has {our_bytes.size} bytes from tinykit but {ref_bytes.size} from tflite-micro")
            compared += ref_bytes.size
            mismatched += int(np.count_nonzero(ref_bytes != our_bytes))
            for flat in np.flatnonzero(np.asarray(ref).reshape(-1) != np.asarray(ours).reshape(-1)):
                if len(examples) >= MAX_REPORTED_MISMATCHES:
                    break
                index = tuple(int(i) for i in np.unravel_index(flat, np.shape(ref)))
                examples.append(Mismatch(s, o, index, float(np.asarray(ref).reshape(-1)[flat]), float(np.asarray(ours).reshape(-1)[flat])))
    return compared, mismatched, tuple(examples)
