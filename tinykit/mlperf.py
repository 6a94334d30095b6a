"""MLPerf Tiny: which benchmark a model answers for, and how the firmware
prints its results line for that benchmark.

MLPerf Tiny's runner picks its test by the id the board reports in
`m-model-[...]` and scores the numbers in `m-results-[...]`, which each
benchmark's reference firmware prints in its own way:

- kws01 (keyword spotting): every output dequantized, printed with three
  decimals cut (not rounded) off one by one: "0.<x*10><x*100 % 10><x*1000 % 10>";
- vww01 (visual wake words) and ic01 (image classification): every output
  dequantized and printed as C's "%0.3f" does (rounded to three decimals);
- ad01 (anomaly detection): one score, the mean squared error between the
  dequantized output and the input, printed as "%0.3f";
- strww01 (streaming wake word): no results line is scored; the raw form stays.

kws01's runner sends 49 x 10 int8 MFCCs (490 bytes) to every device. A model
that takes fewer frames or coefficients (a searched input resolution) answers
kws01 when the id is given: the firmware keeps the 490 bytes as loaded and
copies the model's crop of them (the first frames, the first coefficients of
each; tinykit.kws.features.crop_features) into its input (``InputCrop``).

The firmware does no float arithmetic for this: the build computes, for
every int8 value an output can hold, the number the reference would print
(in thousandths), and for ad01 the integer coefficients of the error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from tinykit.errors import TinykitError
from tinykit.ir import DType, Graph, Tensor

TRUNCATED = "truncated"  # kws01's digit-by-digit cut
ROUNDED = "rounded"  # "%0.3f"
MSE = "mse"  # ad01's single score
RAW = "raw"  # the int8 outputs as integers


@dataclass(frozen=True)
class Benchmark:
    id: str
    task: str
    results: str  # TRUNCATED, ROUNDED, MSE or RAW
    input_dims: tuple[int, ...] | None  # the reference model's input extents other than 1; None: never inferred
    output_elements: int | None
    # The input is the keyword-spotting front end's features: a model may take the first frames and coefficients.
    features: bool = False


BENCHMARKS: dict[str, Benchmark] = {
    b.id: b
    for b in (
        Benchmark("kws01", "keyword spotting", TRUNCATED, (49, 10), 12, features=True),
        Benchmark("vww01", "visual wake words", ROUNDED, (96, 96, 3), 2),
        Benchmark("ic01", "image classification", ROUNDED, (32, 32, 3), 10),
        Benchmark("ad01", "anomaly detection", MSE, (640,), 640),
        # Streaming: the reference model's input is one feature frame, too
        # generic a shape to recognise, so this id is only ever given.
        Benchmark("strww01", "streaming wake word", RAW, None, None),
    )
}

# The printed value must fit the firmware's int32 thousandths.
_MAX_MILLI = 2**31 - 1
# ad01's error is Σ(c · sum) over three int64 products; they stay below this.
_MSE_PRODUCT_LIMIT = 2**62


@dataclass(frozen=True)
class InputCrop:
    """The input the runner sends, ``sent`` rows x columns (kws01: 49 x 10), of which the model takes the first
    ``kept`` rows and columns; the profiler firmware keeps what was loaded and copies the crop into the model's
    input at every inference (firmware/apps/profiler/model_io.c)."""

    sent: tuple[int, int]
    kept: tuple[int, int]

    @property
    def sent_bytes(self) -> int:
        """What the profiler keeps of a load (int8 values)."""
        return self.sent[0] * self.sent[1]

    def sent_shape(self, tensor: Tensor) -> tuple[int, ...]:
        """The model input's shape with the sent rows and columns (1 x 49 x 10 x 1 for 1 x 41 x 10 x 1)."""
        return (tensor.shape[0], *self.sent, *tensor.shape[3:])

    def keep(self, sent: np.ndarray) -> np.ndarray:
        """The model's input from a sent one (the sent shape): the same rule as the features' crop."""
        from tinykit.kws.features import crop_features

        return np.ascontiguousarray(crop_features(sent, self.kept))

    def pad(self, kept: np.ndarray) -> np.ndarray:
        """A sent input whose crop is ``kept`` (the rest zeros): how a model's own input reaches such a build."""
        sent = np.zeros((kept.shape[0], *self.sent, *kept.shape[3:]), dtype=kept.dtype)
        sent[:, :self.kept[0], :self.kept[1]] = kept
        return sent

    def to_json(self) -> dict:
        return {"sent": list(self.sent), "kept": list(self.kept)}

    @staticmethod
    def from_handoff(mlperf: dict) -> InputCrop | None:
        """The crop a build's tinykit.json records under "mlperf" (None: the model takes the input as sent)."""
        crop = mlperf.get("input_crop")
        return None if crop is None else InputCrop(tuple(crop["sent"]), tuple(crop["kept"]))


@dataclass(frozen=True)
class MlperfSetting:
    """The benchmark a build answers for (None: none), whether it was inferred, and the crop of the sent input
    the model takes (None: all of it)."""

    benchmark: Benchmark | None
    inferred: bool
    input_crop: InputCrop | None = None

    @property
    def id(self) -> str | None:
        return self.benchmark.id if self.benchmark is not None else None

    @property
    def results(self) -> str:
        return self.benchmark.results if self.benchmark is not None else RAW

    def describe(self, graph: Graph) -> str:
        """One line for the build's output."""
        if self.benchmark is None:
            return (
                "MLPerf Tiny id: none (not one of the reference models' shapes); the firmware reports the build name "
                "and prints raw int8 results; --mlperf-id sets one"
            )
        how = (
            f"inferred from {_signature(graph)}, the shapes of MLPerf Tiny's {self.benchmark.task} reference model; "
            "--mlperf-id sets another"
            if self.inferred
            else "given with --mlperf-id"
        )
        line = f"MLPerf Tiny id: {self.benchmark.id} ({how}); m-results prints {_RESULTS_TEXT[self.results]}"
        if self.input_crop is not None:
            (rows, columns), (kept_rows, kept_columns) = self.input_crop.sent, self.input_crop.kept
            line += (f"; the runner's {rows}x{columns} input is cropped on the device to the first {kept_rows} "
                     f"frames and {kept_columns} coefficients the model takes")
        return line

    def to_json(self) -> dict:
        crop = {} if self.input_crop is None else {"input_crop": self.input_crop.to_json()}
        return {"id": self.id, "inferred": self.inferred, "results": self.results, **crop}


_RESULTS_TEXT = {
    TRUNCATED: "the dequantized outputs cut to three decimals, as the reference kws01 firmware does",
    ROUNDED: "the dequantized outputs rounded to three decimals (%0.3f), as the reference firmware does",
    MSE: "one anomaly score, the mean squared error between the dequantized output and input (%0.3f)",
    RAW: "the raw int8 outputs",
}


def _signature(graph: Graph) -> str:
    parts = ["x".join(map(str, t.shape)) + f" {t.dtype.value}" for t in graph.inputs]
    return f"input {', '.join(parts)} and {sum(t.size for t in graph.outputs)} output values"


def _dims(tensor: Tensor) -> tuple[int, ...]:
    return tuple(d for d in tensor.shape if d != 1)


def infer_benchmark(graph: Graph) -> Benchmark | None:
    """The benchmark whose reference model has this model's int8 input and output shapes."""
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        return None
    (x,), (y,) = graph.inputs, graph.outputs
    if x.dtype != DType.INT8 or y.dtype != DType.INT8:
        return None
    for benchmark in BENCHMARKS.values():
        if benchmark.input_dims == _dims(x) and benchmark.output_elements == y.size:
            return benchmark
    return None


def resolve(graph: Graph, requested: str | None) -> MlperfSetting:
    """The id given with --mlperf-id (checked against the model), else the one its shapes imply."""
    if requested is None:
        benchmark = infer_benchmark(graph)
        return MlperfSetting(benchmark, benchmark is not None)
    benchmark = BENCHMARKS.get(requested)
    if benchmark is None:
        raise TinykitError(
            f"--mlperf-id {requested!r} is not an MLPerf Tiny benchmark id; MLPerf Tiny's runner knows "
            f"{', '.join(BENCHMARKS)}. Leave it out to report the build name and print raw results."
        )
    _check_fits(graph, benchmark)
    return MlperfSetting(benchmark, False, _input_crop(graph, benchmark))


def _input_crop(graph: Graph, benchmark: Benchmark) -> InputCrop | None:
    """kws01 given for a model that takes a crop of the 49 x 10 features: that crop. A model of another input
    (not 49 x 10 and no crop of it) is refused, since the runner's 490 bytes could not be its input."""
    if not benchmark.features:
        return None
    from tinykit.kws.features import feature_resolution

    (x,) = graph.inputs
    if x.size == math.prod(benchmark.input_dims):
        return None  # the 490 bytes are the input as they arrive, whatever its layout (as before crops)
    kept = feature_resolution(x.shape, f"--mlperf-id {benchmark.id}: MLPerf Tiny's runner sends "
                                        f"{'x'.join(map(str, benchmark.input_dims))} int8 features, but this model")
    return InputCrop(benchmark.input_dims, kept)


def _check_fits(graph: Graph, benchmark: Benchmark) -> None:
    if benchmark.results == RAW:
        return
    what = f"--mlperf-id {benchmark.id} prints {_RESULTS_TEXT[benchmark.results]}"
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise TinykitError(f"{what}, which needs one input and one output; this model has {len(graph.inputs)} and {len(graph.outputs)}.")
    (x,), (y,) = graph.inputs, graph.outputs
    for role, tensor in (("input", x), ("output", y)):
        if tensor.dtype != DType.INT8 or tensor.quant is None or tensor.quant.per_channel:
            raise TinykitError(f"{what}, which needs an int8 {role} with one scale; {role} {tensor.name!r} is {tensor.dtype.value}.")
    if benchmark.results == MSE and x.size != y.size:
        raise TinykitError(f"{what}, which needs as many output values as input values; this model has {x.size} in and {y.size} out.")


def _float32_value(q: int, scale: float, zero_point: int) -> np.float32:
    """The reference's DequantizeInt8ToFloat: (q - zero_point) * scale in float32."""
    return np.float32(q - zero_point) * np.float32(scale)


def _truncated_milli(value: np.float32) -> int:
    """What kws01's "0.%d%d%d" (x*10, x*100 % 10, x*1000 % 10, float32 products
    cut toward zero) shows, in thousandths. Outside [0, 1) (never the case for
    a softmax output) the reference's digits mean nothing; the value cut to
    thousandths is printed instead."""
    digits = [int(value * np.float32(10**k)) for k in (1, 2, 3)]
    if 0 <= value < 1 and digits[0] <= 9:
        return digits[0] * 100 + (digits[1] % 10) * 10 + digits[2] % 10
    return int(value * np.float32(1000))


def _rounded_milli(value: np.float32) -> int:
    """What C's "%0.3f" shows (the float32 value, correctly rounded), in thousandths."""
    return int(Decimal(f"{float(value):.3f}") * 1000)


def milli_table(setting: MlperfSetting, graph: Graph) -> list[int] | None:
    """For TRUNCATED and ROUNDED results: the printed value of each output
    q = -128..127, in thousandths (index q + 128). None for other forms."""
    if setting.results not in (TRUNCATED, ROUNDED):
        return None
    (y,) = graph.outputs
    to_milli = _truncated_milli if setting.results == TRUNCATED else _rounded_milli
    table = [to_milli(_float32_value(q, y.quant.scale[0], y.quant.zero_point[0])) for q in range(-128, 128)]
    if max(abs(v) for v in table) > _MAX_MILLI:
        raise TinykitError(
            f"output {y.name!r} has scale {y.quant.scale[0]:g}: its values reach beyond what the firmware prints "
            f"(±{_MAX_MILLI / 1000:,.3f}); --mlperf-id {setting.id} expects probabilities."
        )
    return table


@dataclass(frozen=True)
class MseCoefficients:
    """ad01's score in thousandths, from three integer sums over the values
    a = q_out - output zero point and b = q_in - input zero point:
        score = (out_out·Σa² + out_in·Σab + in_in·Σb²) / 2^shift
    (the mean of (scale_out·a - scale_in·b)², times 1000, as integers)."""

    output_zero_point: int
    input_zero_point: int
    out_out: int
    out_in: int
    in_in: int
    shift: int


def mse_coefficients(setting: MlperfSetting, graph: Graph) -> MseCoefficients | None:
    if setting.results != MSE:
        return None
    (x,), (y,) = graph.inputs, graph.outputs
    s_out, s_in = Fraction(y.quant.scale[0]), Fraction(x.quant.scale[0])
    n = y.size
    exact = (s_out * s_out * 1000 / n, -2 * s_out * s_in * 1000 / n, s_in * s_in * 1000 / n)
    largest_sum = n * 255 * 255  # |q - zero_point| <= 255
    for shift in range(48, -1, -1):
        coefficients = [round(c * 2**shift) for c in exact]
        if sum(abs(c) for c in coefficients) * largest_sum < _MSE_PRODUCT_LIMIT:
            break
    if shift < 16:
        raise TinykitError(
            f"--mlperf-id {setting.id}: the scales of input {x.name!r} ({float(s_in):g}) and output {y.name!r} "
            f"({float(s_out):g}) are too large for the firmware's fixed-point anomaly score."
        )
    return MseCoefficients(y.quant.zero_point[0], x.quant.zero_point[0], *coefficients, shift)
