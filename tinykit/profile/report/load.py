"""Reading profile JSON files (what `tinykit profile FOLDER --json` prints) and
refusing, with the file's name and the fix, anything the report cannot draw."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tinykit.errors import TinykitError
from tinykit.profile.document import PROFILE_SCHEMA

_HOW_TO_MAKE_ONE = "produce it with `tinykit profile FOLDER --json > profile.json`"

# The keys the report reads; any other key is ignored, so newer profilers stay readable.
_PROFILE_KEYS = (
    "tinykit_version", "model", "board", "build_hash", "clock", "cpu_hz", "runs", "latency_cycles", "latency_ms", "latency",
    "mac_limit", "layers", "layers_cycles_sum", "total_macs", "memory", "outputs_match", "plan",
)
_LATENCY_KEYS = ("median_cycles", "min_cycles", "max_cycles", "median_ms", "min_ms", "max_ms")
_LAYER_KEYS = ("index", "op", "kernel", "variant", "output_shape", "macs", "cycles", "ms", "share", "macs_per_cycle", "mac_limit_share")
_MAC_LIMIT_KEYS = ("macs_per_cycle", "instruction", "why")
_MEMORY_KEYS = ("arena", "stack_peak", "stack_reserve", "static", "total_ram", "flash")
# "graph" and "op_kinds" joined the plan's JSON after the first builds: older plans lack them.
_PLAN_KEYS = ("graph", "op_kinds", "arena_bytes", "lower_bound", "buffers")


def load_profiles(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """Read and check each profile file, in the order given."""
    return [load_profile(Path(path)) for path in paths]


def load_profile(path: Path) -> dict[str, Any]:
    """One profile file as a dict, or a TinykitError naming the file and what to do."""
    document = _parse_json(path)
    if not isinstance(document, dict) or document.get("schema") != PROFILE_SCHEMA:
        found = document.get("schema") if isinstance(document, dict) else f"a JSON {type(document).__name__}"
        raise TinykitError(
            f"{path} is not a tinykit profile: its schema is {found!r}, not {PROFILE_SCHEMA!r}. "
            f"Pass a profile made by this tinykit: {_HOW_TO_MAKE_ONE}."
        )
    _require(path, document, _PROFILE_KEYS, "")
    _require(path, document["latency"], _LATENCY_KEYS, "latency.")
    _require(path, document["memory"], _MEMORY_KEYS, "memory.")
    _require(path, document["mac_limit"], _MAC_LIMIT_KEYS, "mac_limit.")
    for number, layer in enumerate(document["layers"]):
        _require(path, layer, _LAYER_KEYS, f"layers[{number}].")
    if any(key not in document["plan"] for key in ("graph", "op_kinds")):
        raise TinykitError(
            f"{path} holds a memory plan from an older tinykit build (its plan has no graph name and op kinds). "
            f"Rebuild the model folder with this tinykit, then {_HOW_TO_MAKE_ONE}."
        )
    _require(path, document["plan"], _PLAN_KEYS, "plan.")
    return document


def _parse_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TinykitError(f"Profile file {path} does not exist. Check the path, or {_HOW_TO_MAKE_ONE}.") from None
    except IsADirectoryError:
        raise TinykitError(
            f"{path} is a folder, not a profile file. Pass the JSON file itself; to make one, {_HOW_TO_MAKE_ONE}."
        ) from None
    except UnicodeDecodeError:
        raise TinykitError(
            f"{path} is not a text file, so not a profile JSON file. Pass a profile instead: {_HOW_TO_MAKE_ONE}."
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise TinykitError(
            f"{path} is not JSON ({error.msg} at line {error.lineno}, column {error.colno}). "
            f"A profile is the JSON object `tinykit profile FOLDER --json` prints: {_HOW_TO_MAKE_ONE}."
        ) from None


def _require(path: Path, value: Any, keys: tuple[str, ...], where: str) -> None:
    missing = [key for key in keys if key not in value] if isinstance(value, dict) else list(keys)
    if missing:
        names = ", ".join(where + key for key in missing)
        raise TinykitError(
            f"{path} is a {PROFILE_SCHEMA} profile without {names}: it is incomplete or was edited. "
            f"Profile the build again: {_HOW_TO_MAKE_ONE}."
        )
