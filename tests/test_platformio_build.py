"""`pio run` with tinykit's dev-platform, offline, on the system toolchain.

The firmware is the test fixture in tests/fixtures/platformio (a stand-in
model with weights and an arena, plus minimal reset code), laid out as a
project with tinykit's own linker script, board manifest and platformio.ini.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinykit.boards import get_board
from tinykit.deploy.platformio import run_build, run_pio
from tinykit.deploy.project import write_build_files
from tinykit.errors import TinykitError

FIXTURE = Path(__file__).parent / "fixtures" / "platformio"
FIXTURE_WEIGHT_BYTES = 1000  # fixture_model_weights in src/model_weights.c
FIXTURE_ARENA_BYTES = 2048  # TK_MODEL_ARENA_BYTES in src/model.h


def _network_isolation() -> list[str] | None:
    """The command prefix that runs a program with no network, if allowed here."""
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "-n", "true"], capture_output=True).returncode != 0:
        return None
    return [unshare, "-n"]


NO_NETWORK = _network_isolation()


@pytest.fixture(scope="module")
def core_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("pio-core")


def fixture_project(folder: Path, board_name: str, core_dir: Path) -> Path:
    shutil.copytree(FIXTURE, folder)
    write_build_files(folder, get_board(board_name), core_dir)
    return folder


def pio_by_hand(project: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess:
    """`pio run` as a user types it in the project: PlatformIO finds its core
    through platformio.ini alone. Without network when the system allows it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLATFORMIO_")}
    if path is not None:
        env["PATH"] = path
    command = [sys.executable, "-m", "platformio", "run", *args]
    return subprocess.run((NO_NETWORK or []) + command, cwd=project, env=env, capture_output=True, text=True)


@pytest.mark.parametrize("board_name", ["nucleo_f746", "qemu_m7"])
def test_build_is_within_budget_and_sizes_add_up(tmp_path, core_dir, board_name):
    board = get_board(board_name)
    project = fixture_project(tmp_path / "fw", board_name, core_dir)
    messages = []
    result = run_build(project, progress=messages.append)
    assert result.elf.is_file() and result.bin.is_file()
    assert result.elf.read_bytes()[:4] == b"\x7fELF"
    assert "linking firmware.elf" in messages
    # The compile phase is summed up, not one line per object file.
    assert "compiling the sources" in messages and any(m.startswith("compiled ") for m in messages)
    assert not any(m.endswith(".o") for m in messages)
    sizes = result.sizes
    # The .bin is the load image: the sections the breakdown counts as flash,
    # plus at most a few bytes of alignment padding between them.
    assert 0 <= result.bin.stat().st_size - result.sizes.flash < 64
    assert sizes.flash <= board.flash_bytes and sizes.sram <= board.sram_bytes
    assert sizes.weights == FIXTURE_WEIGHT_BYTES
    assert sizes.arena == FIXTURE_ARENA_BYTES
    assert sizes.stack_reserve == board.stack_reserve
    assert sizes.code > 0 and sizes.other_flash >= 0 and sizes.other_sram >= 0
    assert sizes.code + sizes.weights + sizes.other_flash == sizes.flash
    assert sizes.arena + sizes.state + sizes.stack_reserve + sizes.other_sram == sizes.sram


def test_cpu_flags_from_the_board_reach_the_compiler(tmp_path, core_dir):
    project = fixture_project(tmp_path / "fw", "nucleo_f746", core_dir)
    result = run_build(project)
    attributes = subprocess.run(
        ["arm-none-eabi-readelf", "-A", str(result.elf)], capture_output=True, text=True, check=True
    ).stdout
    assert "Tag_CPU_name: \"7E-M\"" in attributes or "Cortex-M7" in attributes
    assert "Tag_ABI_VFP_args: VFP registers" in attributes  # -mfloat-abi=hard
    assert "FPv5/FP-D16 for ARMv8" in attributes  # -mfpu=fpv5-sp-d16


@pytest.mark.skipif(NO_NETWORK is None, reason="`unshare -n` is not permitted here, so the build cannot be cut off from the network")
def test_pio_run_by_hand_offline_gives_the_same_elf(tmp_path, core_dir):
    project = fixture_project(tmp_path / "fw", "qemu_m7", core_dir)
    by_tinykit = run_build(project).elf.read_bytes()
    shutil.rmtree(project / ".pio")
    result = pio_by_hand(project)
    assert result.returncode == 0, result.stdout + result.stderr
    by_hand = (project / ".pio" / "build" / "qemu_m7" / "firmware.elf").read_bytes()
    assert by_hand == by_tinykit


def test_over_budget_fails_with_the_numbers(tmp_path, core_dir):
    project = fixture_project(tmp_path / "fw", "qemu_m7", core_dir)
    ini = project / "platformio.ini"
    # The linker script keeps the real 4 MB, so the link succeeds and only the
    # budget check can stop the build.
    ini.write_text(ini.read_text().replace("board_upload.maximum_ram_size = 4194304", "board_upload.maximum_ram_size = 4096"))
    with pytest.raises(TinykitError) as error:
        run_build(project)
    message = str(error.value)
    assert "does not fit the board" in message
    assert "SRAM needs" in message and "but qemu_m7 has 4096" in message
    assert "flash needs" not in message


def test_compiler_errors_are_reported_with_their_lines(tmp_path, core_dir):
    project = fixture_project(tmp_path / "fw", "qemu_m7", core_dir)
    # -Wall -Wextra -Werror: an unused variable stops the build.
    (project / "src" / "careless.c").write_text("int careless(void)\n{\n    int unused = 3;\n    return 0;\n}\n")
    with pytest.raises(TinykitError) as error:
        run_build(project)
    message = str(error.value)
    assert "careless.c:3" in message and "unused variable" in message
    assert "-Werror" in message


def test_builder_explains_a_missing_toolchain(tmp_path, core_dir):
    project = fixture_project(tmp_path / "fw", "qemu_m7", core_dir)
    # PATH with only the Python environment: no arm-none-eabi-gcc.
    result = pio_by_hand(project, path=str(Path(sys.executable).parent))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "arm-none-eabi-gcc is not on PATH" in output
    assert "gcc-arm-none-eabi libnewlib-arm-none-eabi" in output


def _st_link_attached() -> bool:
    # ST's USB vendor id; any ST-Link shows up with it.
    return any(p.read_text().strip() == "0483" for p in Path("/sys/bus/usb/devices").glob("*/idVendor"))


@pytest.mark.skipif(shutil.which("openocd") is None, reason="openocd is not installed")
@pytest.mark.skipif(_st_link_attached(), reason="an ST-Link is attached: uploading would really flash it")
def test_upload_without_a_probe_says_so(tmp_path, core_dir):
    project = fixture_project(tmp_path / "fw", "nucleo_f746", core_dir)
    with pytest.raises(TinykitError) as error:
        run_pio(project, ["upload"])
    assert "no debug probe found" in str(error.value)
