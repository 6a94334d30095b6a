"""Firmware apps' manifests: firmware/apps/<app>/app.toml.

A manifest states what an app needs beyond its own sources: the RAM it
holds besides the model's arena and the stack (counted in the board budget
instead of the profiler's input copy), the BSP functions it calls, sources
it shares with another app (copied from there, so there is one copy in the
repository) and libraries (``features``: the MFCC front end). An app without
a manifest (the profiler) needs none of these.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from tinykit.errors import TinykitError
from tinykit.resources import firmware_dir

MANIFEST = "app.toml"
LIBRARIES = ("features",)


@dataclass(frozen=True)
class AppManifest:
    name: str
    description: str = ""
    ram_bytes: int | None = None  # None: the profiler's rule (a copy of the model input)
    bsp: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()  # paths under firmware/apps/
    libraries: tuple[str, ...] = ()


def apps_dir() -> Path:
    return firmware_dir() / "apps"


def app_manifest(app: str) -> AppManifest:
    """The manifest of ``app`` (an empty one when the app has none)."""
    path = apps_dir() / app / MANIFEST
    if not path.exists():
        return AppManifest(app)
    try:
        data = tomllib.loads(path.read_text())
        manifest = AppManifest(
            app, str(data.get("description", "")), int(data["ram_bytes"]) if "ram_bytes" in data else None,
            tuple(data.get("bsp", ())), tuple(data.get("shared", ())), tuple(data.get("libraries", ())),
        )
    except (tomllib.TOMLDecodeError, TypeError, ValueError) as error:
        raise TinykitError(f"{path} is not a valid app manifest ({error}); reinstall tinykit.") from error
    unknown = [name for name in manifest.libraries if name not in LIBRARIES]
    missing = [name for name in manifest.shared if not (apps_dir() / name).is_file()]
    if unknown or missing:
        raise TinykitError(f"{path} names unknown libraries {unknown} or missing shared sources {missing}; reinstall tinykit.")
    return manifest
