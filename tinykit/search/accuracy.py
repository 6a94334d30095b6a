"""A sub-network's validation accuracy with weights inherited from the trained super-network, as a value an
executor can ship.

``SubnetAccuracy`` holds everything a worker needs: the narrowed space and
the class count (to rebuild the super-network), the super-network's weights
as arrays (what OUT/supernet.npz holds), the validation features and labels,
and the training batches the batch norms are recalibrated on. It holds the
arrays themselves, not a path in the output folder, so a Ray cluster whose
nodes do not share that folder can measure too (Ray ships it through its
object store, once per node). Each process rebuilds the super-network once
and keeps it, keyed by a fingerprint of those values, so later candidates
and generations reuse it.

The measurement is deterministic (inference and batch-norm statistics on
fixed batches), so an accuracy is the same float whichever process or
executor measures it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from tinykit.search.space import Architecture, SearchSpace

if TYPE_CHECKING:
    from tinykit.search.supernet import Supernet

PREDICT_BATCH = 256

# This process's super-network, rebuilt from the last SubnetAccuracy it served (by fingerprint): one at a time,
# as a search measures with one super-network.
_built: dict[str, Supernet] = {}


def _fingerprint(space: SearchSpace, num_classes: int, arrays: list[tuple[str, np.ndarray]]) -> str:
    digest = hashlib.sha256(f"{space!r}/{num_classes}".encode())
    for name, array in arrays:
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)
class SubnetAccuracy:
    """Validation accuracy of a member of ``space`` (narrowed) with inherited weights ``weights`` (as
    ``Supernet.state`` gives them), batch norms recalibrated on ``recalibration``."""

    space: SearchSpace
    num_classes: int
    weights: dict[str, np.ndarray]
    features: np.ndarray
    labels: np.ndarray
    recalibration: tuple[np.ndarray, ...]
    fingerprint: str = field(init=False)

    def __post_init__(self) -> None:
        arrays = [*sorted(self.weights.items()), ("features", self.features), ("labels", self.labels),
                  *((f"recalibration/{i}", batch) for i, batch in enumerate(self.recalibration))]
        object.__setattr__(self, "fingerprint", _fingerprint(self.space, self.num_classes, arrays))

    @classmethod
    def of(cls, supernet: Supernet, features: np.ndarray, labels: np.ndarray,
           recalibration: list[np.ndarray]) -> SubnetAccuracy:
        """The measurement with ``supernet``'s current weights; this process measures with ``supernet`` itself
        rather than a rebuilt copy."""
        measure = cls(supernet.space, supernet.num_classes, supernet.state(), features, labels, tuple(recalibration))
        _built.clear()
        _built[measure.fingerprint] = supernet
        return measure

    def supernet(self) -> Supernet:
        """The super-network these weights make, built once per process."""
        if self.fingerprint not in _built:
            from tinykit.kws.train import keras_quietly
            from tinykit.search.supernet import Supernet

            keras_quietly()  # a worker process imports TensorFlow here
            supernet = Supernet(self.space, self.num_classes)
            supernet.load_state(self.weights)
            _built.clear()
            _built[self.fingerprint] = supernet
        return _built[self.fingerprint]

    def __call__(self, arch: Architecture) -> float:
        from tinykit.search.supernet import recalibrate_batch_norm

        model = self.supernet().extract(arch)
        recalibrate_batch_norm(model, list(self.recalibration))
        # Called eagerly in batches rather than through model.predict, which traces a graph for every new model:
        # several times slower than the evaluation itself on a small validation split.
        predictions = [np.asarray(model(self.features[start:start + PREDICT_BATCH], training=False))
                       for start in range(0, len(self.features), PREDICT_BATCH)]
        return float(np.mean(np.argmax(np.concatenate(predictions), axis=1) == self.labels))
