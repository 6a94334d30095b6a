"""Shared pytest set-up: the repository root on sys.path so tests can import
`examples` and `benchmarks` (pytest itself puts tests/ on the path, so test helpers are imported as `modelgen`, `bitexact`)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def zoo_cache(request: pytest.FixtureRequest) -> Path:
    """The folder keeping the zoo's converted models between runs (converting is slow)."""
    return Path(request.config.cache.mkdir("tinykit-zoo"))


@pytest.fixture(scope="session")
def kws_synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic keyword-spotting set (800 clips, seed 0), generated once per test session."""
    from tinykit.kws.synth import generate

    folder = tmp_path_factory.mktemp("kws") / "synthetic"
    generate(folder, clips=800, seed=0, workers=2)
    return folder


@pytest.fixture(scope="session")
def kws_festival(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small keyword-spotting evaluation set spoken by Festival (60 clips, seed 0), generated once per session."""
    from tinykit.kws.synth import generate

    folder = tmp_path_factory.mktemp("kws-festival") / "festival"
    generate(folder, clips=60, seed=0, workers=2, engine="festival")
    return folder
