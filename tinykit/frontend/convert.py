"""Float Keras model or SavedModel -> fully int8 ``.tflite``, with a fidelity report.

tinykit's runtime executes int8 only, so conversion asks the TFLite converter
for full integer quantization: int8 weights (per channel for convolutions and
dense layers), int8 activations calibrated on representative samples, and int8
model input and output. The graph is traced with a batch of one, so that the
converted model holds no dynamic-shape ops (SHAPE, STRIDED_SLICE, PACK) that a
microcontroller runtime has no use for.

TensorFlow is imported inside the functions: importing it takes seconds, and
``tinykit --help`` must stay fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinykit.errors import TinykitError
from tinykit.optional import import_optional

RANDOM_CALIBRATION_SAMPLES = 64
RANDOM_CALIBRATION_SEED = 0
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


@dataclass(frozen=True)
class ConversionReport:
    """How closely the int8 model follows the float model on the calibration samples.

    ``top1_agreement`` is the fraction of samples whose arg-max class is the
    same in both models; it is ``None`` when the output is not a class vector
    (a single value, or an output shaped like the input, as an autoencoder's).
    ``mean_abs_error`` is over all output elements, in the output's real units;
    ``output_scale`` (one int8 step of the output) puts it in proportion.
    """

    samples: int
    top1_agreement: float | None
    mean_abs_error: float
    output_scale: float | None = None
    random_calibration: bool = False

    def render(self) -> str:
        lines = [f"int8 vs float on {self.samples} calibration samples:"]
        if self.top1_agreement is not None:
            lines.append(f"  top-1 agreement  {100 * self.top1_agreement:.1f} %")
        error = f"  mean abs error   {self.mean_abs_error:.6g}"
        if self.output_scale:
            error += f" ({self.mean_abs_error / self.output_scale:.2f} output steps of {self.output_scale:.6g})"
        lines.append(error)
        if self.random_calibration:
            lines.append("  (calibrated on random data: the int8 model's accuracy on real inputs may be much worse;"
                         " pass --data calib.npz with real samples)")
        return "\n".join(lines)


def input_quantization(calibration: np.ndarray) -> tuple[float, int]:
    """The int8 scale and zero point TF Lite's converter gives a model's input
    for these calibration samples: their range, widened to hold zero, over 255
    steps, and the zero point that puts the range's low end at -128.
    A model trained on inputs already rounded to this grid loses nothing more
    when its int8 version rounds them (``tests/test_convert.py`` checks this
    against the converter)."""
    values = np.asarray(calibration, dtype=np.float32)
    low, high = min(values.min(), np.float32(0)), max(values.max(), np.float32(0))
    if high == low:
        raise TinykitError("The calibration samples are all zero: int8 conversion needs samples with a range of values.")
    scale = float((high - low) / np.float32(255))  # float32 arithmetic, as the converter's
    zero_point = int(np.clip(np.floor(-128.0 - float(low) / scale + 0.5), -128, 127))
    return scale, zero_point


# ---------------------------------------------------------------------------
# TensorFlow, quietly
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def _native_output_captured() -> Iterator[Callable[[], str]]:
    """Send C-level stdout/stderr (TensorFlow's and MLIR's log lines) to a file.

    TensorFlow logs from C++ straight to file descriptors 1 and 2, bypassing
    Python, so only redirecting the descriptors keeps the CLI readable. The
    yielded function returns what was captured, to quote it in errors.
    """
    with tempfile.TemporaryFile(mode="w+b") as sink:
        saved = [os.dup(1), os.dup(2)]
        # Flush Python's buffers first so nothing printed earlier lands in the sink.
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)

        def captured() -> str:
            sink.seek(0)
            return sink.read().decode(errors="replace")

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield captured
        finally:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def quiet_tensorflow() -> Any:
    """Import TensorFlow with its start-up and converter logging turned down."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with _native_output_captured():
        tf = import_optional("tensorflow", "Converting a float model or training one")
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
        tf.get_logger().setLevel("ERROR")
    return tf


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def load_float_model(path: Path) -> Any:
    """Load a float model: a Keras ``.keras``/``.h5`` file (-> ``keras.Model``) or a SavedModel folder.

    A SavedModel comes back as the ``tf.saved_model.load`` handle.
    """
    path = Path(path)
    if not path.exists():
        raise TinykitError(
            f"Model {path} does not exist. Give the path of a Keras model file (.keras or .h5) or of a "
            "SavedModel folder (the one holding saved_model.pb)."
        )
    if path.suffix == ".tflite":
        raise TinykitError(
            f"{path} is already a TensorFlow Lite model; conversion needs the float model it came from. "
            "If it is fully int8, pass it to `tinykit build` directly."
        )
    tf = quiet_tensorflow()
    if path.is_dir():
        if not (path / "saved_model.pb").exists():
            raise TinykitError(
                f"Folder {path} is not a SavedModel (it has no saved_model.pb). Give a SavedModel folder, "
                "or a Keras model file (.keras or .h5) saved with model.save()."
            )
        with _native_output_captured() as captured:
            try:
                return tf.saved_model.load(str(path))
            except Exception as error:  # TF raises many types for a corrupt SavedModel
                failure, log = error, captured()
        raise TinykitError(
            f"TensorFlow could not load the SavedModel in {path}: {_sentence(failure)} {_log_tail(log)}"
            "Re-export it with model.export() (Keras 3) or tf.saved_model.save()."
        )
    if path.suffix not in KERAS_SUFFIXES:
        raise TinykitError(
            f"{path} is not a model tinykit can read (suffix {path.suffix or 'none'}). Give a Keras model file "
            f"({', '.join(KERAS_SUFFIXES)}) or a SavedModel folder."
        )
    import keras

    with _native_output_captured() as captured:
        try:
            return keras.models.load_model(path, compile=False)
        except Exception as error:  # Keras raises ValueError, OSError, zipfile errors, ...
            failure, log = error, captured()
    raise TinykitError(
        f"Keras could not load {path}: {_sentence(failure)} {_log_tail(log)}The file may be damaged or not a Keras "
        "model; save the model again with model.save('model.keras')."
    )


def _sentence(error: Exception) -> str:
    """An exception's message ending in exactly one full stop."""
    return str(error).strip().rstrip(".") + "."


def _log_tail(log: str, lines: int = 5) -> str:
    tail = [line for line in log.strip().splitlines() if line.strip()][-lines:]
    return ("TensorFlow said:\n  " + "\n  ".join(tail) + "\n") if tail else ""


def load_calibration(npz: Path, input_shape: tuple[int | None, ...]) -> np.ndarray:
    """Calibration samples from an ``.npz`` holding one array shaped (N, *input_shape).

    ``input_shape`` may include the batch dimension (a leading None or 1) or
    not. Numeric data is returned as float32, shaped (N, *input_shape without batch).
    """
    npz = Path(npz)
    fix = (
        f"Save the samples as one float array shaped (N, {', '.join(str(d) for d in _sample_shape(input_shape))}), "
        "e.g. numpy.savez('calib.npz', x=samples)."
    )
    if not npz.is_file():
        raise TinykitError(f"Calibration file {npz} does not exist. {fix}")
    try:
        with np.load(npz, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except Exception as error:  # zipfile.BadZipFile, ValueError (pickled objects), OSError
        raise TinykitError(f"Calibration file {npz} is not a readable .npz archive ({error}). {fix}") from error
    if len(arrays) != 1:
        names = ", ".join(arrays) or "none"
        raise TinykitError(
            f"Calibration file {npz} holds {len(arrays)} arrays ({names}); tinykit needs exactly one, "
            f"the input samples. {fix}"
        )
    (name, data), = arrays.items()
    if data.dtype.kind not in "fiu":
        raise TinykitError(f"Calibration array {name!r} in {npz} has dtype {data.dtype}, not a real number type. {fix}")
    if data.size == 0 or data.ndim == 0:
        raise TinykitError(f"Calibration array {name!r} in {npz} is empty (shape {data.shape}). {fix}")
    expected = _sample_shape(input_shape)
    # A shape given with an explicit batch of one, (1, *sample), is accepted too.
    if tuple(data.shape[1:]) == expected[1:] and expected[:1] == (1,) and data.ndim == len(expected):
        expected = expected[1:]
    if tuple(data.shape[1:]) != expected:
        raise TinykitError(
            f"Calibration array {name!r} in {npz} has shape {data.shape}, but the model takes samples of shape "
            f"{expected}, so the array must be (N, {', '.join(map(str, expected))}). {fix}"
        )
    data = data.astype(np.float32)
    if not np.all(np.isfinite(data)):
        raise TinykitError(f"Calibration array {name!r} in {npz} contains NaN or infinite values. {fix}")
    return data


def _sample_shape(input_shape: tuple[int | None, ...]) -> tuple[int, ...]:
    """One sample's shape: the model input shape without a leading batch dimension."""
    shape = tuple(input_shape)
    if shape and shape[0] is None:
        shape = shape[1:]
    if any(d is None for d in shape):
        raise TinykitError(
            f"The model's input shape {input_shape} has unknown dimensions besides the batch; tinykit needs "
            "fixed sizes. Rebuild the model with keras.Input(shape=(...)) giving every size."
        )
    return tuple(int(d) for d in shape)


# ---------------------------------------------------------------------------
# Tracing with a batch of one
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Traced:
    """The float model as a batch-1 concrete function, and what keeps its variables alive."""

    function: Any
    owner: Any
    sample_shape: tuple[int, ...]


def _trace_batch_one(model: Any, workdir: Path) -> _Traced:
    """Turn a Keras model or a loaded SavedModel into a function of one (1, *shape) float input."""
    tf = quiet_tensorflow()
    import keras

    if isinstance(model, keras.Model):
        # Keras 3 models are not tf.Modules; exporting them as a SavedModel is
        # the supported way to get traceable TensorFlow functions.
        export_dir = workdir / "saved_model"
        with _native_output_captured():
            model.export(str(export_dir), format="tf_saved_model", verbose=False)
            model = tf.saved_model.load(str(export_dir))
    signatures = getattr(model, "signatures", {})
    if "serving_default" not in signatures:
        raise TinykitError(
            "The SavedModel has no 'serving_default' signature, so tinykit cannot tell its input. Export it "
            "with model.export() (Keras 3) or tf.saved_model.save(module, path, signatures=...)."
        )
    signature = signatures["serving_default"]
    inputs = signature.structured_input_signature[1]
    outputs = signature.structured_outputs
    if len(inputs) != 1 or len(outputs) != 1:
        raise TinykitError(
            f"The model has {len(inputs)} inputs and {len(outputs)} outputs; tinykit converts models with "
            "exactly one input and one output. Split the model, or wrap it so that it takes and returns one tensor."
        )
    (input_name, spec), = inputs.items()
    (output_name,) = outputs
    if spec.dtype != tf.float32:
        raise TinykitError(f"The model input is {spec.dtype.name}, not float32; tinykit converts float models.")
    sample_shape = _sample_shape(tuple(spec.shape.as_list()))

    def batch_one(x: Any) -> Any:
        return signature(**{input_name: x})[output_name]

    function = tf.function(batch_one).get_concrete_function(tf.TensorSpec((1, *sample_shape), tf.float32))
    return _Traced(function=function, owner=model, sample_shape=sample_shape)


def model_input_shape(model_path: Path) -> tuple[int, ...]:
    """One sample's shape for the model at ``model_path`` (without batch), for reading calibration data."""
    import keras

    model = load_float_model(model_path)
    if isinstance(model, keras.Model) and len(model.inputs) == 1:
        # A Keras model knows its input shape; only a SavedModel needs tracing.
        return _sample_shape(tuple(model.inputs[0].shape))
    with tempfile.TemporaryDirectory(prefix="tinykit-convert-") as workdir:
        return _trace_batch_one(model, Path(workdir)).sample_shape


# ---------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------


def convert_to_int8(model_path: Path, calibration: np.ndarray | Path | None, out_path: Path,
                    random_calibration: bool = False) -> ConversionReport:
    """Convert the float model at ``model_path`` to a fully int8 ``.tflite`` written to ``out_path``.

    ``calibration`` holds representative inputs (N, *sample_shape), or names
    the ``.npz`` file holding them (read with ``load_calibration`` against the
    model's own input shape, so the model is loaded once); with
    ``random_calibration`` and no data, seeded standard-normal samples stand
    in for them.
    """
    if calibration is None and not random_calibration:
        raise TinykitError(
            "Full int8 quantization needs calibration samples to choose activation ranges. Pass "
            "`--data calib.npz` (an .npz holding one array of input samples, shaped (N, *input_shape)), "
            "or `--calibration random` to calibrate on random data (fine for benchmarking, poor for accuracy)."
        )
    tf = quiet_tensorflow()
    model = load_float_model(model_path)
    with tempfile.TemporaryDirectory(prefix="tinykit-convert-") as workdir:
        traced = _trace_batch_one(model, Path(workdir))
        if isinstance(calibration, Path):
            calibration = load_calibration(calibration, traced.sample_shape)
        used_random_data = calibration is None
        if used_random_data:
            rng = np.random.default_rng(RANDOM_CALIBRATION_SEED)
            calibration = rng.standard_normal((RANDOM_CALIBRATION_SAMPLES, *traced.sample_shape)).astype(np.float32)
        calibration = np.asarray(calibration, dtype=np.float32)
        if calibration.ndim == 0 or tuple(calibration.shape[1:]) != traced.sample_shape or len(calibration) == 0:
            raise TinykitError(
                f"Calibration data has shape {calibration.shape}, but the model takes samples of shape "
                f"{traced.sample_shape}: give an array shaped (N, {', '.join(map(str, traced.sample_shape))}) "
                "with N >= 1."
            )

        def representative_dataset() -> Iterator[list[np.ndarray]]:
            for sample in calibration:
                yield [sample[np.newaxis]]

        converter = tf.lite.TFLiteConverter.from_concrete_functions([traced.function], traced.owner)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative_dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        with _native_output_captured() as captured:
            try:
                flatbuffer = converter.convert()
            except Exception as error:  # ConverterError, RuntimeError, ValueError from calibration
                failure, log = error, captured()
            else:
                failure = None
        if failure is not None:
            raise TinykitError(
                f"The TFLite converter could not quantize the model to int8: {_sentence(failure)} {_log_tail(log)}"
                "Usually a layer has no int8 TFLite builtin (e.g. custom layers); replace it with "
                "standard Conv/Dense/Pool/Add layers. An LSTM converts to int8 from tf-keras with a fixed batch "
                "(see the README's Supported ops), with TensorFlow's TFLiteConverter; give tinykit that .tflite."
            )
        float_outputs = np.stack([traced.function(sample[np.newaxis]).numpy() for sample in calibration])
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(flatbuffer)
    _refuse_what_tflite_aborts_on(flatbuffer, out_path)
    int8_outputs, output_scale = _run_int8(tf, flatbuffer, calibration)
    return ConversionReport(
        samples=len(calibration),
        top1_agreement=_top1_agreement(float_outputs, int8_outputs, traced.sample_shape),
        mean_abs_error=float(np.mean(np.abs(float_outputs - int8_outputs))),
        output_scale=output_scale,
        random_calibration=used_random_data,
    )


def _refuse_what_tflite_aborts_on(flatbuffer: bytes, path: Path) -> None:
    """TF Lite's interpreter (run next, for the accuracy report) aborts the
    process on a SOFTMAX whose input scale is too small; reading the model
    runs tinykit.legality, which refuses it (and anything else tinykit would
    refuse later) with the reason instead."""
    from tinykit.frontend.tflite_reader import parse_tflite

    parse_tflite(flatbuffer, source=str(path))


def _run_int8(tf: Any, flatbuffer: bytes, samples: np.ndarray) -> tuple[np.ndarray, float]:
    """Outputs of the int8 model (dequantized) for each float sample, and the output scale."""
    # The reference kernels (not XNNPACK) are the ones tflite-micro's follow. TensorFlow's
    # reference resolver lacks some op versions its own converter writes (DEPTH_TO_SPACE
    # version 2): the builtin kernels, without delegates, estimate the accuracy as well.
    with _native_output_captured():
        try:
            interpreter = tf.lite.Interpreter(
                model_content=flatbuffer, experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
        except ValueError:
            interpreter = tf.lite.Interpreter(
                model_content=flatbuffer,
                experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
        interpreter.allocate_tensors()
        (inp,) = interpreter.get_input_details()
        (out,) = interpreter.get_output_details()
        in_scale, in_zero = inp["quantization"]
        out_scale, out_zero = out["quantization"]
        results = []
        for sample in samples:
            q = np.clip(np.round(sample[np.newaxis] / in_scale) + in_zero, -128, 127).astype(np.int8)
            interpreter.set_tensor(inp["index"], q)
            interpreter.invoke()
            results.append((interpreter.get_tensor(out["index"]).astype(np.float32) - out_zero) * out_scale)
    return np.stack(results), float(out_scale)


def _top1_agreement(float_outputs: np.ndarray, int8_outputs: np.ndarray,
                    sample_shape: tuple[int, ...]) -> float | None:
    """Fraction of samples with the same arg-max, or None when the output is not a class vector.

    Outputs are stacked as (N, 1, *output_shape). A class vector has at least
    two entries and a shape unlike the input's (which would make it a
    reconstruction, as an autoencoder's).
    """
    per_sample = float_outputs.shape[2:]
    if len(per_sample) != 1 or per_sample[0] < 2 or per_sample == sample_shape:
        return None
    same = np.argmax(float_outputs, axis=-1) == np.argmax(int8_outputs, axis=-1)
    return float(np.mean(same))
