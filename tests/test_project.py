"""The PlatformIO project tinykit writes around a generated model: its
platformio.ini as PlatformIO reads it, and a full build of the profiler app
with the board's BSP and a real generated model."""

from pathlib import Path

import numpy as np
import pytest
from modelgen import ModelBuilder
from platformio.project.config import ProjectConfig
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from tinykit.boards import bsp_source_dirs, get_board
from tinykit.build import compile_tflite
from tinykit.deploy.flash import flash
from tinykit.deploy.platformio import dev_platform_dir, run_build
from tinykit.deploy.project import write_project
from tinykit.errors import TinykitError


def conv_tflite() -> bytes:
    """One 3x3 convolution, 8x8x3 -> 8x8x4, per-channel weights."""
    rng = np.random.default_rng(7)
    b = ModelBuilder()
    x = b.activation((1, 8, 8, 3), scale=0.05, zero_point=-3)
    w = b.constant(rng.integers(-127, 128, (4, 3, 3, 3), dtype=np.int8), scale=[0.01, 0.02, 0.015, 0.03], axis=0)
    bias = b.constant(rng.integers(-500, 500, 4, dtype=np.int32), scale=[0.0005, 0.001, 0.00075, 0.0015])
    y = b.activation((1, 8, 8, 4), scale=0.1, zero_point=2)
    options = schema.Conv2DOptionsT()
    options.padding = schema.Padding.SAME
    options.strideH = options.strideW = 1
    b.op("CONV_2D", [x, w, bias], [y], options)
    return b.finish([x], [y])


@pytest.fixture(scope="module")
def core_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("pio-core")


def generated_model(folder: Path, board_name: str):
    folder.mkdir(parents=True)
    tflite = folder / "model.tflite"
    tflite.write_bytes(conv_tflite())
    return compile_tflite(tflite, folder, board_name, source_name="conv.tflite")


@pytest.mark.parametrize("board_name", ["nucleo_f746", "qemu_m7"])
def test_platformio_ini_validates_with_platformio(tmp_path, core_dir, board_name):
    board = get_board(board_name)
    project = write_project(tmp_path / "fw", board, core_dir)
    config = ProjectConfig(str(project / "platformio.ini"))
    config.validate()
    env = f"env:{board.name}"
    assert config.envs() == [board.name]
    assert config.get("platformio", "core_dir") == str(core_dir.resolve())
    assert config.get(env, "platform") == f"symlink://{dev_platform_dir()}"
    assert config.get(env, "board") == (board.platformio_board or board.name)
    assert config.get(env, "board_build.cpu_flags") == " ".join(board.gcc_flags())
    assert int(config.get(env, "board_upload.maximum_size")) == board.flash_bytes
    assert int(config.get(env, "board_upload.maximum_ram_size")) == board.sram_bytes
    assert config.get(env, "upload_protocol") == board.upload
    assert (project / config.get(env, "board_build.ldscript")).is_file()
    assert (project / "lib" / "tinykit_bsp" / "include" / "tinykit" / "bsp.h").is_file()


def test_host_board_is_refused(tmp_path, core_dir):
    with pytest.raises(TinykitError, match="host compiler, not PlatformIO"):
        write_project(tmp_path / "fw", get_board("host"), core_dir)


def _bsp_is_written(board_name: str) -> bool:
    return all(any(d.glob("*.c")) for d in bsp_source_dirs(get_board(board_name)))


@pytest.mark.parametrize("board_name", ["qemu_m7", "qemu_m4", "nucleo_f746"])
def test_profiler_firmware_with_a_generated_model_builds(tmp_path, core_dir, board_name):
    if not _bsp_is_written(board_name):
        pytest.skip(f"the BSP of {board_name} ({get_board(board_name).family}) has no C sources yet")
    board = get_board(board_name)
    compiled = generated_model(tmp_path / "fw", board_name)
    project = write_project(tmp_path / "fw", board, core_dir)
    result = run_build(project)
    # The .bin is the load image: the sections the breakdown counts as flash,
    # plus at most a few bytes of alignment padding between them.
    assert 0 <= result.bin.stat().st_size - result.sizes.flash < 64
    assert result.sizes.flash <= board.flash_bytes and result.sizes.sram <= board.sram_bytes
    # The weights the generator wrote are what the ELF carries in flash.
    assert result.sizes.weights == compiled.weights_bytes
    assert result.sizes.arena == compiled.plan.arena_bytes
    assert result.sizes.stack_reserve == board.stack_reserve


def test_flashing_an_emulated_board_is_explained(tmp_path, core_dir):
    with pytest.raises(TinykitError, match="emulated: there is nothing to flash"):
        flash(tmp_path, get_board("qemu_m7"))
