"""`tinykit search`: space choice, super-network training, evolution, then the chosen model fine-tuned,
converted to int8 and written with its calibration samples.

The chosen member is fine-tuned by `kws train`'s own loop and recipe
(``tinykit.kws.train.fit``: every clip augmented afresh each epoch, smoothed
labels, a cosine decay, the best validation epoch kept). The super-network
trains on the clips' plain features under a cosine decay: augmented, it
underfit in the search's epochs (see ``Supernet.train``).

The output folder holds every stage's result, and the two long stages write
their state as they go, so an interrupted run resumes where it stopped (a
rerun with the same settings skips finished stages, and continues the
super-network's training after its last finished epoch and the evolution
after its last finished generation, to the result an uninterrupted run
gives) and a run with other settings is refused::

    OUT/settings.json      what determines the run (board, budgets, data fingerprint, seed, quick)
    OUT/space.json         the chosen (width multiplier, resolution) and every pair's distribution
    OUT/supernet.npz       the super-network after its last finished epoch (weights, optimizer, generator)
    OUT/evolution.json     the evolution after its last finished generation (every candidate costed, measured)
    OUT/front.json         every accuracy-measured candidate's cost, and the Pareto front with each member's
                           built size report (members that do not fit when built are dropped to "dropped")
    OUT/front/             each front member's int8 model and firmware build (tinykit.search.front_build)
    OUT/finetune/          the chosen member's fine-tuning, a `kws train` folder (settings, checkpoint, best epoch)
    OUT/best.keras         the chosen member, fine-tuned (float)
    OUT/calibration.npz    training features the int8 conversion calibrated on
    OUT/best.tflite        the int8 model
    OUT/summary.json       the chosen model's predicted cost and its float and int8 accuracy
    OUT/report/index.html  the front plotted (tinykit.search.report, as `tinykit report OUT` draws it)
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tinykit.boards import get_board
from tinykit.errors import TinykitError
from tinykit.jsonio import read_json, write_json
from tinykit.kws.features import crop_features
from tinykit.kws.progress import Bar, no_bar
from tinykit.search.evolution import (Coster, Evaluated, Evolution, EvolutionSettings, SearchBudgets,
                                      finished_generations, pareto_front)
from tinykit.search.executors import Executor, ProcessExecutor, RayExecutor, SerialExecutor
from tinykit.search.outcome import FRONT_FILE, SETTINGS_FILE, SUMMARY_FILE
from tinykit.search.report import write_search_report
from tinykit.search.space import SearchSpace, StageSpace, Stem, space_for
from tinykit.search.space_choice import BoardModels, Budgets, choose_space

# Quick mode: a small DS-CNN space (tens of members, all under a few hundred thousand MACs) and a short
# schedule, so that the whole search runs in a couple of minutes on two cores (CI checks its invariants).
QUICK_SPACE = SearchSpace("dscnn", ((49, 10), (49, 8)), (0.5, 1.0), Stem(32, (10, 4), 2),
                          (StageSpace((3, 5), (1,), (1, 2), (16, 32), 1),) * 2, "mlperf")
QUICK = {"samples": 20, "epochs": 3, "finetune_epochs": 2,
         "evolution": EvolutionSettings(population=6, generations=3, parents=2, attempts=10)}
FULL = {"samples": 100, "epochs": 20, "finetune_epochs": 24, "evolution": EvolutionSettings()}
# The chosen member is fine-tuned from its inherited weights by `kws train`'s loop and recipe (augmented clips,
# smoothed labels, a cosine schedule, the epoch of the best validation accuracy kept, early stopping), at half
# its starting rate: the weights are trained already, and a full rate would first undo them.
FINETUNE_LEARNING_RATE = 1e-3
FINETUNE_PATIENCE = 6
# Batch-norm recalibration of a member (its running statistics from inherited weights) on a seeded random sample
# of this many training clips, as Once-for-All does on about 2000 images. A sample, not the first clips: the
# training split is in label order, and the first 128 clips (the earlier rule) were all of one class, which left
# the inherited-weight accuracies at 47-56 % where the same members score 81-85 % on a fair sample.
RECALIBRATION_CLIPS = 2048
FINETUNE_FOLDER = "finetune"  # the fine-tuning's `kws train` folder: settings, checkpoint, best model
BATCH_SIZE = 32
SEARCH_SPLITS = ("training", "validation")  # what the search reads; the test split is left for the user's scoring
EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class SearchSettings:
    """What determines a search; a resumed one must have the same."""

    board: str
    task: str
    data_fingerprint: str
    sram_bytes: int | None
    flash_bytes: int | None
    latency_ms: float | None
    quick: bool
    seed: int


def _budgets(board_name: str, sram_kb: float | None, flash_kb: float | None, latency_ms: float | None) -> SearchBudgets:
    """The hand-given budgets (whole bytes, rounded down), else the board file's SRAM and flash (latency is only
    ever given)."""
    board = get_board(board_name)
    if not board.is_cortex_m:
        raise TinykitError("the search needs a Cortex-M board's budgets and latency model: pick one of "
                           "`tinykit boards` (e.g. qemu_m7), not the host.")
    return SearchBudgets(int(sram_kb * 1024) if sram_kb is not None else board.sram_bytes,
                         int(flash_kb * 1024) if flash_kb is not None else board.flash_bytes, latency_ms)


def _executors(executor: str, ray_address: str | None, workers: int) -> tuple[Executor, Executor, str]:
    """The executors that cost candidates and measure their accuracy, and a phrase saying where they run.

    Locally, costing (no TensorFlow) goes to a pool of ``workers`` processes and accuracy is measured in this
    process, which holds the super-network and whose TensorFlow already uses every core: shipping the weights
    and TensorFlow's start-up to local workers would cost more than a small member's evaluation. On Ray both go
    to the cluster, where there are cores to spread the expensive part over."""
    if executor not in EXECUTORS:
        raise TinykitError(f"unknown executor {executor!r}: use one of {', '.join(EXECUTORS)}.")
    if executor == "ray":
        ray = RayExecutor(ray_address)
        return ray, ray, f"costing and accuracy on Ray ({ray_address or 'a local instance'})"
    if ray_address is not None:
        raise TinykitError("a Ray address was given but the executor is local: add --executor ray to use it.")
    return (ProcessExecutor(workers), SerialExecutor(),
            f"costing in {workers} local process{'es' if workers > 1 else ''}, accuracy in this process")


def _refuse_unreachable(space: SearchSpace, coster: Coster, budgets: SearchBudgets) -> None:
    """Refuse budgets that even the space's smallest member breaks (latency and the whole build's SRAM and flash,
    which the space choice's arena and weights bounds do not cover), naming each and by how much."""
    smallest = space.smallest()
    excess = budgets.over(coster(smallest))
    if excess:
        units = {"sram": "bytes", "flash": "bytes", "latency": "ms"}
        limits = {"sram": budgets.sram_bytes, "flash": budgets.flash_bytes, "latency": budgets.latency_ms}
        details = "; ".join(f"its {name} exceeds the {name} budget of {limits[name]:,} {units[name]} by "
                            f"{over:,.{2 if name == 'latency' else 0}f} {units[name]}" for name, over in excess.items())
        raise TinykitError(f"no member of the {space.family} space can meet the budgets: even the smallest (width "
                           f"multiplier {smallest.width_mult}, resolution {smallest.resolution[0]}x"
                           f"{smallest.resolution[1]}) does not fit: {details}. Loosen that budget.")


def search(data_root: Path, out: Path, board: str, task: str = "kws", sram_kb: float | None = None,
           flash_kb: float | None = None, latency_ms: float | None = None, quick: bool = False, seed: int = 0,
           workers: int = 2, bar: Bar = no_bar, report: Callable[[str], None] = lambda message: None,
           executor: str = "local", ray_address: str | None = None) -> dict:
    """Run (or resume) the search into ``out``; returns the summary. ``executor`` ("local" or "ray", at
    ``ray_address``) is where the evolution costs and measures candidates; it does not change the results,
    so a run may be resumed with another."""
    from tinykit.kws.dataset import LABELS, check_layout, load_speech_commands
    from tinykit.kws.train import SETTINGS as TRAIN_SETTINGS
    from tinykit.kws.train import TrainSettings, check_settings, data_fingerprint, fit
    from tinykit.latency.model import load_latency
    from tinykit.latency.resources import load_flash

    space = space_for(task, "dscnn")  # refuses an unknown task
    if quick:
        space = QUICK_SPACE
    plan = QUICK if quick else FULL
    budgets = _budgets(board, sram_kb, flash_kb, latency_ms)
    cost_executor, accuracy_executor, where = _executors(executor, ray_address, workers)  # refuses bad choices early
    data_root, out = Path(data_root).expanduser(), Path(out)
    check_layout(data_root, SEARCH_SPLITS)  # before any costing: a wrong folder is refused at once
    settings = SearchSettings(board, task, data_fingerprint(data_root), budgets.sram_bytes, budgets.flash_bytes,
                              latency_ms, quick, seed)
    check_settings(out, settings, "search")
    board_ = get_board(board)
    flash_model = load_flash(board_)
    # The front ranks by latency, so a board without a latency model is refused (it names `tinykit calibrate`).
    latency_model = load_latency(board)
    coster = Coster(board_, flash_model, latency_model, len(LABELS))

    # 1. Space choice (before anything is trained: unreachable budgets are refused here).
    space_file = out / "space.json"
    if space_file.exists():
        chosen = read_json(space_file)
        narrowed = space.narrowed(chosen["width_mult"], tuple(chosen["resolution"]))
        report(f"space: width multiplier {chosen['width_mult']}, resolution {chosen['resolution']} (from {space_file})")
    else:
        # Members are costed as a build would cost them on the fastest kernels (SRAM never below the build's,
        # latency never above: space_choice's docstring); the space's smallest member is then costed in full.
        bounds = Budgets(latency_ms=budgets.latency_ms, sram_bytes=budgets.sram_bytes, flash_bytes=budgets.flash_bytes)
        narrowed, stats = choose_space(space, len(LABELS), board_.features, bounds, plan["samples"], seed,
                                       BoardModels(board_, flash_model, latency_model))
        _refuse_unreachable(space, coster, budgets)
        rows = []
        for s in stats:
            quantiles = s.macs_quantiles(bounds)
            rows.append({"width_mult": s.width_mult, "resolution": list(s.resolution), "sampled": len(s.costs),
                         "fitting": s.fitting, "mean_fitting_macs": s.mean_fitting_macs,
                         "fitting_macs_p10_p50_p90": list(quantiles)})
            report(f"space w{s.width_mult} {s.resolution[0]}x{s.resolution[1]}: {s.fitting}/{len(s.costs)} fit, "
                   f"mean MACs {s.mean_fitting_macs:,.0f}, p10/p50/p90 "
                   f"{'/'.join(f'{q:,.0f}' for q in quantiles) or '-'}")
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / SETTINGS_FILE, asdict(settings))
        chosen = {"width_mult": narrowed.width_mults[0], "resolution": list(narrowed.resolutions[0]), "pairs": rows}
        write_json(space_file, chosen)
        report(f"space: chose width multiplier {chosen['width_mult']}, resolution {chosen['resolution']}")
    resolution = tuple(chosen["resolution"])
    # The evolution's first generation is drawn and costed now (costing needs no training), so that a space
    # none of whose sampled members fits in full costing is refused before the super-network's training.
    evolution = Evolution(narrowed, budgets, coster, cost_executor, plan["evolution"], seed, accuracy_executor)
    if not (out / FRONT_FILE).exists():
        try:
            evolution.first_generation()
        finally:
            # No pool idles through the super-network's training, or outlives a run stopped in it (a pool left
            # open at exit can die with a traceback); the evolution opens them again.
            cost_executor.close()
            accuracy_executor.close()

    # The data: MFCCs of the training and validation clips, on the int8 input grid.
    from tinykit.frontend.convert import input_quantization
    from tinykit.kws.features import mfcc_clips
    from tinykit.kws.train import calibration_indices, keras_quietly, on_grid

    keras = keras_quietly()
    data = load_speech_commands(data_root, seed=seed, bar=bar, splits=SEARCH_SPLITS)
    train_x = crop_features(mfcc_clips(data.training.audio, bar, "training features"), resolution)
    val_x = crop_features(mfcc_clips(data.validation.audio, bar, "validation features"), resolution)
    calibration = train_x[calibration_indices(len(train_x), seed)]
    grid = input_quantization(calibration)
    train_x, val_x = on_grid(train_x, grid), on_grid(val_x, grid)
    train_y, val_y = data.training.labels, data.validation.labels

    def crop(features: np.ndarray) -> np.ndarray:
        return crop_features(features, resolution)

    # 2. The super-network.
    from tinykit.search.supernet import Supernet, finished_epochs, recalibrate_batch_norm

    supernet = Supernet(narrowed, len(LABELS), seed=seed)
    weights_file = out / "supernet.npz"  # the training's checkpoint, written after every epoch
    epochs, done = plan["epochs"], finished_epochs(weights_file)
    if done == epochs:
        supernet.train(train_x, train_y, epochs, BATCH_SIZE, checkpoint=weights_file)  # loads it, trains nothing
        report(f"super-network: trained weights from {weights_file}")
    else:
        if done:
            report(f"super-network: resuming after epoch {done}/{epochs} from {weights_file}")
        steps = -(-len(train_x) // BATCH_SIZE)
        started = time.perf_counter()
        with bar(epochs - done, f"super-network, {epochs - done} epochs of {steps} sandwich steps") as advance:
            def epoch_done(r: Any) -> None:
                advance(1)
                report(f"super-network epoch {r.epoch + 1}/{epochs}: loss largest {r.largest_loss:.3f}, smallest "
                       f"{r.smallest_loss:.3f}, random {r.random_loss:.3f}")
            supernet.train(train_x, train_y, epochs, BATCH_SIZE, report=epoch_done, checkpoint=weights_file)
        report(f"super-network trained in {time.perf_counter() - started:.0f} s")

    # 3. Evolution.
    picked = calibration_indices(len(train_x), seed, RECALIBRATION_CLIPS, stream=2)
    recalibration = [train_x[picked[i:i + BATCH_SIZE]] for i in range(0, len(picked), BATCH_SIZE)]

    front_file = out / FRONT_FILE
    if front_file.exists():
        document = read_json(front_file)
        front = [Evaluated.from_json(c) for c in document["front"]]
        report(f"evolution: front of {len(front)} from {front_file}")
    else:
        from tinykit.search.accuracy import SubnetAccuracy

        accuracy = SubnetAccuracy.of(supernet, val_x, val_y, recalibration)
        report(f"evolution: {where}")
        evolution_file = out / "evolution.json"  # the evolution's checkpoint, written after every generation
        generations, done = plan["evolution"].generations, finished_generations(evolution_file)
        if done:
            report(f"evolution: resuming after generation {done}/{generations} from {evolution_file}")
        started = time.perf_counter()
        try:
            evaluated = evolution.run(accuracy, lambda g: report(
                f"generation {g.index + 1}/{generations}: {g.evaluated} candidates measured, best "
                f"{100 * g.best.accuracy:.1f}% at {g.best.cost.latency_ms:.2f} ms, {g.best.cost.sram_bytes:,} B SRAM"),
                checkpoint=evolution_file)
        finally:
            cost_executor.close()
            accuracy_executor.close()
        seconds = time.perf_counter() - started
        front = pareto_front(evaluated)
        document = {"budgets": asdict(budgets), "costed": len(evolution.costs), "measured": len(evaluated),
                    "seconds": seconds, "front": [c.to_json() for c in front],
                    "candidates": [c.to_json() for c in evaluated]}
        write_json(front_file, document)
        report(f"evolution: {len(evolution.costs)} candidates costed, {len(evaluated)} measured in {seconds:.0f} s; "
               f"front of {len(front)}")
    # 3b. Every front member built for the board; the front keeps those whose built image fits.
    from tinykit.search.front_build import build_stage, int8_member

    document = build_stage(document, front_file, board_.name, budgets,
                           lambda arch, path: int8_member(supernet, arch, recalibration, calibration, path), bar, report)
    front = [Evaluated.from_json(c) for c in document["front"]]
    best = front[0]  # the most accurate member that fits when built

    # 4. Fine-tune the chosen member from its inherited weights, convert it to int8.
    from tinykit.frontend.convert import convert_to_int8
    from tinykit.kws.evaluate import int8_predictions

    if not (out / "best.keras").exists():
        def inherited(input_shape: tuple[int, ...]) -> Any:
            model = supernet.extract(best.arch)
            recalibrate_batch_norm(model, recalibration)
            return model

        finetune = TrainSettings(settings.data_fingerprint, seed, epochs=plan["finetune_epochs"],
                                 patience=FINETUNE_PATIENCE, batch_size=BATCH_SIZE,
                                 learning_rate=FINETUNE_LEARNING_RATE)
        report(f"fine-tuning the chosen model: up to {finetune.epochs} epochs of `kws train`'s recipe "
               f"in {out / FINETUNE_FOLDER}")
        resume = check_settings(out / FINETUNE_FOLDER, finetune, "fine-tuning")
        (out / FINETUNE_FOLDER).mkdir(parents=True, exist_ok=True)
        write_json(out / FINETUNE_FOLDER / TRAIN_SETTINGS, asdict(finetune))
        state = fit(data, finetune, grid, out / FINETUNE_FOLDER, resume, bar, report, inherited, crop)
        report(f"fine-tuned {state.epochs_done} epochs; best validation accuracy {100 * state.best_accuracy:.1f}% "
               f"at epoch {state.best_epoch}")
        shutil.copyfile(out / FINETUNE_FOLDER / "model.keras", out / "best.partial.keras")
        os.replace(out / "best.partial.keras", out / "best.keras")
    model = keras.models.load_model(out / "best.keras")
    float_accuracy = float(np.mean(np.argmax(model.predict(val_x, batch_size=256, verbose=0), axis=1) == val_y))
    np.savez(out / "calibration.npz", inputs=calibration)
    if not (out / "best.tflite").exists():
        convert_to_int8(out / "best.keras", calibration, out / "best.tflite.partial")
        os.replace(out / "best.tflite.partial", out / "best.tflite")
    int8_accuracy = float(np.mean(int8_predictions(out / "best.tflite", val_x) == val_y))
    summary = {"board": board, "budgets": asdict(budgets), "space": {k: chosen[k] for k in ("width_mult", "resolution")},
               "chosen": document["front"][0], "front_built": document["built"], "validation_accuracy_float": float_accuracy,
               "validation_accuracy_int8": int8_accuracy, "front_size": len(front)}
    write_json(out / SUMMARY_FILE, summary)
    report(f"report: {write_search_report(out, out / 'report')}")
    return summary


def render_summary(summary: dict) -> str:
    chosen = summary["chosen"]
    return "\n".join([
        f"chosen model for {summary['board']}: {chosen['macs']:,} MACs, predicted latency "
        f"{chosen['latency_ms']:.2f} ms, arena {chosen['arena_bytes']:,} B, SRAM {chosen['sram_bytes']:,} B, "
        f"flash {chosen['flash_bytes']:,} B (weights {chosen['weights_bytes']:,} B)",
        f"accuracy on the validation split: super-network {100 * chosen['accuracy']:.1f}%, fine-tuned float "
        f"{100 * summary['validation_accuracy_float']:.1f}%, int8 {100 * summary['validation_accuracy_int8']:.1f}%",
        f"built for {summary['board']} ({chosen['build_folder']}, inherited weights): flash "
        f"{chosen['built']['flash_bytes']:,} B, SRAM {chosen['built']['ram_bytes']:,} B, arena "
        f"{chosen['built']['arena_bytes']:,} B, weights {chosen['built']['weights_bytes']:,} B",
        f"front: {summary['front_size']} models, each built and within the budgets (front.json, front/); predicted "
        f"minus built: " + ", ".join(f"{name.removesuffix('_bytes')} {low:+,} to {high:+,} B"
                                     for name, (low, high) in summary["front_built"]["error_range"].items()),
    ])
