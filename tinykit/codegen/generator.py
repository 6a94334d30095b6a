"""Turn a scheduled, planned Graph into C: model.h, model.c and model_weights.c.

The generator owns naming and layout (arena offsets, constant arrays, the
model API); what each op's kernel call looks like is up to its emitter in
``tinykit/codegen/ops/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np

import tinykit
from tinykit.codegen import ops as _register_emitters  # noqa: F401  (fills EMITTERS)
from tinykit.codegen.c_layout import POINTER_BYTES, struct_bytes
from tinykit.codegen.emit import EMITTERS, c_float
from tinykit.codegen.patches import PATCH_STAGE_FUNCTION, emit_patch_stage
from tinykit.codegen.runtime import MLPERF_SOURCES
from tinykit.errors import TinykitError
from tinykit.ir import DType, Graph, Op, Tensor
from tinykit.mlperf import MlperfSetting, MseCoefficients, milli_table, mse_coefficients
from tinykit.planner import MemoryPlan
from tinykit.schedule import OpSchedule, Schedule

_CTYPES = {DType.INT8: "int8_t", DType.INT16: "int16_t", DType.INT32: "int32_t", DType.UINT8: "uint8_t", DType.FLOAT32: "float"}
_NUMPY_OF_CTYPE = {"int8_t": np.int8, "int16_t": np.int16, "int32_t": np.int32, "uint8_t": np.uint8, "uint16_t": np.uint16,
                   "float": np.float32}
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("tinykit.codegen", "templates"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


# Every constant array is 16-byte aligned and padded with zeros to a multiple of 16 bytes, so the arrays lie
# end to end whatever order the compiler gives them: their section is exactly the sum of their sizes.
ARRAY_ALIGNMENT = 16


def round_up(value: int, alignment: int) -> int:
    return -(-value // alignment) * alignment


@dataclass(frozen=True)
class ConstArray:
    name: str
    ctype: str
    values: np.ndarray
    comment: str

    @property
    def length(self) -> int:
        """Elements as declared: the values, then zeros up to a multiple of ``ARRAY_ALIGNMENT`` bytes."""
        return round_up(self.values.size * self.values.itemsize, ARRAY_ALIGNMENT) // self.values.itemsize

    @property
    def nbytes(self) -> int:
        return int(self.length * self.values.itemsize)

    def body(self) -> str:
        flat = self.values.reshape(-1)
        if self.ctype == "float":
            items = [c_float(v) for v in flat]
        else:
            items = [str(int(v)) for v in flat]
        per_line = 16
        return "\n".join("    " + ", ".join(items[i : i + per_line]) + "," for i in range(0, len(items), per_line))


@dataclass(frozen=True)
class ConstStruct:
    ctype: str
    name: str
    initializer: str


def _split_arguments(text: str) -> list[str]:
    """C arguments joined by commas, one by one (commas inside parentheses stay)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in "([{") - (char in ")]}")
        if char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def _identifier(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]", "_", text).strip("_").lower() or "c"


class _Context:
    """The generator's side of ``EmitContext`` for one model."""

    def __init__(self, plan: MemoryPlan, schedule: Schedule) -> None:
        self.plan = plan
        self.schedule = schedule
        self.arrays: list[ConstArray] = []
        self.structs: list[ConstStruct] = []
        self._struct_names: dict[tuple[str, str], str] = {}
        self._weight_names: dict[int, str] = {}
        self._used_names: set[str] = set()
        self.current_op: Op | None = None
        self.kernel: OpSchedule | None = None
        self._context_fields: dict[str, str] = {}
        # A patch stage's calls (tinykit/codegen/patches.py): C pointers of its patch tensors
        # (by their negative indices), the padding of each patch op, and the constants
        # already written for each op (every patch of an op shares them; equal structs are shared by all ops).
        self.pointers: dict[int, str] = {}
        self.paddings: dict[int, tuple[int, int]] = {}
        self._shared: dict[tuple, str] = {}
        self.last_call: tuple[str, str, list[str]] | None = None

    def begin(self, op: Op) -> None:
        """Start emitting ``op``: its kernel and a static ``tk_context`` for its scratch area."""
        self.current_op = op
        self.kernel = self.schedule.op(op)
        offset = self.plan.scratch_offset(op)
        if (offset is None) != (self.kernel.scratch_bytes == 0):
            raise RuntimeError(f"the plan and the schedule disagree on op {op.index}'s scratch area")
        self._context_fields = {
            "buf": "NULL" if offset is None else f"tk_arena + {offset}",
            "size": str(self.kernel.scratch_bytes),
        }

    @property
    def kernel_context(self) -> str:
        # Made when the emitter first calls its kernel (struct() gives the
        # same object every time): an op that calls none leaves no unused
        # constant behind, which -Werror would refuse.
        return self.struct("tk_context", "context", self._context_fields)

    def call(self, *arguments: str) -> str:
        expression = f"{self.kernel.kernel}({', '.join((self.kernel_context, *arguments))})"
        # The op's row of the op table (model.c.j2): its kernel's adapter and each argument on its own.
        self.last_call = (expression, self.kernel.kernel, _split_arguments(", ".join((self.kernel_context, *arguments))))
        return expression

    def _unique(self, base: str) -> str:
        name, n = base, 1
        while name in self._used_names:
            n += 1
            name = f"{base}_{n}"
        self._used_names.add(name)
        return name

    def _prefix(self) -> str:
        return f"tk_op{self.current_op.index}_" if self.current_op is not None else "tk_"

    def window_padding(self, op: Op, layer_padding: tuple[int, int]) -> tuple[int, int]:
        return self.paddings.get(id(op), layer_padding)

    def tensor(self, tensor: Tensor) -> str:
        if tensor.index in self.pointers:
            return self.pointers[tensor.index]
        ctype = _CTYPES.get(tensor.dtype)
        if ctype is None:
            raise TinykitError(f"tensor {tensor.name!r} has type {tensor.dtype.value}, which the code generator cannot place.")
        if tensor.variable:
            return f"tk_state{tensor.index}"
        if tensor.is_constant:
            if tensor.index not in self._weight_names:
                name = self._unique(f"tk_tensor{tensor.index}")
                self._weight_names[tensor.index] = name
                self.arrays.append(ConstArray(name, ctype, tensor.array(), f"tensor {tensor.index}: {tensor.name}, {list(tensor.shape)}"))
            return self._weight_names[tensor.index]
        return f"(({ctype} *)(tk_arena + {self.plan.tensor_offset(tensor)}))"

    def constant(self, hint: str, values: np.ndarray, ctype: str) -> str:
        if ctype not in _NUMPY_OF_CTYPE:
            raise ValueError(f"unsupported constant type {ctype}")
        array = np.ascontiguousarray(values, dtype=_NUMPY_OF_CTYPE[ctype])
        key = ("constant", self.current_op.index if self.current_op else None, hint, ctype, array.shape, array.tobytes())
        if key in self._shared:
            return self._shared[key]
        name = self._unique(self._prefix() + _identifier(hint))
        self._shared[key] = name
        what = f"op {self.current_op.index} ({self.current_op.kind.value}) {hint}" if self.current_op else hint
        self.arrays.append(ConstArray(name, ctype, array, what))
        return name

    def struct(self, ctype: str, hint: str, fields: dict[str, str]) -> str:
        initializer = "{" + ", ".join(f".{k} = {v}" for k, v in fields.items()) + "}"
        # Ops with equal constants (the dims and parameters of a network's
        # repeated blocks) share one object, so flash holds each value once.
        name = self._struct_names.get((ctype, initializer))
        if name is None:
            name = self._unique(self._prefix() + _identifier(hint))
            self._struct_names[(ctype, initializer)] = name
            self.structs.append(ConstStruct(ctype, name, initializer))
        return f"&{name}"


@dataclass(frozen=True)
class GeneratedSources:
    """The three generated files, by file name."""

    files: dict[str, str]
    weights_bytes: int

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            (folder / name).write_text(text)


def _io_entries(role: str, tensors: tuple[Tensor, ...], plan: MemoryPlan) -> list[dict]:
    entries = []
    for position, t in enumerate(tensors):
        scale = t.quant.scale[0] if t.quant is not None and not t.quant.per_channel else None
        entries.append({
            "role": role, "position": position, "name": t.name, "dtype": t.dtype.value, "shape": list(t.shape),
            "bytes": t.nbytes, "offset": plan.tensor_offset(t),
            "scale": scale, "scale_c": c_float(scale) if scale is not None else "",
            "scale_text": f"{scale:.9g}" if scale is not None else "",
            "zero_point": t.quant.zero_point[0] if t.quant is not None else 0,
        })
    return entries


def _state_entry(tensor: Tensor) -> dict:
    """A variable tensor as a static array, initialized as tflite-micro resets variable tensors when it
    allocates them: int8 to its zero point, anything else to 0."""
    fill = tensor.quant.zero_point[0] if tensor.dtype is DType.INT8 and tensor.quant is not None else 0
    return {"ctype": _CTYPES[tensor.dtype], "name": f"tk_state{tensor.index}", "length": tensor.size,
            "fill": fill, "comment": f"tensor {tensor.index}: {tensor.name}, {list(tensor.shape)}"}


def _milli_steps(milli: list[int] | None) -> dict | None:
    """The MLPerf results table as the firmware stores it: the value of
    q = -128, then each of the 255 steps between neighbours as the smallest
    step plus an extra of ``bits`` bits (1, 2, 4, ... 32, so no extra
    straddles two words), packed into 32-bit words. A probability's steps
    differ by one thousandth at most: 1 bit each, 32 bytes for the table."""
    if milli is None:
        return None
    steps = [b - a for a, b in zip(milli, milli[1:])]
    low = min(steps)
    extras = [(step - low) % 2**32 for step in steps]  # the firmware sums modulo 2^32
    bits = next(b for b in (1, 2, 4, 8, 16, 32) if max(extras) < 2**b)
    words = [0] * -(-len(extras) * bits // 32)
    for i, extra in enumerate(extras):
        words[i * bits // 32] |= extra << (i * bits % 32)
    return {"first": milli[0], "step": low, "bits": bits, "mask": f"0x{2**bits - 1:x}u",
            "words": [f"0x{word:08x}u" for word in words]}


def _words(value: int) -> str:
    """A 64-bit two's complement value as the C initializer of its two words, low first."""
    word = value % 2**64
    return f"0x{word % 2**32:08x}u, 0x{word >> 32:08x}u"


def _results_entry(emitted: EmittedModel) -> dict | None:
    """The template's view of the MLPerf results' coefficients struct."""
    if emitted.results_struct is None:
        return None
    mse = emitted.mse
    words = {"out_out": _words(mse.out_out), "out_in": _words(mse.out_in), "in_in": _words(mse.in_in)} if mse else None
    return {"ctype": emitted.results_struct, "bytes": struct_bytes(emitted.results_struct), "mse": mse, "words": words}


# The runtime source of each MLPerf results' coefficients struct (tinykit/model_data.h's tk_mlperf_fn).
MLPERF_RESULTS_SOURCES = dict(zip(("tk_mlperf_milli_table", "tk_mlperf_mse"), MLPERF_SOURCES, strict=True))
NOP_INVOKE = "tk_nop_invoke"  # tinykit/model_data.h: the entry of an op that calls no kernel
PATCH_STAGE_INVOKE = "tk_patch_stage_invoke"  # model.c.j2's adapter of the patch stage's function
BUILD_HASH_CHARS = 16  # tinykit.handoff.build_hash
NAME_CAPACITY = 32  # TK_MODEL_NAME_CAPACITY of tinykit/model_data.h


def _c_name(name: str) -> str:
    """The model's name as the C string literal of its fixed-size field: cut to fit with its NUL."""
    cut = name.encode()[:NAME_CAPACITY - 1].decode(errors="ignore")
    return '"' + cut.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class EmittedModel:
    """Every op's kernel call and the constants they use, before any file is rendered:
    what decides the generated files' flash (``weights_bytes``: the constant arrays, ``data_bytes``:
    the rest of model.c's data)."""

    ctx: _Context
    op_entries: list[dict]
    patch_stage: object | None  # tinykit.codegen.patches' stage function, when the schedule has a patch stage
    milli: dict | None
    mse: MseCoefficients | None
    num_io: int  # inputs and outputs

    @property
    def results_struct(self) -> str | None:
        """The C struct of the MLPerf results' coefficients model.c holds, if its benchmark prints values
        in thousandths (tinykit/model_data.h)."""
        return "tk_mlperf_milli_table" if self.milli else "tk_mlperf_mse" if self.mse else None

    @property
    def results_source(self) -> str | None:
        """The runtime source that computes those values, which the image links through the model's data."""
        return MLPERF_RESULTS_SOURCES[self.results_struct] if self.results_struct else None

    @property
    def weights_bytes(self) -> int:
        return sum(a.nbytes for a in self.ctx.arrays)

    @property
    def data_bytes(self) -> int:
        """Bytes of model.c's section of data on Cortex-M (``.tk_model``, every object word-aligned and of whole
        words, so the section is their sum): parameter structs, each op's argument table and its row of the
        op table, the input and output tables and the MLPerf results table. (The name and the MLPerf id sit
        in the fixed-size ``tk_model_data``, the same bytes for every model.)"""
        structs = sum(struct_bytes(s.ctype) for s in self.ctx.structs)
        arguments = sum(POINTER_BYTES * len(e["arguments"]) for e in self.op_entries if e["arguments"])
        op_table = len(self.op_entries) * struct_bytes("tk_op_entry")
        io_tables = self.num_io * (POINTER_BYTES + 4)
        milli = 4 * len(self.milli["words"]) if self.milli else 0
        results = struct_bytes(self.results_struct) if self.results_struct else 0
        return structs + arguments + op_table + io_tables + milli + results


def emit_model(graph: Graph, schedule: Schedule, plan: MemoryPlan, mlperf: MlperfSetting) -> EmittedModel:
    """Run each op's emitter: the constant arrays (weights in the kernel's layout, requantization
    constants), structs and op table the files will hold. ``tinykit.latency.resources`` reads the
    weights' and the data's bytes from here, so its prediction is the generated files' own figure."""
    ctx = _Context(plan, schedule)
    op_entries = []
    patch_stage = None
    for op in graph.ops:
        emit = EMITTERS.get(op.kind)
        if emit is None:
            raise TinykitError(f"op {op.index} ({op.kind.value}) has no code emitter yet.")
        if schedule.in_patch_stage(op):
            if op.index == schedule.patches.first:
                patch_stage = emit_patch_stage(graph, schedule.patches, plan, ctx)
            ctx.begin(op)
            first = op.index == schedule.patches.first
            call = f"{PATCH_STAGE_FUNCTION}()" if first else f"TK_OK /* computed patch by patch in op {schedule.patches.first} */"
            invoke, arguments = (PATCH_STAGE_INVOKE if first else NOP_INVOKE), []
        else:
            ctx.begin(op)
            ctx.last_call = None
            call = emit(op, ctx)
            if call == "TK_OK":
                invoke, arguments = NOP_INVOKE, []
            elif ctx.last_call is not None and ctx.last_call[0] == call:
                invoke, arguments = f"{ctx.last_call[1]}_invoke", ctx.last_call[2]
            else:
                raise RuntimeError(f"op {op.index}'s emitter returned {call!r}, not its one kernel call (ctx.call)")
        op_entries.append({
            "index": op.index, "kind": op.kind.value, "shape": list(op.outputs[0].shape), "macs": op.macs(),
            "kernel": ctx.kernel.kernel, "variant": ctx.kernel.variant, "scratch": ctx.kernel.scratch_bytes, "call": call,
            "invoke": invoke, "arguments": arguments,
        })
    ctx.current_op = None
    return EmittedModel(ctx, op_entries, patch_stage, _milli_steps(milli_table(mlperf, graph)),
                        mse_coefficients(mlperf, graph), len(graph.inputs) + len(graph.outputs))


def generate(
    graph: Graph, schedule: Schedule, plan: MemoryPlan, source: str, build_hash: str, mlperf: MlperfSetting
) -> GeneratedSources:
    """Generate the C sources of a graph with its kernels (``schedule``) and
    memory plan; ``mlperf`` decides what the profiler firmware reports to
    MLPerf Tiny's runner."""
    emitted = emit_model(graph, schedule, plan, mlperf)
    ctx, op_entries, patch_stage = emitted.ctx, emitted.op_entries, emitted.patch_stage
    common = {"version": tinykit.__version__, "source": source, "milli": emitted.milli}
    weights_bytes = emitted.weights_bytes
    model_h = _TEMPLATES.get_template("model.h.j2").render(
        **common, name=graph.name, build_hash=build_hash, arena_bytes=plan.arena_bytes, state_bytes=graph.state_bytes,
        weights_bytes=weights_bytes, num_ops=len(graph.ops), mlperf=mlperf,
        inputs=_io_entries("input", graph.inputs, plan), outputs=_io_entries("output", graph.outputs, plan),
    )
    if len(build_hash) != BUILD_HASH_CHARS:
        raise ValueError(f"a build hash has {BUILD_HASH_CHARS} characters, not {build_hash!r}")
    model_c = _TEMPLATES.get_template("model.c.j2").render(
        **common, ops=op_entries, structs=[{"ctype": s.ctype, "name": s.name, "initializer": s.initializer,
                                            "bytes": struct_bytes(s.ctype)} for s in ctx.structs],
        patch_stage=patch_stage, states=[_state_entry(t) for t in graph.state],
        extern_decls=[f"extern const {a.ctype} {a.name}[{a.length}];" for a in ctx.arrays],
        adapters=sorted({e["invoke"] for e in op_entries} - {NOP_INVOKE, PATCH_STAGE_INVOKE}),
        inputs=_io_entries("input", graph.inputs, plan), outputs=_io_entries("output", graph.outputs, plan),
        name=_c_name(graph.name), build_hash=build_hash, mlperf_id=mlperf.id or "",
        results=_results_entry(emitted), pointer_bytes=POINTER_BYTES,
    )
    weights_c = _TEMPLATES.get_template("model_weights.c.j2").render(
        **common, total_bytes=weights_bytes,
        arrays=[{"ctype": a.ctype, "name": a.name, "length": a.length, "comment": a.comment, "body": a.body()} for a in ctx.arrays],
    )
    return GeneratedSources({"model.h": model_h, "model.c": model_c, "model_weights.c": weights_c}, weights_bytes)
