"""The `tinykit` command: one sub-command per area.

Progress goes to stderr and results to stdout, so `--json` output is exactly
one JSON object a script can parse. Errors a user can fix are printed as one
paragraph with a non-zero exit status, never as a traceback.
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

import tinykit
from tinykit.errors import TinykitError
from tinykit.kws.stream import StreamSettings
from tinykit.kws.synth import ENGINES
from tinykit.kws.train import TrainSettings
from tinykit.latency.calibration_set import DEFAULT_NETWORKS, HELD_OUT
from tinykit.schedule import KERNEL_MODES

KERNELS_HELP = (
    "Kernel variants: 'auto' picks the fastest the board's ISA features allow (e.g. the DSP-extension twins on "
    "Cortex-M4/M7/M33), or a slower one where the planned arena is smaller with it (the build says which); "
    "'fastest' keeps the fastest everywhere, whatever the arena; "
    "'reference' forces the portable C reference kernels on any board."
)


def progress(message: str) -> None:
    click.echo(f"tinykit: {message}", err=True)


def _default_folder(model: Path) -> Path:
    return Path("build") / (model.stem if model.suffix else model.name)

MAX_RECOMPUTE_OPTION = click.option(
    "--max-recompute", type=float, default=0.0, show_default=True, metavar="FRACTION",
    help="Let a chain of the first convolution and pooling layers run patch by patch (smaller arena, some halo "
         "pixels computed twice) when that makes "
         "the arena smaller, with at most this fraction of the model's MACs recomputed (e.g. 0.1); 0 keeps every "
         "layer whole.")


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
      tinykit report profile.json -o report/                     HTML page with plots (or: report search/)
      tinykit estimate model.tflite --board all                  latency, flash, SRAM before building
      tinykit calibrate --board qemu_m7                          fit a board's latency model
      tinykit kws train --data data/kws -o out/kws               train a keyword spotter
      tinykit search --board qemu_m7 --data data/kws -o search/   search an architecture for a board
    """


@main.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("-b", "--board", default="host", show_default=True, help="Board to build for: 'host' (this machine) or one of `tinykit boards`.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Build folder [default: build/<model name>].")
@click.option("--data", type=click.Path(path_type=Path), help="Calibration data for a float model: an .npz holding one array of input samples.")
@click.option("--calibration", type=click.Choice(["random"]), help="'random': calibrate a float model on random inputs (quick, inaccurate).")
@click.option("--kernels", type=click.Choice(KERNEL_MODES), default="auto", show_default=True, help=KERNELS_HELP)
@click.option("--mlperf-id", metavar="ID", help="MLPerf Tiny benchmark id the firmware reports to MLPerf Tiny's runner: kws01, vww01, ic01, ad01 or strww01 [default: inferred from the shapes of MLPerf Tiny's reference models, else none].")
@MAX_RECOMPUTE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the build's figures instead of the table.")
def build(model: Path, board: str, output: Path | None, data: Path | None, calibration: str | None, kernels: str,
          mlperf_id: str | None, max_recompute: float, as_json: bool) -> None:
    """Compile MODEL to C: int8 conversion, memory plan, generated code.

    MODEL is an int8 .tflite file, or a float Keras model (.keras, .h5) or
    SavedModel folder, which is converted to full int8 with the representative
    samples in --data. The build folder receives the int8 model, the generated
    C (src/), the kernel runtime (lib/), tinykit.json (the hand-off) and
    memory_plan.txt; for --board host also compiled binaries (host/). The
    table lists each op's kernel (C function and variant) and scratch bytes,
    and names each op given a slower kernel because the arena is smaller with it.

    With --max-recompute above 0 the build may run a chain of the first
    convolution and pooling layers patch by patch (MCUNetV2's patch-based
    inference): it picks the layers and the patch grid that give the smallest
    arena within that recomputation and says what it chose, or why it kept
    every layer whole (no such chain reaches the arena's peak, or no stage
    within the cap makes the arena smaller).

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
        kernels=kernels, mlperf_id=mlperf_id, max_recompute=max_recompute,
    )
    firmware = compiled.firmware
    if as_json:
        document = {
            "model": str(model), "board": target.name, "folder": str(folder), "build_hash": compiled.build_hash,
            "ops": len(compiled.graph.ops), "macs": compiled.graph.macs(), "weights_bytes": compiled.weights_bytes,
            "arena_bytes": compiled.plan.arena_bytes, "arena_lower_bound": compiled.plan.lower_bound,
            "kernels": compiled.schedule.to_json(),
            "mlperf": compiled.mlperf.to_json(),
            "patches": None if compiled.schedule.patches is None else compiled.schedule.patches.to_json(),
        }
        if firmware is not None:
            document.update(firmware_usage(target, firmware.sizes), elf=str(firmware.elf), bin=str(firmware.bin))
        click.echo(json.dumps(document, indent=2))
        return
    if compiled.conversion is not None:
        click.echo(compiled.conversion.render())
        click.echo()
    click.echo(render_summary(compiled.graph, compiled.schedule, compiled.plan, compiled.weights_bytes))
    if max_recompute > 0 and compiled.schedule.patches is None:
        from tinykit.planner.patch_choice import why_no_patches

        click.echo(f"patches       none: {why_no_patches(compiled.graph, compiled.schedule, max_recompute)}")
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
@click.option("--kernels", type=click.Choice(KERNEL_MODES), default="auto", show_default=True, help=KERNELS_HELP)
@MAX_RECOMPUTE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object on stdout.")
def verify(model: Path, board: str, samples: int, data: Path | None, seed: int, output: Path | None, port: str | None,
           kernels: str, max_recompute: float, as_json: bool) -> None:
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
        max_recompute=max_recompute,
    )
    click.echo(json.dumps(result.to_json(), indent=2) if as_json else result.render())
    sys.exit(0 if result.bit_exact else 1)


@main.command()
def boards() -> None:
    """List the boards tinykit builds for: real and emulated, with their budgets."""
    from tinykit.boards import render_table

    click.echo(render_table())


@main.command()
def ops() -> None:
    """List the TFLite ops tinykit compiles and the kernel variants of each (portable reference C, and
    Cortex-M variants using the DSP extension), with the ISA features each needs."""
    from tinykit.frontend.tflite_reader import SUPPORTED_OPS
    from tinykit.schedule.catalog import render_catalog

    click.echo(render_catalog(SUPPORTED_OPS))


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
    instructions counted under -icount. A patch stage (build --max-recompute)
    runs in one call, so its first op's row holds the whole stage's time and
    MACs. Exits 1 when the outputs differ.
    """
    from tinykit.profile.measure import profile_build
    from tinykit.profile.render import render_profile

    result = profile_build(folder, port=port, runs=runs, warmups=warmup, seed=seed, report=progress)
    click.echo(json.dumps(result, indent=2) if as_json else render_profile(result))
    sys.exit(0 if result["outputs_match"] else 1)


@main.command()
@click.option("-b", "--board", required=True, help="Board to fit: an emulated one (qemu_m7; profiled in QEMU) or a real one with --port (nucleo_f746).")
@click.option("--port", help="Serial port of a real board (a device path or any pyserial URL): each calibration network is flashed onto it, then profiled.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Where to write the models (JSON) [default: tinykit's cache, where `tinykit estimate` looks first].")
@click.option("--work", type=click.Path(path_type=Path), default=Path("build/calibrate"), show_default=True, help="Folder for the calibration networks' models and builds (kept: a second run reuses the converted models).")
@click.option("--networks", default=DEFAULT_NETWORKS, show_default=True, type=click.IntRange(min=HELD_OUT + 1), help=f"Calibration networks to build and profile (the last {HELD_OUT} are held out to measure the fit).")
@click.option("--flash-only", is_flag=True, help="Measure only the flash model, from builds (no board needed, no profiling): enough for `estimate`'s flash and SRAM.")
@click.option("--json", "as_json", is_flag=True, help="Print the fitted models as one JSON object.")
def calibrate(board: str, port: str | None, output: Path | None, work: Path, networks: int, flash_only: bool,
              as_json: bool) -> None:
    """Fit a board's latency model from per-layer profiles, and measure its flash model from builds.

    Generates --networks seeded random networks (convolutions with every
    channel count mod 4, 1x1 to 7x7 filters, strides 1 and 2, depthwise
    separable, inverted residual and ResNet blocks, pools, dense heads), converts
    them to int8, builds each for the board and profiles it layer by layer
    (QEMU for an emulated board; the board at --port, flashed first, for a
    real one). Each kernel variant gets its own linear model of cycles over
    the op's MACs, output and input elements, output pixels and the MACs on
    channels past a multiple of four; the held-out networks' whole-inference
    error is recorded in the file's provenance. The flash model is each
    kernel's code size, read from the linker maps, plus the rest of the
    image, the same bytes for every model (the builds must agree on it), so
    predicted flash is exact; two more builds (a small keyword classifier as
    MLPerf Tiny's kws01, a small autoencoder as ad01) measure the code that
    computes MLPerf Tiny's printed results. `tinykit estimate` then uses them.
    """
    from tinykit.latency.calibrate import calibrate as fit_board, write_models
    from tinykit.latency.model import user_path

    document = fit_board(board, work, port=port, networks=networks, flash_only=flash_only, bar=_bar, report=progress)
    path = output or user_path(document["board"])
    write_models(document, path)
    if as_json:
        click.echo(json.dumps(document, indent=2))
        return
    provenance = document["provenance"]
    if "kernels" in document:
        errors = ", ".join(f"{100 * e:.1f}%" for e in provenance.get("held_out_relative_errors", []))
        click.echo(f"latency model of {document['board']}: {len(document['kernels'])} kernels fitted on "
                   f"{provenance['layers']} layers of {len(provenance['networks'])} networks; "
                   f"error on the {len(provenance['held_out'])} held-out networks: {errors}")
    click.echo(f"flash model of {document['board']}: {len(document['flash']['kernel_bytes'])} kernel sources measured")
    click.echo(f"wrote {path}")


@main.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("-b", "--board", required=True, help="Board to estimate for (`tinykit boards`), or 'all' for a table over every Cortex-M board.")
@click.option("--models", type=click.Path(path_type=Path), help="A file `tinykit calibrate -o` wrote [default: your calibration of the board, else the model tinykit ships].")
@click.option("--latency", "require_latency", is_flag=True, help="Fail when a board has no fitted latency model (instead of leaving its latency blank).")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object on stdout.")
def estimate(model: Path, board: str, models: Path | None, require_latency: bool, as_json: bool) -> None:
    """Predict latency, flash and SRAM of an int8 .tflite on a board, before building.

    Arena, weights and flash are exact: the kernels, the memory plan and the
    weight layouts come from the very functions `tinykit build` runs, and
    flash adds the model's data, the kernels' measured code and the rest of
    the firmware, the same bytes for every model. SRAM adds the stack reserve and the profiler app's statics. Latency
    (cycles, and milliseconds at the board's clock from its board file) sums
    the board's fitted per-kernel latency model over the ops; emulated
    boards ship a fitted model, a real board gets one from `tinykit
    calibrate --board BOARD --port PORT`.
    """
    from tinykit.latency.estimate import estimate_file, render_estimates

    document = estimate_file(model, board, models, require_latency)
    click.echo(json.dumps(document, indent=2) if as_json else render_estimates(document))


@main.command()
@click.option("-b", "--board", required=True, help="Cortex-M board to search for (`tinykit boards`): its SRAM and flash are the default budgets, its latency model (`tinykit calibrate`) costs time.")
@click.option("--task", default="kws", show_default=True, help="What the model does; 'kws' (keyword spotting) is the one task so far.")
@click.option("--data", type=click.Path(path_type=Path), required=True, help="A Speech Commands folder (e.g. from `tinykit kws data --synthetic`).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Output folder; rerun the same command to resume an interrupted search.")
@click.option("--latency-ms", type=click.FloatRange(min=0, min_open=True), help="Latency budget per inference, in milliseconds at the board's clock [default: none].")
@click.option("--sram-kb", type=click.FloatRange(min=1), help="SRAM budget in KiB, fractions allowed (24.68 is 25,272 bytes; arena, state, stack reserve, the app's RAM) [default: the board's SRAM].")
@click.option("--flash-kb", type=click.FloatRange(min=1), help="Flash budget in KiB, fractions allowed (the whole firmware image) [default: the board's flash].")
@click.option("--quick", is_flag=True, help="A small space, 3 generations of 6, 3 super-network epochs: a couple of minutes, for trying it out and CI.")
@click.option("--seed", default=0, show_default=True, help="Seed of everything random: the same seed gives the same search.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True, help="Where the evolution costs and measures candidates. local: costing in a pool of --jobs processes, accuracy in this process. ray: both as Ray tasks, to spread a large search over a cluster (needs pip install 'tinykit[ray]', and tinykit on every node). The results are the same either way.")
@click.option("--ray-address", metavar="ADDRESS", help="With --executor ray: the running Ray cluster to use (HOST:PORT of its head, 'auto', or ray://HOST:10001) [default: start a local Ray instance].")
@click.option("-j", "--jobs", default=2, show_default=True, type=click.IntRange(min=1), help="With --executor local: processes costing candidates.")
def search(board: str, task: str, data: Path, output: Path, latency_ms: float | None, sram_kb: float | None,
           flash_kb: float | None, quick: bool, seed: int, executor: str, ray_address: str | None, jobs: int) -> None:
    """Search a model architecture for a board under SRAM, flash and latency budgets (MCUNet's TinyNAS).

    \b
    1. Space choice: per (width multiplier, resolution) pair, sampled members
       are costed with the build's own planner; the pair whose fitting members
       have the most compute is kept. Budgets no member can meet are refused
       here, before any training, naming the binding one.
    2. The evolution's first generation is costed (a space with no fitting
       sample is refused here), then a weight-sharing super-network is
       trained (sandwich rule).
    3. Evolution over its members: each candidate is costed as `tinykit
       estimate` would (arena and weights exact, flash and SRAM from the
       board's flash model, latency from its latency model); those within
       every budget get their accuracy from the inherited weights (batch
       norms recalibrated) on the validation split. Both go through the
       executor: locally, or as Ray tasks (--executor ray).
    4. Every model on the Pareto front is converted to int8 and built for
       the board as `tinykit build` builds it (OUTPUT/front/NN.tflite and
       NN/); the budgets are checked on the built flash and SRAM, and a
       member that breaks one is dropped from the front, named.
    5. The most accurate member that fits is fine-tuned from its inherited
       weights by `kws train`'s loop (OUTPUT/finetune/) and converted to int8.

    Writes OUTPUT/best.keras, best.tflite (int8), calibration.npz,
    front.json (accuracy, latency, SRAM and flash of every measured
    candidate; the Pareto front with each member's built size report and
    the prediction's error), front/, space.json, summary.json and
    report/index.html (the front plotted, as `tinykit report OUTPUT`), and
    the checkpoints supernet.npz and evolution.json (written after each
    epoch and generation, so an interrupted search resumes from them).
    Deploy with `tinykit build OUTPUT/best.tflite --board BOARD`.
    """
    from tinykit.search.run import render_summary
    from tinykit.search.run import search as run_search

    try:
        summary = run_search(data, output, board, task, sram_kb, flash_kb, latency_ms, quick, seed, jobs,
                             bar=_bar, report=progress, executor=executor, ray_address=ray_address)
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted; run the same command again to resume in {output} (after the last finished "
                   "stage, super-network epoch or generation)", err=True)
        sys.exit(130)
    click.echo(render_summary(summary))
    click.echo(f"\nwrote {output}/ (best.keras, best.tflite, calibration.npz, front.json, front/, summary.json, "
               "report/index.html)")


@main.command()
@click.argument("inputs", metavar="PROFILE.json... | SEARCH", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("report"), show_default=True, help="Folder to write index.html into.")
def report(inputs: tuple[Path, ...], output: Path) -> None:
    """Turn profile JSON files, or a search's output, into an HTML page with plots.

    \b
    tinykit report m7.json m4.json -o report/     profiles
    tinykit report search/ -o report/             a search (its folder, or its front.json)

    Profiles: each PROFILE is the output of `tinykit profile FOLDER --json`.
    The page shows, per profile, the latency, a per-layer latency bar chart,
    the memory figures and the memory plan drawn over time; with several
    profiles, a comparison table (models or boards side by side) comes first.

    A search: the output folder of `tinykit search` (which also writes this
    page into SEARCH/report/ when it ends). The page shows the budgets,
    accuracy against predicted latency and against SRAM (every measured
    candidate a dot, the Pareto front highlighted and joined, the chosen
    model ringed, the budget a dashed line; hover a dot for its architecture
    and figures) and a table of the front, with the sizes of a real build
    beside the predicted ones for members that front.json records as built.
    """
    from tinykit.search.outcome import search_target

    target = search_target(inputs)
    if target is not None:
        from tinykit.search.report import write_search_report

        page = write_search_report(target, output)
    else:
        from tinykit.profile.report import load_profiles, write_report

        page = write_report(load_profiles(list(inputs)), output)
    click.echo(f"wrote {page}")


@contextlib.contextmanager
def _bar(length: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (tinykit.kws.progress.Bar): yields advance(steps)."""
    with click.progressbar(length=length, label=f"tinykit: {label}", file=sys.stderr, show_pos=True) as bar:
        yield bar.update


@main.group()
def kws() -> None:
    """Keyword spotting: a data set, a trained DS-CNN, its int8 model on a board, streaming detection.

    \b
      tinykit kws data --synthetic -o data/kws --clips 4000 --seed 0   a generated set
      tinykit kws train --data data/kws -o out/kws                     or --data ~/speech_commands_v0.02
      tinykit kws data --synthetic --engine festival -o data/kws-festival --clips 600   unseen voices
      tinykit kws evaluate out/kws --data data/kws-festival            accuracy there, per voice
      tinykit kws deploy out/kws --board qemu_m7 --json                build, profile, device accuracy
      tinykit kws talk "the dog said yes then stop" -o talk.wav       a test recording and its labels
      tinykit kws listen out/kws/qemu_m7 --wav talk.wav --labels talk.txt   detections on streamed audio
    """


@kws.command("data")
@click.option("--synthetic", is_flag=True, required=True, help="Generate a synthetic set (the only kind tinykit makes; real data is Speech Commands, which you download yourself).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Folder to write the set into (new or empty).")
@click.option("--clips", default=4000, show_default=True, type=click.IntRange(min=1), help="Spoken clips to write (at least 200; 60 for --engine festival), besides the noise recordings.")
@click.option("--seed", default=0, show_default=True, help="Seed: the same seed and --clips give the same files, byte for byte.")
@click.option("-j", "--jobs", default=2, show_default=True, type=click.IntRange(min=1), help="Synthesizer processes run in parallel.")
@click.option("--engine", type=click.Choice(list(ENGINES)), default="espeak-flite", show_default=True, help="espeak-flite: a training set, split by voice. festival: an evaluation set spoken by Festival's voices, every clip a test clip (for `tinykit kws evaluate`; `kws train` refuses it).")
def kws_data(synthetic: bool, output: Path, clips: int, seed: int, jobs: int, engine: str) -> None:
    """Write a keyword-spotting set in Google Speech Commands' layout.

    The ten keywords (yes, no, up, down, left, right, on, off, stop, go) and
    Speech Commands' 25 other words are spoken by espeak-ng and flite in many
    voices, accents, pitches, rates and levels, shifted in time and mixed with
    generated noise; generated noise recordings go to _background_noise_/.
    validation_list.txt and testing_list.txt hold out whole voices, so test
    accuracy is measured on voices training never heard. synthetic.json
    records every speaker's settings.

    Festival's voices never train: --engine festival writes an evaluation set
    instead, the same words spoken by Festival's English voices (kal_diphone,
    ked_diphone, cmu_us_slt_arctic_hts) at varied rates, levels, shifts and
    noise, all listed in testing_list.txt; measure a model on it with
    `tinykit kws evaluate OUT --data DIR`.
    """
    from tinykit.kws.synth import generate

    progress(f"generating {clips} clips into {output} (seed {seed}, {engine})")
    summary = generate(output, clips, seed=seed, workers=jobs, bar=_bar, engine=engine)
    for split, figures in summary["splits"].items():
        click.echo(f"{split:>10}: {figures['clips']:5d} clips, {figures['speakers']:3d} speakers, "
                   f"{len(figures['voices'])} voices")
    use = f"evaluate a model with `tinykit kws evaluate OUT --data {output}`" if engine == "festival" else \
        f"train with `tinykit kws train --data {output} -o OUT`"
    click.echo(f"wrote {output}/ ({use})")


@kws.command("train")
@click.option("--data", type=click.Path(path_type=Path), required=True, help="A Speech Commands folder: the real v0.02 set, or one `tinykit kws data --synthetic` wrote.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Output folder; an interrupted run in it is resumed.")
@click.option("--epochs", default=TrainSettings.epochs, show_default=True, type=click.IntRange(min=1), help="Most epochs to train (early stopping may end sooner).")
@click.option("--patience", default=TrainSettings.patience, show_default=True, type=click.IntRange(min=1), help="Stop after this many epochs without a better validation accuracy.")
@click.option("--seed", default=TrainSettings.seed, show_default=True, help="Seed of the initial weights, augmentation, order and the unknown/silence draw.")
@click.option("--width", default=TrainSettings.width, show_default=True, type=click.IntRange(min=4), help="Channels of every layer (MLPerf Tiny's DS-CNN: 64).")
@click.option("--blocks", default=TrainSettings.blocks, show_default=True, type=click.IntRange(min=1), help="Depthwise-separable blocks (MLPerf Tiny's DS-CNN: 4).")
@click.option("--batch-size", default=TrainSettings.batch_size, show_default=True, type=click.IntRange(min=1), help="Clips per training step.")
@click.option("--learning-rate", default=TrainSettings.learning_rate, show_default=True, type=click.FloatRange(min=0.0, min_open=True), help="Adam's initial rate (cosine decay over --epochs).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def kws_train(data: Path, output: Path, epochs: int, patience: int, seed: int, width: int, blocks: int,
              batch_size: int, learning_rate: float, as_json: bool) -> None:
    """Train the MLPerf Tiny DS-CNN keyword spotter, quantize it to int8 and evaluate both.

    Features are the MFCCs of tinykit's C front end (the code the device
    runs). Each epoch sees the training clips with fresh augmentation (speed
    within 15%, time shift up to 100 ms, background noise mixed in, then
    SpecAugment masks over time and coefficients); the loss uses label
    smoothing (0.1) and the weights with the best validation accuracy are
    kept. Writes OUTPUT/model.keras (float), model.tflite (int8),
    calibration.npz, report.txt, report.json and confusion.png (test-split
    accuracy, per voice for a synthetic set, and confusion matrices, float
    and int8; int8 runs in tflite-micro on the host). A set of Festival's
    voices (evaluation only) is refused. A checkpoint after every epoch lets an
    interrupted run resume: give the same command again. Runs on the CPU.
    """
    from tinykit.kws.train import render_report, train

    try:
        document = train(data, output, bar=_bar, report=progress, seed=seed, epochs=epochs, patience=patience,
                         width=width, blocks=blocks, batch_size=batch_size, learning_rate=learning_rate)
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted; run the same command again to resume from the last finished epoch in {output}",
                   err=True)
        sys.exit(130)
    if as_json:
        click.echo(json.dumps({k: v for k, v in document.items() if k != "history"}, indent=2))
    else:
        click.echo(render_report(document))
        click.echo(f"\nwrote {output}/ (model.keras, model.tflite, calibration.npz, report.txt, confusion.png)")


@kws.command("evaluate")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--data", type=click.Path(path_type=Path), required=True, help="A Speech Commands folder whose test split is measured, e.g. an evaluation set from `tinykit kws data --synthetic --engine festival`.")
@click.option("--seed", default=0, show_default=True, help="Seed of the unknown/silence draw (as `kws train --seed`).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def kws_evaluate(out: Path, data: Path, seed: int, as_json: bool) -> None:
    """Measure the keyword spotter trained in OUT on the test split of another data set.

    Runs the float model (OUT/model.keras) and the int8 model
    (OUT/model.tflite, in tflite-micro on the host) on every test clip of
    --data and prints both accuracies, their agreement, the accuracy of each
    voice (for a synthetic set) and the int8 confusion matrix. Made for
    Festival-spoken evaluation sets: voices from another synthesizer that no
    training set holds.
    """
    from tinykit.kws.evaluate import evaluate, render_evaluation

    document = evaluate(out, data, seed=seed, bar=_bar, report=progress)
    click.echo(json.dumps(document, indent=2) if as_json else render_evaluation(document))


@kws.command("deploy")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("-b", "--board", required=True, help="Board to deploy to: an emulated one (qemu_m7) or a real one with --port (nucleo_f746).")
@click.option("--data", type=click.Path(path_type=Path), help="The Speech Commands folder whose test split is measured [default: the one OUT was trained on].")
@click.option("--port", help="Serial port of a real board (a device path or any pyserial URL); it is flashed with the benchmark app first.")
@click.option("--clips", type=click.IntRange(min=1), help="Measure only the first N test clips [default: all].")
@click.option("--clip", type=click.Path(path_type=Path), help="A recording (WAV) to compile into the streaming app's flash, for a board with no host: it plays at power-up (and on `tk-play%`), printing its detections on the console.")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object on stdout.")
def kws_deploy(out: Path, board: str, data: Path | None, port: str | None, clips: int | None, clip: Path | None, as_json: bool) -> None:
    """Put the keyword spotter trained or searched in OUT on a board and measure it there.

    Builds two firmware apps from OUT/model.tflite (`kws train`) or
    OUT/best.tflite (`search --task kws`; give --data): the benchmark app in
    OUT/BOARD/ (answers MLPerf Tiny's protocol as a KWS device, 490-byte
    int8 inputs) and the streaming app in OUT/BOARD/stream/ (for `tinykit
    kws listen OUT/BOARD`). Profiles the benchmark app (latency, arena,
    flash), then sends every test clip's int8 MFCCs over the serial link
    (one boot) and runs the same inputs in tflite-micro on the host: host
    and device accuracy side by side, and the clips where they differ
    (zero expected: the kernels are bit-exact). Exits 1 if any differ.

    A model of fewer frames or coefficients than 49 x 10 (a searched
    resolution) gets its part of the features on the board: the benchmark
    app crops the 490 bytes it receives to the first frames and
    coefficients, the streaming app takes the most recent frames of its
    ring. Any other input shape is refused.
    """
    from tinykit.kws.deploy import deploy, render_deploy

    result = deploy(out, board, data=data, port=port, clips=clips, clip=clip, report=progress)
    click.echo(json.dumps(result, indent=2) if as_json else render_deploy(result))
    sys.exit(0 if result["disagreements"] == 0 else 1)


@kws.command("listen")
@click.argument("build", type=click.Path(path_type=Path))
@click.option("--wav", type=click.Path(path_type=Path), required=True, help="Recording to stream: 16 kHz mono 16-bit PCM (other uncompressed WAVs are converted, with a note).")
@click.option("--labels", type=click.Path(path_type=Path), help="Where the keywords are: one `onset_seconds keyword` line per spoken keyword; adds hits, misses and false alarms.")
@click.option("--port", help="Serial port of a real board flashed with BUILD/stream (`tinykit flash BUILD/stream`). Without it an emulated board runs in QEMU.")
@click.option("--realtime", is_flag=True, help="Send the audio at the rate it was recorded (as a microphone would), not as fast as the link allows.")
@click.option("--stride", "stride_ms", default=StreamSettings.stride_ms, show_default=True, type=click.IntRange(min=20), help="Run the model every this many ms (at the first 20 ms frame after each multiple).")
@click.option("--average", "average_ms", default=StreamSettings.average_ms, show_default=True, type=click.IntRange(min=1), help="Average the posteriors over this many ms of strides (at most 16 strides).")
@click.option("--threshold", default=StreamSettings.threshold, show_default=True, type=click.FloatRange(min=0.0, max=1.0, min_open=True), help="Detect when the best keyword's averaged posterior reaches this.")
@click.option("--suppress", "suppress_ms", default=StreamSettings.suppress_ms, show_default=True, type=click.IntRange(min=0), help="No new detection for this many ms after one.")
@click.option("--json", "as_json", is_flag=True, help="Print exactly one JSON object on stdout (detections, hits, misses, false_alarms, realtime).")
def kws_listen(build: Path, wav: Path, labels: Path | None, port: str | None, realtime: bool, stride_ms: int,
               average_ms: int, threshold: float, suppress_ms: int, as_json: bool) -> None:
    """Stream a recording to the streaming app and print its detections.

    BUILD is OUT/BOARD as `tinykit kws deploy` wrote it (its stream/ folder
    holds the app). The board computes MFCCs 20 ms at a time into a ring,
    runs the model every --stride, averages the posteriors over --average
    and reports a keyword when the average reaches --threshold, then stays
    quiet for --suppress. Detections print as they arrive; then the
    per-stride feature and inference time and the duty cycle (their sum
    over the stride) say whether the board keeps up in real time. With
    --labels, a hit is the right keyword detected between its onset and
    onset + 1 s (the model's window) + the averaging window.
    """
    from tinykit.kws.listen import listen, render_listen

    def show(detection: dict) -> None:
        if not as_json:
            click.echo(f"{detection['time_s']:8.2f} s  {detection['keyword']:<6} {detection['score']:.2f}")

    settings = StreamSettings(stride_ms=stride_ms, average_ms=average_ms, threshold=threshold, suppress_ms=suppress_ms)
    result = listen(build, wav, labels=labels, port=port, realtime=realtime, settings=settings, report=progress,
                    on_detection=show)
    click.echo(json.dumps(result, indent=2) if as_json else render_listen(result))


@kws.command("talk")
@click.argument("text")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("talk.wav"), show_default=True, help="WAV to write; the labels go beside it (.txt).")
@click.option("--voice", default="en-us", show_default=True, help="espeak-ng voice, e.g. en-gb+f3 (`espeak-ng --voices=en` lists them).")
@click.option("--seed", default=0, show_default=True, help="Seed of the pauses, rates and noise.")
def kws_talk(text: str, output: Path, voice: str, seed: int) -> None:
    """Write a test recording of TEXT for `tinykit kws listen`, and its labels.

    espeak-ng says the words one by one with short pauses over steady noise
    (16 kHz mono 16-bit); the labels file (OUTPUT with .txt) lists each
    keyword's onset as `onset_seconds keyword`, for `listen --labels`.
    """
    from tinykit.kws.talk import write_talk

    labels, keywords = write_talk(text, output, voice=voice, seed=seed)
    click.echo(f"wrote {output} and {labels} ({len(keywords)} keywords: {', '.join(w for _, w in keywords) or 'none'})")


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
