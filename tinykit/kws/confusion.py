"""Confusion matrices of a keyword classifier: computed, drawn as text and as a PNG picture."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tinykit.optional import import_optional


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """Counts (classes x classes): row = true label, column = predicted label."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(truth), np.asarray(predicted)), 1)
    return matrix


def accuracy(matrix: np.ndarray) -> float:
    total = int(matrix.sum())
    return float(np.trace(matrix)) / total if total else 0.0


def render_text(matrix: np.ndarray, labels: Sequence[str], title: str) -> str:
    """The matrix as an aligned table, with each row's recall (per-class accuracy) at its end."""
    width = max(6, *(len(label) for label in labels), len(str(int(matrix.max(initial=0))))) + 1
    head = " " * width + " " + "".join(f"{label[:width]:>{width}}" for label in labels) + f"{'recall':>{width + 2}}"
    lines = [title, "rows: true label, columns: predicted label", head]
    for label, row in zip(labels, matrix):
        recall = f"{100 * row[labels.index(label)] / row.sum():.1f}%" if row.sum() else "-"
        lines.append(f"{label:>{width}} " + "".join(f"{int(n):>{width}}" for n in row) + f"{recall:>{width + 2}}")
    return "\n".join(lines)


def write_png(matrices: Sequence[tuple[str, np.ndarray]], labels: Sequence[str], path: Path) -> None:
    """Draw the (title, matrix) pairs side by side as heat maps with their counts, into ``path``."""
    matplotlib = import_optional("matplotlib", "Drawing the confusion matrices")
    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(matrices), figsize=(6.5 * len(matrices), 6), squeeze=False)
    for axis, (title, matrix) in zip(axes[0], matrices):
        # Rows normalised, so that a rare class's mistakes show as strongly as a common one's.
        totals = np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        axis.imshow(matrix / totals, cmap="Blues", vmin=0.0, vmax=1.0)
        for i, j in np.ndindex(matrix.shape):
            if matrix[i, j]:
                dark = matrix[i, j] / totals[i, 0] > 0.5
                axis.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                          color="white" if dark else "black")
        axis.set_xticks(range(len(labels)), labels, rotation=60, fontsize=8)
        axis.set_yticks(range(len(labels)), labels, fontsize=8)
        axis.set_xlabel("predicted")
        axis.set_ylabel("true")
        axis.set_title(title, fontsize=10)
    figure.tight_layout()
    # No timestamp in the file, so the same matrices give the same bytes.
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)
