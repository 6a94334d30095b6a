"""The `tinykit` command: one sub-command per area.

Progress goes to stderr and results to stdout, so `--json` output is exactly
one JSON object a script can parse. Errors a user can fix are printed as one
paragraph with a non-zero exit status, never as a traceback.
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys
from pathlib import Path

import click

import tinykit
from tinykit.errors import TinykitError

KERNELS_HELP = (
    "Kernel variants: 'auto' picks the fastest the board's ISA features allow (e.g. the DSP-extension twins on "
    "Cortex-M4/M7/M33); 'reference' forces the portable C reference kernels on any board."
)


def progress(message: str) -> None:
    click.echo(f"tinykit: {message}", err=True)


def _default_folder(model: Path) -> Path:
    return Path("build") / (model.stem if model.suffix else model.name)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(tinykit.__version__, prog_name="tinykit")
def main() -> None:
    """tinykit: int8 neural networks compiled to C for Cortex-M microcontrollers.

    \b
    Typical use:
      tinykit build model.keras --data calib.npz -o build/kws   convert, plan, generate C
      tinykit verify model.tflite --samples 200                  compare with TF Lite Micro
      tinykit build model.tflite --board qemu_m7 -o build/kws-m7  firmware for a board
      tinykit profile build/kws-m7 --json > profile.json         latency, layers, memory
      tinykit report profile.json -o report/                     HTML page with plots
    """


@main.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("-b", "--board", default="host", show_default=True, help="Board to build for: 'host' (this machine) or one of `tinykit boards`.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Build folder [default: build/<model name>].")
@click.option("--data", type=click.Path(path_type=Path), help="Calibration data for a float model: an .npz holding one array of input samples.")
@click.option("--calibration", type=click.Choice(["random"]), help="'random': calibrate a float model on random inputs (quick, inaccurate).")
@click.option("--kernels", type=click.Choice(["auto", "reference"]), default="auto", show_default=True, help=KERNELS_HELP)
@click.option("--mlperf-id", metavar="ID", help="MLPerf Tiny benchmark id the firmware reports to MLPerf Tiny's runner: kws01, vww01, ic01, ad01 or strww01 [default: inferred from the shapes of MLPerf Tiny's reference models, else none].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the build's figures instead of the table.")
def build(model: Path, board: str, output: Path | None, data: Path | None, calibration: str | None, kernels: str,
          mlperf_id: str | None, as_json: bool) -> None:
    """Compile MODEL to C: int8 conversion, memory plan, generated code.

    MODEL is an int8 .tflite file, or a float Keras model (.keras, .h5) or
    SavedModel folder, which is converted to full int8 with the representative
    samples in --data. The build folder receives the int8 model, the generated
    C (src/), the kernel runtime (lib/), tinykit.json (the hand-off) and
    memory_plan.txt; for --board host also compiled binaries (host/). The
    table lists each op's kernel (C function and variant) and scratch bytes.

    The firmware answers MLPerf Tiny's runner as the benchmark --mlperf-id
    names (its id in m-model-[...], its results in the form that benchmark's
    reference firmware prints). A model shaped like one of MLPerf Tiny's
    reference models gets that benchmark's id without asking; the build
    output says which.
    """
    from tinykit.build import build as run_build
    from tinykit.summary import render_summary

    from tinykit.boards import get_board
    from tinykit.firmware_report import firmware_usage, render_usage

    folder = output or _default_folder(model)
    target = get_board(board)
    progress(f"building {model} for {target.name} into {folder}")
    compiled = run_build(
        model, folder, board=target.name, data=data, random_calibration=calibration == "random", progress=progress,
        kernels=kernels, mlperf_id=mlperf_id,
    )
    firmware = compiled.firmware
    if as_json:
        document = {
            "model": str(model), "board": target.name, "folder": str(folder), "build_hash": compiled.build_hash,
            "ops": len(compiled.graph.ops), "macs": compiled.graph.macs(), "weights_bytes": compiled.weights_bytes,
            "arena_bytes": compiled.plan.arena_bytes, "arena_lower_bound": compiled.plan.lower_bound,
            "kernels": compiled.schedule.to_json(),
            "mlperf": compiled.mlperf.to_json(),
        }
        if firmware is not None:
            document.update(firmware_usage(target, firmware.sizes), elf=str(firmware.elf), bin=str(firmware.bin))
        click.echo(json.dumps(document, indent=2))
        return
    if compiled.conversion is not None:
        click.echo(compiled.conversion.render())
        click.echo()
    click.echo(render_summary(compiled.graph, compiled.schedule, compiled.plan, compiled.weights_bytes))
    click.echo(compiled.mlperf.describe(compiled.graph))
    if firmware is not None:
        click.echo(f"\nfirmware for {target.name}: {firmware.elf}")
        click.echo(render_usage(target, firmware.sizes))
        click.echo(f"\nwrote {folder}/, a PlatformIO project: `pio run` rebuilds it, `tinykit flash {folder}` uploads it")
    else:
        click.echo(f"\nwrote {folder}/ (generated C in src/, hand-off in tinykit.json, memory plan in memory_plan.txt)")


@main.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("-b", "--board", default="host", show_default=True, help="Where to run the generated code.")
@click.option("-n", "--samples", default=100, show_default=True, type=click.IntRange(min=1), help="Random int8 inputs to compare.")
@click.option("--data", type=click.Path(path_type=Path), help="Also run these samples (.npz with one array; float data is quantized).")
@click.option("--seed", default=0, show_default=True, help="Seed of the random inputs.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Build folder to create or reuse [default: build/<model name>].")
@click.option("--port", help="Serial port of a real board already flashed with this build (a device path or any pyserial URL).")
@click.option("--kernels", type=click.Choice(["auto", "reference"]), default="auto", show_default=True, help=KERNELS_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object on stdout.")
def verify(model: Path, board: str, samples: int, data: Path | None, seed: int, output: Path | None, port: str | None,
           kernels: str, as_json: bool) -> None:
    """Check the generated code against TF Lite Micro, byte for byte.

    Builds MODEL (an int8 .tflite) for the board, runs random inputs and any
    --data samples through the generated code and through the tflite-micro
    interpreter, and compares every output byte. On the host the code runs as
    a program; on an emulated board (qemu_m4, qemu_m7, qemu_m33) QEMU is
    started and the samples go over its serial console; a real board is
    reached through --port. Exits 0 only when all match.
    """
    from tinykit.verify.run import verify_model

    folder = output or _default_folder(model)
    result = verify_model(
        model, folder, board=board, samples=samples, data=data, seed=seed, report=progress, port=port, kernels=kernels,
    )
    click.echo(json.dumps(result.to_json(), indent=2) if as_json else result.render())
    sys.exit(0 if result.bit_exact else 1)


@main.command()
def boards() -> None:
    """List the boards tinykit builds for: real and emulated, with their budgets."""
    from tinykit.boards import render_table

    click.echo(render_table())


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def flash(folder: Path) -> None:
    """Upload a firmware build folder to the attached board (PlatformIO, openocd + ST-Link).

    FOLDER is what `tinykit build --board BOARD -o FOLDER` wrote. Emulated
    boards need no flashing: `tinykit verify` and `tinykit profile` start QEMU.
    """
    from tinykit.boards import get_board
    from tinykit.deploy.flash import flash as upload
    from tinykit.handoff import read_handoff

    board = get_board(read_handoff(folder)["board"])
    upload(folder, board, progress=progress)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--port", help="Serial port of a real board flashed with this build: a device path (/dev/ttyACM0) or any pyserial URL (socket://host:port, rfc2217://...). Without it, an emulated board runs in QEMU.")
@click.option("-n", "--runs", default=20, show_default=True, type=click.IntRange(min=1), help="Timed inferences (and as many op-by-op runs).")
@click.option("--warmup", default=3, show_default=True, type=click.IntRange(min=0), help="Inferences run before timing starts.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random input sample.")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object on stdout (the input of `tinykit report`).")
def profile(folder: Path, port: str | None, runs: int, warmup: int, seed: int, as_json: bool) -> None:
    """Measure a firmware build on its board: latency, per-layer latency, memory.

    FOLDER is what `tinykit build --board BOARD -o FOLDER` wrote. tinykit
    checks that the board runs this build (its build hash), loads a random
    input, runs --warmup inferences, then times --runs whole inferences and,
    separately, --runs inferences op by op, reads the stack high-water mark
    and static memory, and compares the outputs with tflite-micro's bit for
    bit. Cycles come from the DWT counter on real boards; on QEMU they are
    instructions counted under -icount. Exits 1 when the outputs differ.
    """
    from tinykit.profile.measure import profile_build
    from tinykit.profile.render import render_profile

    result = profile_build(folder, port=port, runs=runs, warmups=warmup, seed=seed, report=progress)
    click.echo(json.dumps(result, indent=2) if as_json else render_profile(result))
    sys.exit(0 if result["outputs_match"] else 1)


@main.command()
@click.argument("profiles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("report"), show_default=True, help="Folder to write index.html into.")
def report(profiles: tuple[Path, ...], output: Path) -> None:
    """Turn profile JSON files into an HTML page with plots.

    Each PROFILE is the output of `tinykit profile FOLDER --json`. The page
    shows, per profile, the latency, a per-layer latency bar chart, the
    memory figures and the memory plan drawn over time; with several
    profiles, a comparison table (models or boards side by side) comes first.
    """
    from tinykit.profile.report import load_profiles, write_report

    page = write_report(load_profiles(list(profiles)), output)
    click.echo(f"wrote {page}")


def _report_native_crashes() -> None:
    """Have a native crash (TensorFlow or tflite-micro aborting) print where
    it happened on the real stderr. The converter sends file descriptor 2 to
    a capture file while TensorFlow runs, so without a duplicate of the
    original descriptor such a crash would end tinykit without a word."""
    faulthandler.enable(file=os.fdopen(os.dup(sys.stderr.fileno()), "w"))


def run() -> None:
    """Console entry point: user errors become one clear paragraph and exit status 1."""
    _report_native_crashes()
    try:
        main(standalone_mode=False)
    except TinykitError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
