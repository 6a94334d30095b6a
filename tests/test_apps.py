"""Firmware app manifests (firmware/apps/<app>/app.toml) state facts the
sources must bear out: the BSP functions an app calls are exactly the ones
its manifest names, and every one is part of the BSP API."""

from __future__ import annotations

import re

import pytest

from tinykit.deploy.apps import MANIFEST, app_manifest, apps_dir
from tinykit.resources import firmware_dir

APPS = sorted(path.parent.name for path in apps_dir().glob(f"*/{MANIFEST}"))


def _bsp_calls(text: str) -> set[str]:
    return set(re.findall(r"\b(tk_bsp_[a-z_]+)\s*\(", text))


@pytest.mark.parametrize("app", APPS)
def test_manifest_names_the_bsp_functions_the_app_calls(app: str) -> None:
    manifest = app_manifest(app)
    sources = [*sorted((apps_dir() / app).glob("*.c")), *(apps_dir() / s for s in manifest.shared if s.endswith(".c"))]
    called = set().union(*(_bsp_calls(path.read_text()) for path in sources))
    assert called == set(manifest.bsp)
    api = _bsp_calls((firmware_dir() / "bsp" / "include" / "tinykit" / "bsp.h").read_text())
    assert set(manifest.bsp) <= api


def test_the_streaming_app_states_its_own_ram_and_libraries() -> None:
    manifest = app_manifest("kws_stream")
    assert manifest.ram_bytes is not None and manifest.libraries == ("features",)
    assert app_manifest("profiler").ram_bytes is None  # the profiler's RAM is its model's input copy
