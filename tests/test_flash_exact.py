"""Flash predicted without a build equals the built image's flash, byte for byte.

The image is laid out so that only data and whole kernel sources depend on the
model (tinykit/latency/resources.py): these tests build networks the shipped
flash models were not measured on (the calibration set is
tinykit/latency/calibration_set.py's), of several shapes and op kinds, and
compare. Real builds with the board's compiler and linker; no mocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_models import convert_and_read, randomize

from tinykit.boards import get_board
from tinykit.build import build
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.latency.resources import load_flash, predict_resources


def _kws_ds_cnn():
    """The keyword-spotting example's DS-CNN (MLPerf Tiny's kws01 shape: its results table is linked)."""
    from tinykit.kws.model import ds_cnn

    return ds_cnn()


def _search_member():
    """A narrow, shallow DS-CNN on another resolution, as the quick search's members are."""
    from tinykit.kws.model import ds_cnn

    return ds_cnn(num_classes=6, input_shape=(32, 13, 1), filters=20, blocks=2)


def _mixed_ops():
    """Convolutions, a depthwise one, both pools, residual adds, a dense layer and a softmax (kernels the
    calibration networks link: a kernel source no calibration build linked is flagged, its size unknown)."""
    import keras

    layers = keras.layers
    x = inputs = keras.Input((24, 24, 3))
    x = layers.Conv2D(12, 3, strides=2, padding="same", activation="relu")(x)
    y = layers.DepthwiseConv2D(3, padding="same", activation="relu")(x)
    x = layers.Add()([x, y])
    a = layers.MaxPooling2D(2)(x)
    b = layers.AveragePooling2D(2)(x)
    x = layers.Add()([a, b])
    x = layers.Conv2D(10, 1, activation="relu6")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(5)(x)
    return keras.Model(inputs, layers.Softmax()(x))


def _large_input():
    """A 96x96x3 input, as MLPerf Tiny's VWW takes: the profiler keeps a 27 KB copy of it in static RAM, whose
    size must not change the app's code (with GCC's section anchors it did, by 8 bytes)."""
    import keras

    layers = keras.layers
    x = inputs = keras.Input((96, 96, 3))
    x = layers.Conv2D(4, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(4)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(3)(x)
    return keras.Model(inputs, layers.Softmax()(x))


MODELS = {"kws_ds_cnn": _kws_ds_cnn, "search_member": _search_member, "mixed_ops": _mixed_ops,
          "large_input": _large_input}


@pytest.fixture(scope="module")
def tflites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("flash_exact")
    paths = {}
    for seed, (name, make) in enumerate(MODELS.items()):
        model = make()
        randomize(model, seed)
        convert_and_read(model, folder / name)
        paths[name] = folder / name / "model.tflite"
    return paths


@pytest.mark.slow
@pytest.mark.parametrize("board, name", [*(("qemu_m7", name) for name in MODELS), ("nucleo_f746", "kws_ds_cnn"),
                                         ("nucleo_f746", "mixed_ops"), ("nucleo_f746", "large_input")])
def test_predicted_flash_is_the_built_flash(tflites: dict[str, Path], tmp_path: Path, board: str, name: str) -> None:
    compiled = build(tflites[name], tmp_path / name, board=board)
    predicted = predict_resources(read_tflite(compiled.tflite), get_board(board), load_flash(get_board(board)))
    sizes = compiled.firmware.sizes
    assert predicted.uncalibrated_kernels == ()
    assert predicted.arena == sizes.arena and predicted.weights == sizes.weights
    print(f"{board} {name}: flash predicted {predicted.flash:,} B, built {sizes.flash:,} B")
    assert predicted.flash == sizes.flash
