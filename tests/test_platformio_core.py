"""The tinykit-owned PlatformIO core: tool-scons from PyPI's scons, offline
settings, idempotent provisioning. Checked with PlatformIO's own code."""

import json
import subprocess
import sys

import SCons
from platformio.app import State
from platformio.dependencies import get_core_dependencies
from platformio.package.manager.tool import ToolPackageManager
from platformio.package.meta import PackageSpec

from tinykit.deploy.platformio import OFFLINE_SETTINGS, TOOL_SCONS_VERSION, provision_core


def _snapshot(folder):
    """Every file under folder with its bytes and modification time."""
    return {
        path.relative_to(folder): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_platformio_finds_the_provisioned_tool_scons(tmp_path):
    core = provision_core(tmp_path / "core")
    manager = ToolPackageManager(str(core / "packages"))
    wanted = PackageSpec(owner="platformio", name="tool-scons", requirements=get_core_dependencies()["tool-scons"])
    package = manager.get_package(wanted)
    assert package is not None, "PlatformIO's package manager does not accept the provisioned tool-scons"
    assert str(package.metadata.version) == TOOL_SCONS_VERSION
    assert package.path == str(core / "packages" / "tool-scons")


def test_provisioned_scons_runs_with_the_installed_scons_version(tmp_path):
    core = provision_core(tmp_path / "core")
    result = subprocess.run(
        [sys.executable, str(core / "packages" / "tool-scons" / "scons.py"), "--version"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )
    assert SCons.__version__ in result.stdout


def test_core_settings_turn_off_telemetry_and_update_checks(tmp_path):
    core = provision_core(tmp_path / "core")
    with State(str(core / "appstate.json")) as state:
        settings = state["settings"]
    assert settings["enable_telemetry"] is False
    assert settings == {**settings, **OFFLINE_SETTINGS}


def test_provisioning_twice_changes_nothing(tmp_path):
    core = provision_core(tmp_path / "core")
    before = _snapshot(core)
    assert provision_core(tmp_path / "core") == core
    assert _snapshot(core) == before


def test_provisioning_keeps_user_settings_and_repairs_a_damaged_package(tmp_path):
    core = provision_core(tmp_path / "core")
    with State(str(core / "appstate.json"), lock=True) as state:
        state["settings"] = {**state["settings"], "force_verbose": True}
    (core / "packages" / "tool-scons" / "scons.py").unlink()
    (core / "packages" / "tool-scons" / ".piopm").write_text("{}")
    provision_core(core)
    manifest = json.loads((core / "packages" / "tool-scons" / ".piopm").read_text())
    assert manifest["name"] == "tool-scons" and manifest["spec"]["owner"] == "platformio"
    assert (core / "packages" / "tool-scons" / "scons.py").is_file()
    with State(str(core / "appstate.json")) as state:
        assert state["settings"]["force_verbose"] is True
        assert state["settings"]["enable_telemetry"] is False
