"""The models the benchmarks run: the test suite's zoo, and a trivial one-op model.

The zoo's converted .tflite files are cached in the same folder the tests use
(pytest's cache, ``.pytest_cache/d/tinykit-zoo``), so a benchmark run after a
test run converts nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
# pytest's `config.cache.mkdir("tinykit-zoo")` resolves to this folder (tests/conftest.py `zoo_cache`).
ZOO_CACHE = ROOT / ".pytest_cache" / "d" / "tinykit-zoo"

# The zoo and the flatbuffer builder are test helpers, imported by bare module
# name as the tests do.
for folder in (ROOT, TESTS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

DEFAULT_MODELS = ("kws_ds_cnn", "resnet8", "vww_mobilenet_v1", "ad_autoencoder")


def zoo_names() -> list[str]:
    import zoo

    return list(zoo.ZOO)


def zoo_tflite(name: str) -> Path:
    """The zoo model ``name`` as a cached, fully int8 .tflite (converted on first use)."""
    import zoo

    return zoo.converted(name, ZOO_CACHE)


def trivial_model() -> bytes:
    """One QUANTIZE (int8 -> int8 requantize) of a single element: a call that does almost no work,
    so its time is what calling a model costs from Python (ctypes or tflite-micro's binding)."""
    from modelgen import ModelBuilder

    builder = ModelBuilder()
    x = builder.activation((1, 1), scale=0.05, zero_point=0)
    y = builder.activation((1, 1), scale=0.1, zero_point=3)
    builder.op("QUANTIZE", [x], [y])
    return builder.finish([x], [y])
