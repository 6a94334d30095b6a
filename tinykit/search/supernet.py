"""A weight-sharing super-network over one search space (as Once-for-All and MCUNet train theirs).

The super-network holds the weights of the space's largest member. A
sub-network (any member of the space) uses:

- elastic depth: the first ``depth`` blocks of each stage;
- elastic width: the first channels of every weight (input and output);
- elastic kernel size: the centre crop of the largest kernel.

It is trained with the sandwich rule: every step runs the largest, the
smallest and a few random sub-networks on the same batch and applies the sum
of their gradients once, so the shared weights serve small and large
members alike. A member's weights are extracted into a standalone Keras
model (``tinykit.search.keras_model``, built from the same layer list), and
``recalibrate_batch_norm`` then gives its batch norms the statistics of that
sub-network on training batches: the shared running statistics were
accumulated by many different sub-networks, so they fit none of them.

The forward pass calls the Keras ops the Keras layers call (``ops.conv``,
``ops.batch_normalization``, ...) on sliced weights, so a sub-network run in
the super-network and its extracted model give the same outputs.

One super-network covers one width multiplier and one resolution (MCUNet
chooses those first, by search-space optimisation): pass a narrowed space.

Training can be interrupted and resumed: with a checkpoint file, ``train``
writes after every epoch everything the next epoch depends on (the shared
weights with their running statistics, Adam's moments and step count, the
state of the one generator that draws the order of the examples and the
random sub-networks, and the epochs' reports), and continues from that file
when it finds one. A resumed run then computes exactly what an uninterrupted
one would (``tests/test_search_supernet.py`` checks the weights bit for bit).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinykit.errors import TinykitError, damaged_file
from tinykit.kws.train import cosine_rate
from tinykit.search.keras_model import BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM, build_keras_model
from tinykit.search.layers import INPUT, Layer, layers
from tinykit.search.space import Architecture, SearchSpace

RANDOM_SUBNETS = 2  # random members per sandwich step, besides the largest and the smallest


@dataclass(frozen=True)
class StepReport:
    """Mean loss per sandwich member over an epoch: largest, smallest, random (NaN when a step has no random member)."""

    epoch: int
    largest_loss: float
    smallest_loss: float
    random_loss: float
    seconds_per_step: float


def _read_checkpoint(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """A training checkpoint's arrays (by name) and its state; the damaged-file error when it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {name: saved[name] for name in saved.files}  # reading every member checks its CRC
        state = json.loads(str(arrays.pop("state")))
        if not isinstance(state, dict) or not {"epochs_done", "training", "rng", "reports"} <= state.keys():
            raise ValueError("its state lacks the epoch count, the settings, the generator or the reports")
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as error:
        raise damaged_file(path, error) from None
    return arrays, state


def finished_epochs(checkpoint: Path) -> int:
    """How many epochs the training checkpoint ``checkpoint`` holds (0 when there is none)."""
    return _read_checkpoint(checkpoint)[1]["epochs_done"] if Path(checkpoint).exists() else 0


def _fingerprint(x: np.ndarray, y: np.ndarray) -> str:
    """A hash of the training examples, so that a checkpoint is not continued on other data."""
    digest = hashlib.sha256(np.ascontiguousarray(x).tobytes())
    digest.update(np.ascontiguousarray(y).tobytes())
    return digest.hexdigest()[:16]


def _crop(kernel: Any, size: tuple[int, int]) -> Any:
    """The centre ``size`` window of a (h, w, ...) kernel: a smaller kernel shares the largest one's centre taps."""
    top = (kernel.shape[0] - size[0]) // 2
    left = (kernel.shape[1] - size[1]) // 2
    return kernel[top:top + size[0], left:left + size[1]]


def _slice_conv(layer: Layer, conv: dict[str, Any], norm: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A convolution's and its batch norm's weights as sub-network layer ``layer`` uses them:
    the centre crop of the kernel, the first input and output channels."""
    kernel = _crop(conv["kernel"], layer.kernel)
    outputs = layer.out_channels if layer.kind == "conv" else kernel.shape[3]  # a depthwise kernel's last axis is its multiplier
    return ({"kernel": kernel[:, :, :layer.in_channels, :outputs]},
            {name: v[:layer.out_channels] for name, v in norm.items()})


def _conv_block(x: Any, shared: dict[str, dict[str, Any]], layer: Layer, training: bool) -> Any:
    """Convolution, batch norm and activation of ``layer`` on the shared weights (``conv``, ``norm``), with the
    Keras ops the Keras layers call. In training the batch norm normalizes with the batch's statistics and
    moves the shared running statistics of the channels it uses."""
    from keras import activations, ops

    conv, norm = _slice_conv(layer, shared["conv"], shared["norm"])
    strides = (layer.stride, layer.stride)
    if layer.kind == "conv":
        x = ops.conv(x, conv["kernel"], strides=strides, padding="same", dilation_rate=(1, 1), data_format="channels_last")
    else:
        x = ops.depthwise_conv(x, conv["kernel"], strides=strides, padding="same", dilation_rate=(1, 1),
                               data_format="channels_last")
    if training:
        mean, variance = ops.moments(x, axes=[0, 1, 2])
        for stat, value in (("moving_mean", mean), ("moving_variance", variance)):
            moved = norm[stat] * BATCH_NORM_MOMENTUM + ops.stop_gradient(value) * (1.0 - BATCH_NORM_MOMENTUM)
            variable = shared["norm"][stat]
            variable.assign(ops.concatenate([moved, variable[layer.out_channels:]], axis=0))
    else:
        mean, variance = norm["moving_mean"], norm["moving_variance"]
    x = ops.batch_normalization(x, mean=mean, variance=variance, axis=-1, offset=norm["beta"], scale=norm["gamma"],
                                epsilon=BATCH_NORM_EPSILON)
    return activations.get(layer.activation)(x) if layer.activation != "none" else x


class Supernet:
    """The shared weights of ``space``'s members, for ``num_classes`` classes, initialized from ``seed``."""

    def __init__(self, space: SearchSpace, num_classes: int, seed: int = 0) -> None:
        import keras

        if len(space.width_mults) != 1 or len(space.resolutions) != 1:
            raise TinykitError(
                f"a super-network covers one width multiplier and one resolution, but the space has width "
                f"multipliers {list(space.width_mults)} and resolutions {[list(r) for r in space.resolutions]}; "
                "narrow it first (SearchSpace.narrowed, as search-space optimisation chooses).")
        self.space = space
        self.num_classes = num_classes
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        # The largest member's Keras model gives the shapes and Keras's own initial values.
        keras.utils.set_random_seed(seed)
        largest = build_keras_model(space.largest(), num_classes)
        self.weights: dict[str, dict[str, Any]] = {}
        for layer in largest.layers:
            if layer.weights:
                self.weights[layer.name] = {w.name: keras.Variable(w.numpy(), trainable=w.trainable, name=w.name)
                                            for w in layer.weights}
        self.trainable = [v for layer in self.weights.values() for v in layer.values() if v.trainable]

    # -- the weights as plain arrays (OUT/supernet.npz, and what executors ship) -----

    def state(self) -> dict[str, np.ndarray]:
        """Every shared weight (running statistics too) as an array, keyed ``layer/name``."""
        return {f"{layer}/{name}": np.asarray(v) for layer, variables in self.weights.items()
                for name, v in variables.items()}

    def load_state(self, values: Mapping[str, np.ndarray]) -> None:
        """Set every shared weight from ``values``, as ``state`` gives them (e.g. ``np.load`` of a saved state)."""
        for layer, variables in self.weights.items():
            for name, variable in variables.items():
                variable.assign(values[f"{layer}/{name}"])

    # -- one sub-network's slices of the shared weights ---------------------------

    def layer_weights(self, layer: Layer) -> dict[str, dict[str, Any]]:
        """The weights of ``layer`` (and of its batch norm) as this sub-network sees them, by Keras layer and weight name."""
        if layer.kind in ("conv", "depthwise"):
            conv, norm = _slice_conv(layer, self.weights[layer.name], self.weights[f"{layer.name}_bn"])
            return {layer.name: conv, f"{layer.name}_bn": norm}
        if layer.kind == "classifier":
            weights = self.weights[layer.name]
            return {layer.name: {"kernel": weights["kernel"][:layer.in_channels], "bias": weights["bias"]}}
        return {}

    # -- forward ------------------------------------------------------------------

    def logits(self, arch: Architecture, x: Any, training: bool) -> Any:
        """The classifier's logits of sub-network ``arch`` on ``x``; in training, batch norms use (and track) batch statistics.

        Runs eagerly, op for op as the extracted Keras model runs, so both
        give identical outputs. (Compiling each block as a tf.function,
        to save the eager dispatch cost that dominates small networks'
        steps, retraced on every call with the shared variables as
        arguments; not pursued yet.)"""
        from keras import ops

        self._require_member(arch)
        outputs = {INPUT: x}
        for layer in layers(arch, self.num_classes):
            if layer.kind in ("conv", "depthwise"):
                shared = {"conv": self.weights[layer.name], "norm": self.weights[f"{layer.name}_bn"]}
                x = _conv_block(x, shared, layer, training)
            elif layer.kind == "add":
                x = ops.add(outputs[layer.skip], x)
            elif layer.kind == "average_pool":
                x = ops.average_pool(x, pool_size=layer.kernel, strides=layer.kernel, padding="valid",
                                     data_format="channels_last")
                x = ops.reshape(x, (-1, layer.out_channels))
            elif layer.kind == "mean":
                x = ops.mean(x, axis=[1, 2], keepdims=False)
            else:
                weights = self.layer_weights(layer)[layer.name]
                x = ops.add(ops.matmul(x, weights["kernel"]), weights["bias"])
            outputs[layer.name] = x
        return x

    def predict(self, arch: Architecture, x: Any) -> np.ndarray:
        """Class probabilities of sub-network ``arch`` in inference mode (as its extracted model computes them)."""
        from keras import activations

        return np.asarray(activations.get("softmax")(self.logits(arch, x, training=False)))

    def _require_member(self, arch: Architecture) -> None:
        if not self.space.contains(arch):
            raise TinykitError(f"architecture {arch.to_json()} is not a member of the super-network's space.")

    # -- training -----------------------------------------------------------------

    def sandwich(self, random_subnets: int = RANDOM_SUBNETS) -> list[Architecture]:
        """One step's sub-networks: the largest, the smallest and ``random_subnets`` random members."""
        return [self.space.largest(), self.space.smallest(), *(self.space.sample(self.rng) for _ in range(random_subnets))]

    def train(self, x: np.ndarray, y: np.ndarray, epochs: int, batch_size: int = 32, learning_rate: float = 2e-3,
              random_subnets: int = RANDOM_SUBNETS,
              report: Callable[[StepReport], None] = lambda step_report: None,
              checkpoint: Path | None = None) -> list[StepReport]:
        """Sandwich-rule training on features ``x`` and label indices ``y``; ``report`` gets each epoch's StepReport.

        The learning rate decays from ``learning_rate`` to nearly zero over the ``epochs`` on a cosine, as
        `kws train`'s does. The examples are not augmented: in the search's epochs, a super-network trained
        on augmented clips underfit (its members scored 59 to 69 % with inherited weights, against 76 to 81 %
        trained on plain features; README); the chosen member's fine-tuning augments (``tinykit.search.run``).

        With ``checkpoint``, the training state is written there (atomically) after each epoch, before
        ``report`` hears of it, and training continues from the state found there; the reports returned
        then include the earlier epochs'. A checkpoint of other training settings or data is refused."""
        import time

        import keras
        import tensorflow as tf
        from keras import ops

        optimizer = keras.optimizers.Adam(learning_rate)
        training = {"seed": self.seed, "batch_size": batch_size, "learning_rate": learning_rate, "random_subnets": random_subnets,
                    "data": _fingerprint(x, y), "epochs": epochs, "schedule": "cosine"}
        reports: list[StepReport] = []
        if checkpoint is not None and Path(checkpoint).exists():
            reports = self._restore(Path(checkpoint), optimizer, training)
        for epoch in range(len(reports), epochs):
            optimizer.learning_rate.assign(cosine_rate(learning_rate, epoch, epochs))
            order = self.rng.permutation(len(x))
            losses, started, steps = np.zeros(3), time.perf_counter(), 0
            for start in range(0, len(x), batch_size):
                batch = order[start:start + batch_size]
                xb, yb = ops.convert_to_tensor(x[batch]), ops.convert_to_tensor(y[batch])
                with tf.GradientTape() as tape:
                    member_losses = [ops.mean(ops.sparse_categorical_crossentropy(yb, self.logits(arch, xb, True),
                                                                                  from_logits=True))
                                     for arch in self.sandwich(random_subnets)]
                    total = ops.sum(ops.stack(member_losses))
                optimizer.apply(tape.gradient(total, self.trainable), self.trainable)
                values = [float(v) for v in member_losses]
                losses += (values[0], values[1], float(np.mean(values[2:])) if random_subnets else np.nan)
                steps += 1
            reports.append(StepReport(epoch, *(losses / steps), (time.perf_counter() - started) / steps))
            if checkpoint is not None:
                self._save(Path(checkpoint), optimizer, training, reports)
            report(reports[-1])
        return reports

    def _save(self, path: Path, optimizer: Any, training: dict[str, Any], reports: list[StepReport]) -> None:
        """Write the training state after ``len(reports)`` epochs to ``path``, atomically."""
        arrays = {f"weights/{key}": value for key, value in self.state().items()}
        arrays.update({f"optimizer/{i}": np.asarray(v) for i, v in enumerate(optimizer.variables)})
        state = {"epochs_done": len(reports), "training": training, "rng": self.rng.bit_generator.state,
                 "reports": [asdict(r) for r in reports]}
        partial = path.with_name(path.name + ".partial")
        with open(partial, "wb") as file:  # a file object, so that np.savez adds no suffix
            np.savez(file, state=np.array(json.dumps(state)), **arrays)
        os.replace(partial, path)

    def _restore(self, path: Path, optimizer: Any, training: dict[str, Any]) -> list[StepReport]:
        """Load the training state of ``path`` into the weights, ``optimizer`` and generator; its epochs' reports."""
        arrays, state = _read_checkpoint(path)
        start_over = "delete it to train from the start, or resume with the settings it was made with"
        differing = {k: (state["training"].get(k), v) for k, v in training.items() if state["training"].get(k) != v}
        if differing:
            names = ", ".join(f"{k} was {old!r}, now {new!r}" for k, (old, new) in differing.items())
            raise TinykitError(f"{path} is the checkpoint of a super-network trained with other settings ({names}); "
                               f"{start_over}.")
        optimizer.build(self.trainable)
        targets = {f"weights/{layer}/{name}": v for layer, variables in self.weights.items()
                   for name, v in variables.items()}
        targets.update({f"optimizer/{i}": v for i, v in enumerate(optimizer.variables)})
        if sorted(arrays) != sorted(targets) or any(arrays[k].shape != tuple(v.shape) for k, v in targets.items()):
            raise TinykitError(f"{path} holds the weights of another super-network (other layers or shapes); "
                               f"{start_over}.")
        for name, variable in targets.items():
            variable.assign(arrays[name])
        self.rng.bit_generator.state = state["rng"]
        return [StepReport(**r) for r in state["reports"]]

    # -- sub-networks as standalone models ------------------------------------------

    def extract(self, arch: Architecture) -> Any:
        """The Keras model of ``arch`` holding its inherited weights (running statistics as shared)."""
        self._require_member(arch)
        model = build_keras_model(arch, self.num_classes)
        values: dict[str, dict[str, Any]] = {}
        for layer in layers(arch, self.num_classes):
            values.update(self.layer_weights(layer))
        for layer in model.layers:
            if layer.weights:
                layer.set_weights([np.asarray(values[layer.name][w.name]) for w in layer.weights])
        return model


def _batch_norm_layers(model: Any) -> list[Any]:
    import keras

    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


def recalibrate_batch_norm(model: Any, batches: Iterator[np.ndarray] | list[np.ndarray]) -> None:
    """Set every batch norm's running mean and variance of ``model`` to the averages, over ``batches``,
    of the statistics of its input when the model runs in training mode (each batch norm normalizing
    with its batch's statistics, as in training)."""
    import keras
    from keras import ops

    norms = _batch_norm_layers(model)
    probe = keras.Model(model.input, [layer.input for layer in norms])
    sums: list[list[np.ndarray]] = [[np.zeros(layer.moving_mean.shape), np.zeros(layer.moving_mean.shape)]
                                    for layer in norms]
    count = 0
    for batch in batches:
        # Training mode never reads the running statistics it moves; they are overwritten below.
        inputs = probe(ops.convert_to_tensor(batch), training=True)
        for total, tensor in zip(sums, inputs):
            mean, variance = ops.moments(tensor, axes=[0, 1, 2])
            total[0] += np.asarray(mean)
            total[1] += np.asarray(variance)
        count += 1
    if count == 0:
        raise TinykitError("batch-norm recalibration needs at least one batch of training features.")
    for layer, (mean, variance) in zip(norms, sums):
        layer.moving_mean.assign((mean / count).astype(np.float32))
        layer.moving_variance.assign((variance / count).astype(np.float32))
