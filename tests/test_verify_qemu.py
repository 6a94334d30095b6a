"""Whole models on emulated Cortex-M boards, bit-exact with tflite-micro.

For each zoo model and each emulated board, tinykit builds the firmware
offline with PlatformIO and the arm-none-eabi toolchain, boots it in QEMU
(-icount shift=0), loads random inputs over the serial protocol on a real TCP
socket, and compares every output byte with tflite-micro.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from zoo import ZOO, converted

from tinykit.verify.run import verify_model

pytestmark = pytest.mark.slow

BOARDS = ["qemu_m4", "qemu_m7", "qemu_m33"]


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_model_is_bit_exact_on_emulated_board(name: str, board: str, zoo_cache: Path, tmp_path: Path) -> None:
    tflite = converted(name, zoo_cache)
    result = verify_model(tflite, tmp_path / name, board=board, samples=4, seed=2)
    assert result.board == board
    assert result.compared_bytes > 0
    assert result.bit_exact, result.render()


def test_verify_command_on_qemu_m7_prints_one_json_object(zoo_cache: Path, tmp_path: Path) -> None:
    tflite = converted("kws_ds_cnn", zoo_cache)
    run = subprocess.run(
        [sys.executable, "-m", "tinykit", "verify", str(tflite), "--board", "qemu_m7", "--samples", "5", "-o", "kws", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["board"] == "qemu_m7" and report["bit_exact"] is True and report["samples"] == 5
    assert report["arena_bytes"] <= report["tflm_arena_bytes"]["head"]
    # QEMU was stopped: no emulator is left running for this build's ELF.
    left = subprocess.run(["pgrep", "-f", str(tmp_path / "kws")], capture_output=True, text=True)
    assert left.stdout.strip() == ""


# How the first op of a real build is made to misbehave, and what the error must say.
BROKEN_FIRST_OP = {
    "hang": ("    for (;;) {\n        __asm__ volatile(\"\" ::: \"memory\");\n    }\n", "is hung"),
    # A store to the unmapped top of the address space: a BusFault, escalated to HardFault.
    "fault": ("    *(volatile uint32_t *)0xF0000000u = 1u;\n", "reported `fault exception="),
}


@pytest.mark.parametrize(("command", "broken"), [("verify", "hang"), ("profile", "hang"), ("verify", "fault")])
def test_a_firmware_that_never_finishes_an_inference_ends_verify_and_profile_with_an_error(
    command: str, broken: str, zoo_cache: Path, tmp_path: Path,
) -> None:
    """The real firmware of a real build, its generated model.c changed so that the
    first op never returns (as a kernel stuck in a loop would) or faults, rebuilt and
    run in QEMU: `verify` and `profile` end with an error naming the hang or the
    crash and the fix, within their timeouts (the command's own bound is far
    larger), and leave no emulator running."""
    from tinykit.build import build
    from tinykit.deploy.platformio import run_build

    tflite = converted("sigmoid_detector", zoo_cache)
    folder = tmp_path / "stuck"
    build(tflite, folder, board="qemu_m7")
    model_c = folder / "src" / "model.c"
    # The first op, which every inference runs: its row of the op table names a broken adapter instead.
    table = "static const tk_op_entry tk_ops["
    source = model_c.read_text()
    first_row = re.search(r"^    \{ (\w+), ", source[source.index(table):], re.M)
    assert first_row is not None
    code, said = BROKEN_FIRST_OP[broken]
    adapter = f"static tk_status tk_broken_invoke(void *const *args)\n{{\n    (void)args;\n{code}    return TK_OK;\n}}\n\n"
    head, tail = source.split(table, 1)
    model_c.write_text(head + adapter + table + tail.replace(first_row.group(0), "    { tk_broken_invoke, ", 1))
    run_build(folder)
    arguments = [str(tflite), "--board", "qemu_m7", "-o", str(folder)] if command == "verify" else [str(folder)]
    run = subprocess.run([sys.executable, "-m", "tinykit", command, *arguments], capture_output=True, text=True, timeout=600)
    assert run.returncode != 0
    assert said in run.stderr and "Reset the board" in run.stderr and "tinykit build" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    left = subprocess.run(["pgrep", "-f", str(folder)], capture_output=True, text=True)
    assert left.stdout.strip() == ""
