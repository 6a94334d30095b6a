"""The system Arm GNU toolchain is found, and its absence is explained."""

import subprocess

import pytest

from tinykit.deploy.toolchain import find_toolchain
from tinykit.errors import TinykitError


def test_finds_the_system_toolchain_and_it_compiles(tmp_path):
    toolchain = find_toolchain()
    source = tmp_path / "probe.c"
    source.write_text("int probe(int x) { return x * 3; }\n")
    subprocess.run(
        [str(toolchain.gcc), "-mcpu=cortex-m4", "-mthumb", "-c", str(source), "-o", str(tmp_path / "probe.o")],
        check=True,
    )
    sizes = subprocess.run([str(toolchain.size), str(tmp_path / "probe.o")], check=True, capture_output=True, text=True)
    assert "probe.o" in sizes.stdout
    symbols = subprocess.run([str(toolchain.nm), str(tmp_path / "probe.o")], check=True, capture_output=True, text=True)
    assert " T probe" in symbols.stdout


def test_missing_toolchain_names_the_debian_packages(tmp_path):
    # A PATH holding only an empty folder: nothing arm-none-eabi on it.
    with pytest.raises(TinykitError) as error:
        find_toolchain(path=str(tmp_path))
    message = str(error.value)
    assert "arm-none-eabi-gcc" in message
    assert "gcc-arm-none-eabi" in message and "libnewlib-arm-none-eabi" in message
    assert str(tmp_path) in message
