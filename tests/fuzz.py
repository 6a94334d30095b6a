"""Seeded mutations of real models through `tinykit build` and `verify`.

Each mutation of a zoo model is either byte-level (bit flips anywhere,
truncation, an overwritten run of bytes) or well-formed but hostile (a value
patched through the schema's object API: zero extents, NaN or huge scales,
out-of-range zero points, bad padding codes, wrong depth multipliers, bad
quantized dimensions, -1 indices, wrong arities, no outputs...). It goes
through tinykit's reader and code generator; when tinykit accepts it, the
generated C is built with AddressSanitizer and UndefinedBehaviorSanitizer,
run on random inputs and compared with tflite-micro byte for byte.

Outcomes: ``refused`` (a TinykitError naming a cause: counted by cause),
``exact`` (accepted, sanitizers silent, outputs equal to tflite-micro's),
``built`` (accepted, not run: over the run budget), and failures:
``traceback`` (any other exception), ``mismatch``, ``run-error`` (the
sanitized run or tflite-micro failed on an accepted model).

    python -m tests.fuzz --count 2000 --seed 1        # the campaign (`make fuzz`)
"""

from __future__ import annotations

import argparse
import collections
import math
import re
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fbpatch import builtin_code, pack, unpack  # noqa: E402
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema  # noqa: E402

from tinykit.build import compile_tflite  # noqa: E402
from tinykit.errors import TinykitError  # noqa: E402
from tinykit.verify.compare import compare, random_samples  # noqa: E402
from tinykit.verify.host import build_host, run_host  # noqa: E402
from tinykit.verify.tflm import run_tflm  # noqa: E402

# Small zoo models covering every op kind tinykit compiles (converting is cached).
BASE_MODELS = ("sigmoid_detector", "zero_padded", "inception_block", "kws_ds_cnn")
FAILURES = ("traceback", "mismatch", "run-error")

Mutation = Callable[[np.random.Generator, bytes], tuple[str, bytes]]


# -- byte-level ------------------------------------------------------------------


def flip_bits(rng: np.random.Generator, data: bytes) -> tuple[str, bytes]:
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        position = int(rng.integers(len(out)))
        out[position] ^= 1 << int(rng.integers(8))
    return "bit flips", bytes(out)


def truncate(rng: np.random.Generator, data: bytes) -> tuple[str, bytes]:
    return "truncation", data[: int(rng.integers(0, len(data)))]


def overwrite_run(rng: np.random.Generator, data: bytes) -> tuple[str, bytes]:
    out = bytearray(data)
    start, length = int(rng.integers(len(out))), int(rng.integers(1, 64))
    fill = rng.choice([b"\x00", b"\xff", bytes(rng.integers(0, 256, 1, dtype=np.uint8))])
    out[start : start + length] = (fill * length)[: len(out[start : start + length])]
    return "overwritten run", bytes(out)


def flip_structure(rng: np.random.Generator, data: bytes) -> tuple[str, bytes]:
    """A bit flip in the first or last kilobytes, where the tables (not the weights) live."""
    out = bytearray(data)
    region = int(rng.integers(2))
    span = min(4096, len(out))
    position = int(rng.integers(span)) if region == 0 else len(out) - 1 - int(rng.integers(span))
    out[position] ^= 1 << int(rng.integers(8))
    return "bit flip in tables", bytes(out)


# -- well-formed but hostile --------------------------------------------------------


def _pick(rng: np.random.Generator, items: list):
    return items[int(rng.integers(len(items)))]


def _quantized(model: schema.ModelT) -> list[schema.TensorT]:
    return [t for t in model.subgraphs[0].tensors if t.quantization is not None and t.quantization.scale is not None
            and len(t.quantization.scale)]


def _ops(model: schema.ModelT, *codes: int) -> list[schema.OperatorT]:
    return [op for op in model.subgraphs[0].operators if not codes or builtin_code(model, op) in codes]


def hostile_extent(rng, model):
    sub = model.subgraphs[0]
    tensor = sub.tensors[_pick(rng, list(sub.inputs) + [int(i) for op in sub.operators for i in op.outputs])]
    shape = list(tensor.shape)
    shape[int(rng.integers(len(shape)))] = int(_pick(rng, [0, -1, -7, 1 << 30]))
    tensor.shape = shape
    return "extent"


def hostile_rank0(rng, model):
    sub = model.subgraphs[0]
    _pick(rng, [sub.tensors[i] for op in sub.operators for i in op.inputs if i >= 0]).shape = []
    return "rank-0 tensor"


def hostile_scale(rng, model):
    quant = _pick(rng, _quantized(model)).quantization
    scales = list(quant.scale)
    scales[int(rng.integers(len(scales)))] = float(_pick(rng, [1e30, -0.5, math.nan, math.inf, 0.0, 1e-40, 3e38]))
    quant.scale = scales
    return "scale"


def hostile_zero_point(rng, model):
    quant = _pick(rng, _quantized(model)).quantization
    points = list(quant.zeroPoint)
    points[int(rng.integers(len(points)))] = int(_pick(rng, [200, -200, 2**31 - 1, -(2**31), 128]))
    quant.zeroPoint = points
    return "zero point"


def hostile_quantized_dimension(rng, model):
    per_channel = [t for t in _quantized(model) if len(t.quantization.scale) > 1]
    if not per_channel:
        return hostile_scale(rng, model)
    _pick(rng, per_channel).quantization.quantizedDimension = int(_pick(rng, [-1, 1, 2, 3, 4, 99]))
    return "quantized_dimension"


def hostile_padding(rng, model):
    ops = [op for op in _ops(model) if hasattr(op.builtinOptions, "padding")]
    if not ops:
        return hostile_scale(rng, model)
    _pick(rng, ops).builtinOptions.padding = int(_pick(rng, [2, 3, 77, -1]))
    return "padding code"


def hostile_activation(rng, model):
    ops = [op for op in _ops(model) if hasattr(op.builtinOptions, "fusedActivationFunction")]
    if not ops:
        return hostile_scale(rng, model)
    _pick(rng, ops).builtinOptions.fusedActivationFunction = int(_pick(rng, [2, 4, 5, 9, -3]))
    return "activation code"


def hostile_window(rng, model):
    ops = [op for op in _ops(model) if hasattr(op.builtinOptions, "strideW")]
    if not ops:
        return hostile_scale(rng, model)
    options = _pick(rng, ops).builtinOptions
    field = _pick(rng, [f for f in ("strideW", "strideH", "filterWidth", "filterHeight", "dilationWFactor",
                                     "depthMultiplier") if hasattr(options, f)])
    setattr(options, field, int(_pick(rng, [0, -1, 2, 3, 1000])))
    return "window option"


def hostile_index(rng, model):
    sub = model.subgraphs[0]
    where = int(rng.integers(4))
    value = int(_pick(rng, [-1, len(sub.tensors), 2**31 - 1, -5]))
    if where == 0:
        sub.inputs = [value]
    elif where == 1:
        sub.outputs = [value]
    else:
        op = _pick(rng, sub.operators)
        vector = list(op.inputs if where == 2 else op.outputs)
        vector[int(rng.integers(len(vector)))] = value
        if where == 2:
            op.inputs = vector
        else:
            op.outputs = vector
    return "tensor index"


def hostile_arity(rng, model):
    sub = model.subgraphs[0]
    op = _pick(rng, sub.operators)
    inputs = list(op.inputs)
    if rng.integers(2) and len(inputs) > 1:
        inputs = inputs[: int(rng.integers(1, len(inputs)))]
    else:
        inputs.append(int(_pick(rng, [inputs[0], -1, len(sub.tensors) - 1])))
    op.inputs = inputs
    return "arity"


def hostile_no_outputs(rng, model):
    model.subgraphs[0].outputs = []
    return "no outputs"


def hostile_bias_type(rng, model):
    biases = [model.subgraphs[0].tensors[op.inputs[2]] for op in _ops(model, 3, 4, 9) if len(op.inputs) > 2 and op.inputs[2] >= 0]
    if not biases:
        return hostile_scale(rng, model)
    _pick(rng, biases).type = int(_pick(rng, [schema.TensorType.INT8, schema.TensorType.INT64, schema.TensorType.FLOAT32, 17]))
    return "bias type"


def hostile_opcode(rng, model):
    code = _pick(rng, model.operatorCodes)
    code.builtinCode = int(_pick(rng, [70, 77, 18, 300, 32]))
    code.deprecatedBuiltinCode = min(code.builtinCode, 127)
    return "op code"


def hostile_beta_or_axis(rng, model):
    for op in _ops(model):
        options = op.builtinOptions
        if isinstance(options, schema.SoftmaxOptionsT):
            options.beta = float(_pick(rng, [math.nan, -1.0, 0.0, math.inf, 1e-30]))
            return "softmax beta"
        if isinstance(options, schema.ConcatenationOptionsT):
            options.axis = int(_pick(rng, [-9, 4, 7, 0]))
            return "concatenation axis"
    return hostile_zero_point(rng, model)


def hostile_bias_values(rng, model):
    """A bias near the int32 limits: the accumulator would overflow."""
    sub = model.subgraphs[0]
    biases = [sub.tensors[op.inputs[2]] for op in _ops(model, 3, 4, 9) if len(op.inputs) > 2 and op.inputs[2] >= 0]
    if not biases:
        return hostile_zero_point(rng, model)
    buffer = model.buffers[_pick(rng, biases).buffer]
    values = np.frombuffer(bytes(bytearray(buffer.data)), dtype=np.int32).copy()
    values[int(rng.integers(len(values)))] = int(_pick(rng, [2**31 - 1, -(2**31), 2**31 - 1000]))
    buffer.data = np.frombuffer(values.tobytes(), dtype=np.uint8)
    return "bias value"


def hostile_options_type(rng, model):
    """The options union's type tag changed under its table (tflite-micro then ignores the table)."""
    op = _pick(rng, [op for op in _ops(model) if op.builtinOptionsType])
    op.builtinOptionsType = int(_pick(rng, [0, 1, 2, 5, 8, 13, 27, 126, 200]))
    return "options type"


HOSTILE = (hostile_options_type, hostile_extent, hostile_rank0, hostile_scale, hostile_zero_point, hostile_quantized_dimension,
           hostile_padding, hostile_activation, hostile_window, hostile_index, hostile_arity, hostile_no_outputs,
           hostile_bias_type, hostile_opcode, hostile_beta_or_axis, hostile_bias_values)
BYTE_LEVEL = (flip_bits, truncate, overwrite_run, flip_structure)


def mutate(rng: np.random.Generator, data: bytes) -> tuple[str, bytes]:
    """One seeded mutation: byte-level half of the time, a hostile value otherwise."""
    if rng.integers(2):
        return _pick(rng, list(BYTE_LEVEL))(rng, data)
    model = unpack(data)
    label = _pick(rng, list(HOSTILE))(rng, model)
    return label, pack(model)


# -- running one mutation --------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    kind: str  # refused, exact, built, or one of FAILURES
    mutation: str
    detail: str  # the refusal message, or what failed


def cause(message: str) -> str:
    """A refusal message reduced to its cause: numbers, names and paths dropped, first words kept."""
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\S*\.tflite|\[[^\]]*\]|(?<![\w.])-?\d[\d.e+-]*", "_", message.split(". ")[0])
    text = re.sub(r"^error: |_ is |\s+", " ", text).strip()
    return " ".join(text.split()[:9])


def build(data: bytes, folder: Path, mutation: str) -> tuple[Outcome, object | None]:
    """Read and generate C for ``data`` in-process, as `tinykit build` does."""
    tflite = folder / "mutant.tflite"
    tflite.write_bytes(data)
    try:
        compiled = compile_tflite(tflite, folder / "build", board="host", source_name=tflite.name, origin=tflite)
    except TinykitError as error:
        return Outcome("refused", mutation, str(error)), None
    except Exception:  # noqa: BLE001 - any other exception is the bug this fuzzer hunts
        return Outcome("traceback", mutation, traceback.format_exc()), None
    return Outcome("built", mutation, ""), compiled


def run(compiled, data: bytes, mutation: str, samples: int = 3) -> Outcome:
    """The accepted model under ASan+UBSan against tflite-micro."""
    try:
        host = build_host(compiled.folder, sanitize=True, shared_library=False)
        inputs = random_samples(compiled.graph, samples, seed=0)
        ours = run_host(host, compiled.graph, inputs)
        reference = run_tflm(data, inputs, macs_per_sample=compiled.graph.macs())
    except TinykitError as error:
        return Outcome("run-error", mutation, str(error))
    except Exception:  # noqa: BLE001
        return Outcome("traceback", mutation, traceback.format_exc())
    compared, mismatched, _ = compare(reference, ours)
    if mismatched or not compared:
        return Outcome("mismatch", mutation, f"{mismatched} of {compared} bytes differ")
    return Outcome("exact", mutation, "")


def campaign(models: dict[str, bytes], count: int, seed: int, run_budget: int,
             progress: Callable[[str], None] = lambda _: None, save: Path | None = None) -> list[Outcome]:
    """``count`` mutations spread over ``models``; at most ``run_budget`` accepted ones are run.
    Failing mutants are written to ``save`` (when given) as ``<number>-<outcome>.tflite``."""
    rng = np.random.default_rng(seed)
    names = sorted(models)
    outcomes = []
    runs = 0
    with tempfile.TemporaryDirectory(prefix="tinykit-fuzz-") as tmp:
        for k in range(count):
            name = names[k % len(names)]
            label, data = mutate(rng, models[name])
            folder = Path(tmp) / f"m{k}"
            folder.mkdir()
            outcome, compiled = build(data, folder, f"{name}: {label}")
            if compiled is not None and runs < run_budget:
                runs += 1
                outcome = run(compiled, data, outcome.mutation)
            outcomes.append(outcome)
            if save is not None and outcome.kind in FAILURES:
                save.mkdir(parents=True, exist_ok=True)
                (save / f"{k}-{outcome.kind}.tflite").write_bytes(data)
            if (k + 1) % 50 == 0:
                progress(f"{k + 1}/{count} mutations")
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    kinds = collections.Counter(o.kind for o in outcomes)
    causes = collections.Counter(cause(o.detail) for o in outcomes if o.kind == "refused")
    lines = [f"{len(outcomes)} mutations: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))]
    lines.append("refused, by cause:")
    lines += [f"  {n:5d}  {c}" for c, n in causes.most_common()]
    by_mutation = collections.Counter((o.mutation.split(": ")[1], o.kind) for o in outcomes)
    lines.append("by mutation:")
    lines += [f"  {n:5d}  {m} -> {k}" for (m, k), n in sorted(by_mutation.items())]
    for o in outcomes:
        if o.kind in FAILURES:
            lines.append(f"FAILURE {o.kind} ({o.mutation}):\n{o.detail}")
    return "\n".join(lines)


def base_models(cache_dir: Path) -> dict[str, bytes]:
    from zoo import converted

    return {name: converted(name, cache_dir).read_bytes() for name in BASE_MODELS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="mutations to try (default 2000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the mutations (default 1)")
    parser.add_argument("--runs", type=int, default=200,
                        help="accepted mutations to build with sanitizers and compare with tflite-micro (default 200)")
    parser.add_argument("--save", type=Path, help="write failing mutants into this folder, to reproduce them")
    parser.add_argument("--cache", type=Path, default=Path(".pytest_cache/d/tinykit-zoo"),
                        help="the zoo's converted models (shared with the tests)")
    args = parser.parse_args()
    outcomes = campaign(base_models(args.cache), args.count, args.seed, args.runs,
                        progress=lambda m: print(m, file=sys.stderr), save=args.save)
    print(summary(outcomes))
    sys.exit(1 if any(o.kind in FAILURES for o in outcomes) else 0)


if __name__ == "__main__":
    main()
