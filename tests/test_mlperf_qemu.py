"""MLPerf Tiny's accuracy mode against the emulated firmware: the zoo's KWS,
VWW and IC models built for qemu_m7 (their ids inferred from their shapes),
one QEMU boot each, every input sent as the runner sends it (db load, db in
31-byte chunks, infer 1 0) and the m-results replies scored by the runner's
rules (normalize by the sum, argmax, one-vs-rest AUC). Top-1 and AUC must be
those tflite-micro's dequantized outputs give for the same inputs and labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mlperf_runner import Console, accuracy_round, identify, score
from zoo import converted

from tinykit.boards import get_board
from tinykit.build import build
from tinykit.deploy.qemu import qemu_session
from tinykit.verify.compare import random_samples
from tinykit.verify.device import firmware_elf
from tinykit.verify.tflm import run_tflm

pytestmark = pytest.mark.slow

BOARD = "qemu_m7"
# model, its inferred id, inputs per boot (VWW's 27 KB input takes a few seconds to load)
CASES = [("kws_ds_cnn", "kws01", 24), ("vww_mobilenet_v1", "vww01", 8), ("resnet8", "ic01", 20)]


def labels_for(predicted: np.ndarray, classes: int) -> list[int]:
    """Labels that agree with tflite-micro's class on two files in three, so
    Top-1 lands well away from 0 and 100% and a misread result shows."""
    return [int(p) if i % 3 else (int(p) + 1 + i) % classes for i, p in enumerate(predicted)]


@pytest.mark.parametrize(("model", "mlperf_id", "count"), CASES)
def test_runner_accuracy_scores_equal_tflite_micros(model: str, mlperf_id: str, count: int, zoo_cache: Path, tmp_path: Path) -> None:
    board = get_board(BOARD)
    compiled = build(converted(model, zoo_cache), tmp_path / model, board=BOARD)
    assert compiled.mlperf.id == mlperf_id
    inputs = random_samples(compiled.graph, count, seed=21)
    (y,) = compiled.graph.outputs
    scale, zero_point = y.quant.scale[0], y.quant.zero_point[0]
    reference = [
        (out.astype(np.float32).flatten() - zero_point) * np.float32(scale)
        for (out,) in run_tflm(compiled.tflite.read_bytes(), inputs)
    ]
    predicted = np.argmax(np.array(reference), axis=1)
    labels = labels_for(predicted, y.size)
    with qemu_session(board, firmware_elf(compiled.folder, board)) as url:
        console = Console(url, timeout=60)
        try:
            console.until_ready()  # the boot banner
            assert identify(console)[1]["model"] == mlperf_id
            replies = [accuracy_round(console, sample.tobytes()) for (sample,) in inputs]
        finally:
            console.close()
    assert all(len(r) == y.size for r in replies)
    assert [int(np.argmax(r)) for r in replies] == predicted.tolist()
    top1, auc = score(replies, labels)
    expected_top1, expected_auc = score([r.tolist() for r in reference], labels)
    assert 0 < top1 == expected_top1 < 100
    # The printed values carry three decimals, so the ranking (and the AUC) may
    # only differ where two outputs print alike.
    assert abs(auc - expected_auc) < 0.02
