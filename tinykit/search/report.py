"""The search's report page: its budgets, accuracy against predicted latency and
against SRAM as two scatter plots (every measured candidate a dot, the Pareto
front highlighted and joined, the chosen model ringed, the budget a dashed
line, each dot's architecture and figures in its tooltip) and a table of the
front, with the real build's sizes beside the predicted ones where a member
was built.

The page's shell, its tables and its charts are the profile report's
(``tinykit.profile.report``); this module only says what goes on them.

    write_search_report(Path("search"), Path("search/report"))   # -> search/report/index.html
"""

from __future__ import annotations

from pathlib import Path

from tinykit.profile.report.markup import fact_list, table, text
from tinykit.profile.report.numbers import NOT_AVAILABLE, count, millis, percent
from tinykit.profile.report.page import html_page, write_page
from tinykit.profile.report.scatter import Axis, Point, scatter_svg
from tinykit.search.evolution import Evaluated
from tinykit.search.outcome import BuiltSizes, SearchOutcome, load_outcome
from tinykit.search.space import Architecture, Stage

_LEGEND = ("Pareto front", "chosen model")
_PLOTS_NOTE = ("Every candidate within the budgets, with its accuracy measured on the validation split (inherited "
               "super-network weights); hover a dot for its architecture and figures. The Pareto front is over three "
               "figures, accuracy, latency and SRAM, so in one plot a front member may look beaten on the two shown: "
               "it wins on the third. The dashed line is the budget.")


def write_search_report(search: Path, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` for the search in ``search`` (its output folder or front.json)."""
    return write_page(render_search_page(load_outcome(search)), out_dir)


def render_search_page(outcome: SearchOutcome) -> str:
    """The whole HTML page for ``outcome`` (as ``load_outcome`` returns it)."""
    target = outcome.board or outcome.source.parent.name
    chosen = outcome.chosen.arch if outcome.chosen else None
    front = {m.arch for m in outcome.front}
    return html_page(f"tinykit search report: {target}", "\n".join([
        f'<section class="search"><h2>{text(f"Architecture search: {target}")}</h2>',
        _facts(outcome),
        f"<p>{text(_PLOTS_NOTE)}</p>",
        "<h3>Accuracy against predicted latency</h3>",
        f'<div class="chart">{_plot(outcome, front, chosen, "latency")}</div>',
        "<h3>Accuracy against predicted SRAM</h3>",
        f'<div class="chart">{_plot(outcome, front, chosen, "sram")}</div>',
        "<h3>The Pareto front</h3>",
        _front_table(outcome, chosen),
        "</section>",
    ]))


def describe(arch: Architecture) -> str:
    """One line naming an architecture: family, input, width multiplier, stem and each stage's choices."""
    stem = arch.stem
    stages = "; ".join(f"stage {i}: {stage_choices(s)}" for i, s in enumerate(arch.stages, start=1))
    return (f"{arch.family} {arch.resolution[0]}x{arch.resolution[1]} width x{arch.width_mult:g}, stem {stem.width} "
            f"{stem.kernel[0]}x{stem.kernel[1]}/{stem.stride}; {stages}; {arch.pool} pool")


def stage_choices(stage: Stage) -> str:
    """A stage's choices: kernel, expansion, depth, nominal width (before the width multiplier) and stride."""
    return f"k{stage.kernel} e{stage.expand} d{stage.depth} w{stage.width} s{stage.stride}"


def _facts(outcome: SearchOutcome) -> str:
    b = outcome.budgets
    chosen = outcome.chosen
    facts = [
        ("board", outcome.board or NOT_AVAILABLE),
        ("SRAM budget", f"{count(b.sram_bytes)} bytes" if b.sram_bytes is not None else "none"),
        ("flash budget", f"{count(b.flash_bytes)} bytes" if b.flash_bytes is not None else "none"),
        ("latency budget", f"{millis(b.latency_ms)} ms" if b.latency_ms is not None else "none"),
        ("candidates", f"{count(outcome.costed)} costed, {count(outcome.measured)} within the budgets and measured, "
                       f"in {outcome.seconds:,.0f} s"),
        ("Pareto front", f"{len(outcome.front)} models (accuracy, latency and SRAM: none beaten on all three)"),
        ("chosen model", _chosen_sentence(outcome) if chosen else
         "not chosen yet (no summary.json: the search stopped before fine-tuning)"),
        ("source", str(outcome.source)),
    ]
    return fact_list(facts)


def _chosen_sentence(outcome: SearchOutcome) -> str:
    assert outcome.chosen is not None and outcome.summary is not None
    summary = outcome.summary
    tuned = ", ".join(f"{percent(summary[key])} {name}" for key, name in
                      (("validation_accuracy_float", "fine-tuned float"), ("validation_accuracy_int8", "int8"))
                      if key in summary)
    return f"{describe(outcome.chosen.arch)}; {percent(outcome.chosen.accuracy)} from the super-network" + (
        f", {tuned}" if tuned else "")


def _tooltip(member: Evaluated, built: BuiltSizes | None, on_front: bool, is_chosen: bool) -> str:
    cost = member.cost
    role = "chosen model, on the Pareto front: " if is_chosen else ("on the Pareto front: " if on_front else "")

    def sized(name: str, predicted: int, real: int | None) -> str:
        return f"{name} {count(predicted)} B" + (f" (built {count(real)} B)" if real is not None else "")

    return (f"{role}{describe(member.arch)}. Accuracy {percent(member.accuracy)}, latency {millis(cost.latency_ms)} ms, "
            f"{sized('SRAM', cost.sram_bytes, built.ram_bytes if built else None)}, "
            f"{sized('flash', cost.flash_bytes, built.flash_bytes if built else None)}, "
            f"{sized('arena', cost.arena_bytes, built.arena_bytes if built else None)}, {count(cost.macs)} MACs")


def _plot(outcome: SearchOutcome, front: set[Architecture], chosen: Architecture | None, against: str) -> str:
    """Accuracy (y) against predicted latency or SRAM (x), with that budget."""
    b = outcome.budgets
    if against == "latency":
        field, x = "latency_ms", Axis("predicted latency (ms)", _short, b.latency_ms,
                                      f"budget {millis(b.latency_ms)} ms" if b.latency_ms is not None else "")
    else:
        field, x = "sram_bytes", Axis("predicted SRAM (bytes)", count, b.sram_bytes,
                                      f"budget {count(b.sram_bytes)} B" if b.sram_bytes is not None else "")
    points = [Point(getattr(m.cost, field), m.accuracy, _tooltip(m, outcome.built.get(m.arch), m.arch in front, m.arch == chosen),
                    m.arch.to_json(), m.arch in front, m.arch == chosen) for m in outcome.candidates]
    title = f"Accuracy against {x.name} of {len(points)} measured candidates"
    return scatter_svg(points, x, Axis("validation accuracy", lambda v: f"{_short(100 * v)}%"), title, _LEGEND,
                       f"scatter {against}")


def _short(tick: float) -> str:
    """A tick label: as few digits as the tick has (ticks are round numbers)."""
    return f"{tick:.6g}"


def _front_table(outcome: SearchOutcome, chosen: Architecture | None) -> str:
    with_built = any(m.arch in outcome.built for m in outcome.front)
    # (column name, predicted cost field, built size report field): the build reports SRAM as its RAM.
    sizes = (("SRAM", "sram_bytes", "ram_bytes"), ("flash", "flash_bytes", "flash_bytes"),
             ("arena", "arena_bytes", "arena_bytes"), ("weights", "weights_bytes", "weights_bytes"))
    size_headers = [h for name, _, _ in sizes for h in ((f"{name} B predicted", f"{name} B built") if with_built
                                                   else (f"{name} B",))]
    stages = max((len(m.arch.stages) for m in outcome.front), default=0)
    header = ["", "accuracy", "latency ms", *size_headers, "MACs", "width multiplier", "resolution",
              *(f"stage {i}" for i in range(1, stages + 1))]
    rows = []
    for rank, member in enumerate(outcome.front, start=1):
        cost, built = member.cost, outcome.built.get(member.arch)
        size_cells: list[str] = []
        for _, predicted, real in sizes:
            size_cells.append(count(getattr(cost, predicted)))
            if with_built:
                size_cells.append(count(getattr(built, real)) if built else NOT_AVAILABLE)
        arch = member.arch
        rows.append([
            f"{rank} (chosen)" if arch == chosen else str(rank), percent(member.accuracy), millis(cost.latency_ms),
            *size_cells, count(cost.macs), f"{arch.width_mult:g}", f"{arch.resolution[0]}x{arch.resolution[1]}",
            *(stage_choices(s) for s in arch.stages), *([""] * (stages - len(arch.stages))),
        ])
    note = ("Sizes are predicted as `tinykit estimate` predicts them (arena and weights exact, flash and SRAM from the "
            "board's flash model); latency from the board's latency model. ")
    note += ("Built: the sizes `tinykit build` reported for the member, where it was built."
             if with_built else "No member carries built sizes, so only the predictions are shown.")
    note += " Stages: kernel, expansion, depth, width before the multiplier, stride."
    return table(header, rows, "front") + f'<p class="note">{text(note)}</p>'
