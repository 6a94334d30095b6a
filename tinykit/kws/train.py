"""Train the MLPerf Tiny DS-CNN keyword spotter on a Speech Commands folder, then quantize and evaluate it.

The output folder holds everything, so that a run can be interrupted and
resumed, and so that deployment needs nothing else::

    OUT/settings.json        the run's settings and the data set's fingerprint
    OUT/checkpoint/          the last finished epoch: model with optimizer state, and the loop's state
    OUT/model.keras          the float model: the weights of the epoch with the best validation accuracy
    OUT/calibration.npz      training features the int8 conversion calibrated on
    OUT/model.tflite         the int8 model (tinykit's converter)
    OUT/report.txt|json      float and int8 accuracy on the test split (and per voice), confusion matrices
    OUT/confusion.png        the confusion matrices drawn

Every epoch sees the training clips again with fresh augmentation (a random
speed, a random time shift, and background noise mixed in at a random volume,
as the Speech Commands training recipe does), computed by the same feature front end
the device runs (``tinykit.kws.features.mfcc``), then masked as SpecAugment
does; the loss smooths the labels. Training and validation features are
rounded to the int8 grid the converted model's input will have (the
converter's choice for the calibration samples, which are picked before
training starts), so the float model learns on the values the device feeds
the int8 model and quantization adds no input error of its own. Everything random in epoch
``e`` (augmentation, order, dropout) is drawn from ``(seed, e)``, so a resumed
run continues exactly as an uninterrupted one would, and the same seed gives
the same model.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinykit.errors import TinykitError
from tinykit.frontend.convert import input_quantization
from tinykit.jsonio import read_json, write_json
from tinykit.kws.confusion import render_text, write_png
from tinykit.kws.dataset import CLIP_SAMPLES, LABELS, SpeechCommands, load_speech_commands
from tinykit.kws.evaluate import measure, render_accuracy
from tinykit.kws.features import mfcc_clips, quantize
from tinykit.kws.progress import Bar, no_bar
from tinykit.kws.synth import clip_voices, refuse_festival_training
from tinykit.kws.wav import SAMPLE_RATE, resample

# The Speech Commands recipe's augmentation: shift by up to 100 ms, and mix
# background noise into 80% of the clips at up to a tenth of its volume.
# Speed perturbation (speech played up to 15% faster or slower, which moves
# its pitch too) is added, as speech recognisers train: it makes unseen
# voices less of a surprise.
SPEED_RANGE = (0.85, 1.15)
TIME_SHIFT_SAMPLES = CLIP_SAMPLES // 10
NOISE_PROBABILITY = 0.8
NOISE_VOLUME = 0.1
# SpecAugment (Park et al. 2019) on the MFCCs: a few short stretches of time
# and a band of coefficients replaced by the clip's average, so that no one
# moment or coefficient decides a word; an unseen voice blurs just those.
TIME_MASKS, TIME_MASK_FRAMES = 2, 4
COEFFICIENT_MASKS, COEFFICIENT_MASK_WIDTH = 1, 2
# Targets of 0.9 (and 0.1 shared by the other classes) instead of 1: a model
# less sure of the training voices is less wrongly sure of new ones.
LABEL_SMOOTHING = 0.1
CALIBRATION_SAMPLES = 200
# The MFCCs' first coefficient (log energy) sits far from zero, so batch-norm
# statistics that lag behind the weights mislead validation for hundreds of
# steps at Keras's default momentum (0.99); this one settles in a few dozen.
BATCH_NORM_MOMENTUM = 0.9
SETTINGS, CHECKPOINT = "settings.json", "checkpoint"


@dataclass(frozen=True)
class TrainSettings:
    """What determines a run; a resumed run must have the same."""

    data_fingerprint: str
    seed: int = 0
    # The cosine decay spans 60 epochs, so the rate stays higher for longer;
    # early stopping usually ends the README's run in the forties.
    epochs: int = 60
    patience: int = 8
    batch_size: int = 32
    learning_rate: float = 0.002
    width: int = 64
    blocks: int = 4
    # Train on features rounded to the int8 model's input grid (see the module's docstring).
    inputs_on_int8_grid: bool = True


@dataclass
class _LoopState:
    """The training loop between epochs (saved with the checkpoint)."""

    epochs_done: int = 0
    best_accuracy: float = -1.0
    best_epoch: int = 0
    history: list[dict[str, float]] | None = None


def data_fingerprint(root: Path) -> str:
    """A hash of the data set's list files and of every clip's path and size (cheap: no audio is read)."""
    digest = hashlib.sha256()
    for path in sorted(Path(root).rglob("*")):
        if path.is_file() and path.suffix in (".wav", ".txt"):
            digest.update(f"{path.relative_to(root).as_posix()}:{path.stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


def _speed(clip: np.ndarray, factor: float) -> np.ndarray:
    """The clip played ``factor`` times as fast, centred in one second (cut or zero-padded)."""
    played = resample(clip.astype(np.float64), int(round(SAMPLE_RATE * factor)), SAMPLE_RATE)
    out = np.zeros(CLIP_SAMPLES)
    if len(played) >= CLIP_SAMPLES:
        start = (len(played) - CLIP_SAMPLES) // 2
        out[:] = played[start:start + CLIP_SAMPLES]
    else:
        start = (CLIP_SAMPLES - len(played)) // 2
        out[start:start + len(played)] = played
    return out


def augment(audio: np.ndarray, noise: tuple[np.ndarray, ...], rng: np.random.Generator) -> np.ndarray:
    """Each clip at a random speed, shifted by up to 100 ms (zero-filled) and, mostly, mixed with background noise."""
    out = np.zeros_like(audio)
    for k, clip in enumerate(audio):
        clip = _speed(clip, rng.uniform(*SPEED_RANGE))
        shift = int(rng.integers(-TIME_SHIFT_SAMPLES, TIME_SHIFT_SAMPLES + 1))
        mixed = np.zeros(CLIP_SAMPLES, dtype=np.float64)
        if shift >= 0:
            mixed[shift:] = clip[:CLIP_SAMPLES - shift]
        else:
            mixed[:shift] = clip[-shift:]
        if rng.uniform() < NOISE_PROBABILITY:
            recording = noise[int(rng.integers(len(noise)))]
            start = int(rng.integers(0, len(recording) - CLIP_SAMPLES + 1))
            mixed += rng.uniform(0.0, NOISE_VOLUME) * recording[start:start + CLIP_SAMPLES]
        out[k] = np.clip(np.round(mixed), -32768, 32767)
    return out


def mask(features: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """SpecAugment masks on features (N, frames, coefficients, 1): stretches of frames and a band of
    coefficients (never the first, the frame's energy) set to the clip's average over time."""
    out = features.copy()
    frames, coefficients = out.shape[1:3]
    for clip in out:
        average = clip.mean(axis=0, keepdims=True)
        for _ in range(TIME_MASKS):
            width = int(rng.integers(0, TIME_MASK_FRAMES + 1))
            start = int(rng.integers(0, frames - width + 1))
            clip[start:start + width] = average
        for _ in range(COEFFICIENT_MASKS):
            width = int(rng.integers(0, COEFFICIENT_MASK_WIDTH + 1))
            start = int(rng.integers(1, coefficients - width + 1))
            clip[:, start:start + width] = average[:, start:start + width]
    return out


def augmented_features(audio: np.ndarray, noise: tuple[np.ndarray, ...], rng: np.random.Generator,
                       shape: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """One epoch's view of the clips ``audio``: augmented (``augment``), their features computed by the device's
    front end, cut to the model's input by ``shape`` (a crop, for the search's smaller resolutions), then masked."""
    features = mfcc_clips(augment(audio, noise, rng), no_bar, "")
    return mask(shape(features) if shape is not None else features, rng)


def check_settings(out: Path, settings: Any, run: str = "training run") -> bool:
    """True when ``out`` holds a run with these ``settings`` (a dataclass of what determines a run: training's
    TrainSettings, the search's SearchSettings) to resume; refuses one with other settings."""
    path = out / SETTINGS
    if not path.exists():
        if out.exists() and any(out.iterdir()):
            raise TinykitError(f"{out} exists and holds no {run} ({SETTINGS} is missing); give a new output "
                               "folder, or remove this one.")
        return False
    saved = read_json(path, f"give a new output folder, or remove {out}")
    differing = {k: (saved.get(k), v) for k, v in asdict(settings).items() if saved.get(k) != v}
    if differing:
        names = ", ".join(f"{k} was {old!r}, now {new!r}" for k, (old, new) in differing.items())
        raise TinykitError(f"{out} holds a run made with other settings ({names}). Resume it with its own settings, "
                           "or give a new output folder to start another run.")
    return True


def keras_quietly() -> Any:
    """Keras, with TensorFlow's start-up logging kept off the terminal."""
    from tinykit.frontend.convert import quiet_tensorflow

    quiet_tensorflow()
    import keras

    return keras


def cosine_rate(base: float, epoch: int, epochs: int) -> float:
    """Epoch ``epoch``'s learning rate: cosine decay from ``base`` to nearly zero over ``epochs`` epochs."""
    return base * 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))


def fit(data: SpeechCommands, settings: TrainSettings, grid: tuple[float, int] | None, out: Path, resume: bool,
        bar: Bar, report: Callable[[str], None], model_of: Callable[[tuple[int, ...]], Any] | None = None,
        shape: Callable[[np.ndarray], np.ndarray] | None = None) -> _LoopState:
    """Run (or continue) the epochs; returns the loop's final state, with the best model in OUT/model.keras.

    ``model_of(input_shape)`` gives the model to train (uncompiled; the search passes its chosen member with
    inherited weights); the default is the DS-CNN of ``settings``. ``shape`` cuts the features to the model's
    input (the search's crops), training and validation alike."""
    keras = keras_quietly()
    from tinykit.kws.model import ds_cnn

    checkpoint = out / CHECKPOINT
    validation = mfcc_clips(data.validation.audio, bar, "validation features")
    validation_x = on_grid(shape(validation) if shape is not None else validation, grid)
    validation_y = _one_hot(data.validation.labels)
    state = _LoopState(history=[])
    if resume and (checkpoint / "state.json").exists():
        state = _LoopState(**read_json(checkpoint / "state.json"))
        model = keras.models.load_model(checkpoint / "last.keras")
        report(f"resuming {out} after epoch {state.epochs_done} of {settings.epochs}")
    else:
        keras.utils.set_random_seed(settings.seed)
        input_shape = tuple(validation_x.shape[1:])
        model = (model_of(input_shape) if model_of is not None else
                 ds_cnn(len(LABELS), input_shape, filters=settings.width, blocks=settings.blocks,
                        batch_norm_momentum=BATCH_NORM_MOMENTUM))
        model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate),
                      loss=keras.losses.CategoricalCrossentropy(label_smoothing=LABEL_SMOOTHING),
                      metrics=["accuracy"])
    checkpoint.mkdir(parents=True, exist_ok=True)
    training = data.training

    class Advance(keras.callbacks.Callback):
        def __init__(self, advance: Callable[[int], None]) -> None:
            super().__init__()
            self.advance = advance

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self.advance(1)

    for epoch in range(state.epochs_done, settings.epochs):
        if epoch - state.best_epoch >= settings.patience and state.epochs_done:
            report(f"stopping early: validation accuracy has not improved for {settings.patience} epochs")
            break
        rng = np.random.default_rng([settings.seed, 0, epoch])
        keras.utils.set_random_seed(settings.seed * 1000 + epoch)
        order = rng.permutation(len(training.labels))
        x = on_grid(augmented_features(training.audio[order], data.noise, rng, shape), grid)
        y = _one_hot(training.labels[order])
        model.optimizer.learning_rate.assign(cosine_rate(settings.learning_rate, epoch, settings.epochs))
        steps = math.ceil(len(y) / settings.batch_size)
        with bar(steps, f"epoch {epoch + 1}/{settings.epochs}") as advance:
            fitted = model.fit(x, y, batch_size=settings.batch_size, epochs=1, shuffle=False, verbose=0,
                               callbacks=[Advance(advance)])
        _, val_accuracy = model.evaluate(validation_x, validation_y, batch_size=256, verbose=0)
        entry = {"epoch": epoch + 1, "loss": float(fitted.history["loss"][0]),
                 "accuracy": float(fitted.history["accuracy"][0]), "val_accuracy": float(val_accuracy)}
        state.history = [*(state.history or []), entry]
        improved = val_accuracy > state.best_accuracy
        if improved:
            state.best_accuracy, state.best_epoch = float(val_accuracy), epoch + 1
            model.save(out / "model.partial.keras")
            os.replace(out / "model.partial.keras", out / "model.keras")
        report(f"epoch {epoch + 1}: loss {entry['loss']:.3f}, training accuracy {100 * entry['accuracy']:.1f}%, "
               f"validation accuracy {100 * val_accuracy:.1f}%{' (best so far)' if improved else ''}")
        state.epochs_done = epoch + 1
        model.save(checkpoint / "last.partial.keras")
        os.replace(checkpoint / "last.partial.keras", checkpoint / "last.keras")
        write_json(checkpoint / "state.json", asdict(state))
    return state


def calibration_indices(total: int, seed: int, count: int = CALIBRATION_SAMPLES, stream: int = 1) -> np.ndarray:
    """Which of ``total`` training clips the int8 conversion calibrates on: ``count`` of them (all when fewer),
    drawn from ``seed``, in increasing order. Training and the search pick theirs with this rule; the search
    picks its batch-norm recalibration clips with it too, from another ``stream`` of the seed's generators."""
    rng = np.random.default_rng([seed, stream])
    return np.sort(rng.choice(total, size=min(count, total), replace=False))


def _calibration_features(data: SpeechCommands, settings: TrainSettings) -> np.ndarray:
    """Features of the training clips the int8 conversion calibrates on, picked from the seed (no augmentation)."""
    chosen = calibration_indices(len(data.training.labels), settings.seed)
    return mfcc_clips(data.training.audio[chosen], no_bar, "")


def on_grid(features: np.ndarray, grid: tuple[float, int] | None) -> np.ndarray:
    """Features rounded (and saturated) as the device quantizes them to the int8 grid ``(scale, zero_point)``,
    back in float; unchanged for no grid."""
    if grid is None:
        return features
    scale, zero_point = grid
    return ((quantize(features, scale, zero_point).astype(np.float32) - zero_point) * np.float32(scale))


def _one_hot(labels: np.ndarray) -> np.ndarray:
    """Label indices as one-hot rows (the smoothed loss takes whole target distributions)."""
    return np.eye(len(LABELS), dtype=np.float32)[labels]


def _evaluate(data: SpeechCommands, settings: TrainSettings, calibration: np.ndarray, grid: tuple[float, int] | None,
              state: _LoopState, out: Path, bar: Bar, report: Callable[[str], None]) -> dict:
    """Quantize the best model, measure float and int8 accuracy on the test split, write the report files."""
    from tinykit.frontend.convert import convert_to_int8
    from tinykit.frontend.tflite_reader import read_tflite

    np.savez(out / "calibration.npz", inputs=calibration)
    report("converting the best model to int8")
    conversion = convert_to_int8(out / "model.keras", calibration, out / "model.tflite")
    converted = read_tflite(out / "model.tflite").inputs[0].quant
    if grid is not None and (converted.scale[0], converted.zero_point[0]) != grid:
        report(f"note: the int8 model's input grid (scale {converted.scale[0]}, zero point {converted.zero_point[0]}) "
               f"is not the one training rounded to ({grid[0]}, {grid[1]}); int8 accuracy may trail float more.")
    measured = measure(out, data.testing, clip_voices(data.root, data.testing.sources), bar, report)
    document = {
        "data": str(data.root),
        "settings": asdict(settings),
        "epochs_trained": state.epochs_done,
        "best_epoch": state.best_epoch,
        "validation_accuracy": state.best_accuracy,
        **measured,
        "conversion": conversion.render(),
        "history": state.history,
    }
    float_matrix, int8_matrix = np.array(measured["float_confusion"]), np.array(measured["int8_confusion"])
    write_json(out / "report.json", document)
    (out / "report.txt").write_text(render_report(document) + "\n")
    write_png([(f"float model: {100 * document['float_accuracy']:.1f}% on the test split", float_matrix),
               (f"int8 model (tflite-micro): {100 * document['int8_accuracy']:.1f}%", int8_matrix)],
              LABELS, out / "confusion.png")
    return document


def render_report(document: dict) -> str:
    """The report as text: accuracies, per voice, then the int8 and float confusion matrices."""
    labels = document["labels"]
    lines = [
        f"keyword spotting, 12 classes, data {document['data']}",
        f"trained {document['epochs_trained']} epochs; best validation accuracy "
        f"{100 * document['validation_accuracy']:.2f}% at epoch {document['best_epoch']}",
        *render_accuracy(document),
        "",
        render_text(np.array(document["int8_confusion"]), labels, "int8 model, test split"),
        "",
        render_text(np.array(document["float_confusion"]), labels, "float model, test split"),
    ]
    return "\n".join(lines)


def train(data_root: Path, out: Path, bar: Bar = no_bar, report: Callable[[str], None] = lambda message: None,
          **options: Any) -> dict:
    """Train (or resume training) on the Speech Commands folder ``data_root`` into ``out``; returns the report.

    ``options`` are TrainSettings fields (seed, epochs, width, ...); the data
    set's fingerprint is added here, so a changed data set is a changed run.
    """
    data_root, out = Path(data_root).expanduser(), Path(out)
    if not data_root.is_dir():
        load_speech_commands(data_root)  # raises the missing-folder message
    refuse_festival_training(data_root)
    settings = TrainSettings(data_fingerprint=data_fingerprint(data_root), **options)
    resume = check_settings(out, settings)
    data = load_speech_commands(data_root, seed=settings.seed, bar=bar)
    for note in data.notes[:5]:
        report(note)
    if len(data.notes) > 5:
        report(f"... and {len(data.notes) - 5} more files converted")
    counts = ", ".join(f"{s.name} {len(s.labels)}" for s in (data.training, data.validation, data.testing))
    report(f"clips: {counts}")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / SETTINGS, asdict(settings))
    calibration = _calibration_features(data, settings)
    grid = input_quantization(calibration) if settings.inputs_on_int8_grid else None
    state = fit(data, settings, grid, out, resume, bar, report)
    return _evaluate(data, settings, calibration, grid, state, out, bar, report)
