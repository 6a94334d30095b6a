"""The search's report page (`tinykit report SEARCH`, also written by `tinykit search` into SEARCH/report/).

The search output is made of real values: eight members of the quick space costed with the real ``Coster``
on qemu_m7 (the build's planner and emitters, the board's flash and latency models), given accuracies (the
super-network's would take minutes to train), the front from the real ``pareto_front``, written as the
search writes front.json and summary.json. The page is read back as XML (it is well-formed by design) and
its dots' positions, classes and tooltips are checked against those values.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest
from test_cli import assert_refused, tinykit

from tinykit.boards import get_board
from tinykit.errors import TinykitError
from tinykit.jsonio import write_json
from tinykit.kws.dataset import LABELS
from tinykit.latency.model import load_latency
from tinykit.latency.resources import load_flash
from tinykit.search.evolution import Coster, Evaluated, SearchBudgets, pareto_front
from tinykit.search.report import describe, stage_choices, write_search_report
from tinykit.search.run import QUICK_SPACE

SVG = "{http://www.w3.org/2000/svg}"
BOARD = "qemu_m7"
# Chosen so that four of the eight are dominated (checked below), so highlighting can be told from not.
ACCURACIES = (0.61, 0.55, 0.72, 0.48, 0.66, 0.59, 0.70, 0.52)
# Budgets every member meets (a search measures only those) and near enough for their lines to be drawn.
BUDGETS = SearchBudgets(sram_bytes=24 * 1024, flash_bytes=256 * 1024, latency_ms=100.0)


@pytest.fixture(scope="module")
def evaluated() -> list[Evaluated]:
    board = get_board(BOARD)
    coster = Coster(board, load_flash(board), load_latency(BOARD), len(LABELS))
    rng = np.random.default_rng(0)
    archs: list = []
    while len(archs) < len(ACCURACIES):
        arch = QUICK_SPACE.sample(rng)
        if arch not in archs:
            archs.append(arch)
    members = [Evaluated(arch, coster(arch), accuracy) for arch, accuracy in zip(archs, ACCURACIES)]
    assert all(not BUDGETS.over(m.cost) for m in members)
    return members


def write_search(folder: Path, evaluated: list[Evaluated], budgets: SearchBudgets = BUDGETS,
                 summary: bool = True) -> list[Evaluated]:
    """``folder`` as `tinykit search` leaves it (front.json, summary.json, settings.json); returns the front."""
    front = pareto_front(evaluated)
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "settings.json", {"board": BOARD, "quick": True, "seed": 0})
    write_json(folder / "front.json", {"budgets": asdict(budgets), "costed": 3 * len(evaluated),
                                       "measured": len(evaluated), "seconds": 17.0,
                                       "front": [c.to_json() for c in front],
                                       "candidates": [c.to_json() for c in evaluated]})
    if summary:
        write_json(folder / "summary.json", {"board": BOARD, "budgets": asdict(budgets), "chosen": front[0].to_json(),
                                             "validation_accuracy_float": 0.74, "validation_accuracy_int8": 0.73,
                                             "front_size": len(front)})
    return front


def page(folder: Path, out: Path) -> ElementTree.Element:
    return ElementTree.fromstring(write_search_report(folder, out).read_text(encoding="utf-8"))


def plot(root: ElementTree.Element, against: str) -> ElementTree.Element:
    [svg] = [e for e in root.iter(f"{SVG}svg") if e.get("class") == f"scatter {against}"]
    return svg


def dots(svg: ElementTree.Element) -> list[ElementTree.Element]:
    return [g for g in svg.iter(f"{SVG}g") if "point" in (g.get("class") or "").split()]


def classes(dot: ElementTree.Element) -> set[str]:
    return set(dot.get("class").split())


def centre(dot: ElementTree.Element) -> tuple[float, float]:
    circle = dot.find(f"{SVG}circle")
    return float(circle.get("cx")), float(circle.get("cy"))


def table_rows(root: ElementTree.Element, css_class: str) -> list[list[str]]:
    [table] = [e for e in root.iter("table") if e.get("class") == css_class]
    return [["".join(cell.itertext()) for cell in row] for row in table.iter("tr")]


@pytest.mark.parametrize(("against", "field", "budget"), [("latency", "latency_ms", BUDGETS.latency_ms),
                                                          ("sram", "sram_bytes", BUDGETS.sram_bytes)])
def test_each_plot_has_a_dot_per_candidate_where_its_figures_put_it(
        evaluated: list[Evaluated], tmp_path: Path, against: str, field: str, budget: float) -> None:
    front = write_search(tmp_path / "search", evaluated)
    assert 1 < len(front) < len(evaluated)  # some highlighted, some not: the classes below can be wrong
    svg = plot(page(tmp_path / "search", tmp_path / "report"), against)
    by_key = {dot.get("data-key"): dot for dot in dots(svg)}
    assert len(dots(svg)) == len(by_key) == len(evaluated)
    assert set(by_key) == {m.arch.to_json() for m in evaluated}
    # One linear scale per axis: x from the figure, y from the accuracy, fitted on two dots and held by all.
    xs = [(getattr(m.cost, field), centre(by_key[m.arch.to_json()])[0]) for m in evaluated]
    ys = [(m.accuracy, centre(by_key[m.arch.to_json()])[1]) for m in evaluated]
    for pairs in (xs, ys):
        (v0, p0), (v1, p1) = min(pairs), max(pairs)
        slope = (p1 - p0) / (v1 - v0)
        for value, pixel in pairs:
            assert pixel == pytest.approx(p0 + slope * (value - v0), abs=0.02)
    assert ys[0][1] != ys[2][1] and (ys[2][1] < ys[0][1]) == (ys[2][0] > ys[0][0])  # more accurate is higher
    # The budget: a dashed vertical line at its place on the same scale, labelled with its value.
    (v0, p0), (v1, p1) = min(xs), max(xs)
    [line] = [e for e in svg.iter(f"{SVG}line") if e.get("class") == "limit"]
    assert float(line.get("x1")) == float(line.get("x2")) == pytest.approx(p0 + (p1 - p0) / (v1 - v0) * (budget - v0),
                                                                           abs=0.02)
    assert "budget" in line.find(f"{SVG}title").text


def test_the_front_is_highlighted_and_joined_and_the_chosen_model_ringed(
        evaluated: list[Evaluated], tmp_path: Path) -> None:
    front = write_search(tmp_path / "search", evaluated)
    root = page(tmp_path / "search", tmp_path / "report")
    for against, field in (("latency", "latency_ms"), ("sram", "sram_bytes")):
        svg = plot(root, against)
        highlighted = [d for d in dots(svg) if "highlighted" in classes(d)]
        assert {d.get("data-key") for d in highlighted} == {m.arch.to_json() for m in front}
        [marked] = [d for d in dots(svg) if "marked" in classes(d)]
        assert marked.get("data-key") == front[0].arch.to_json() and "highlighted" in classes(marked)
        assert [c.get("class") for c in marked.iter(f"{SVG}circle")] == [None, "ring"]
        [line] = [e for e in svg.iter(f"{SVG}polyline") if e.get("class") == "joined"]
        joined = [tuple(float(v) for v in xy.split(",")) for xy in line.get("points").split()]
        # Joined in the order of the plotted figure (ties: the less accurate first).
        by_key = {d.get("data-key"): d for d in highlighted}
        in_order = sorted(front, key=lambda m: (getattr(m.cost, field), m.accuracy))
        assert joined == [centre(by_key[m.arch.to_json()]) for m in in_order]


def test_every_dot_tooltip_names_the_architecture_and_its_figures(evaluated: list[Evaluated], tmp_path: Path) -> None:
    front = write_search(tmp_path / "search", evaluated)
    svg = plot(page(tmp_path / "search", tmp_path / "report"), "latency")
    by_key = {dot.get("data-key"): dot.find(f"{SVG}title").text for dot in dots(svg)}
    for member in evaluated:
        tooltip = by_key[member.arch.to_json()]
        cost = member.cost
        assert describe(member.arch) in tooltip
        for figure in (f"Accuracy {100 * member.accuracy:.1f}%", f"latency {cost.latency_ms:,.3f} ms",
                       f"SRAM {cost.sram_bytes:,} B", f"flash {cost.flash_bytes:,} B", f"arena {cost.arena_bytes:,} B",
                       f"{cost.macs:,} MACs"):
            assert figure in tooltip
        assert ("Pareto front" in tooltip) == (member in front)
        assert "built" not in tooltip


def test_the_table_lists_the_front_with_its_figures_and_choices(evaluated: list[Evaluated], tmp_path: Path) -> None:
    front = write_search(tmp_path / "search", evaluated)
    root = page(tmp_path / "search", tmp_path / "report")
    header, *rows = table_rows(root, "front")
    stages = len(QUICK_SPACE.stages)
    assert header == ["", "accuracy", "latency ms", "SRAM B", "flash B", "arena B", "weights B", "MACs",
                      "width multiplier", "resolution", *(f"stage {i}" for i in range(1, stages + 1))]
    assert len(rows) == len(front)
    for rank, (row, member) in enumerate(zip(rows, front), start=1):
        c, arch = member.cost, member.arch
        assert row == [f"{rank} (chosen)" if rank == 1 else str(rank), f"{100 * member.accuracy:.1f}%",
                       f"{c.latency_ms:,.3f}", f"{c.sram_bytes:,}", f"{c.flash_bytes:,}", f"{c.arena_bytes:,}",
                       f"{c.weights_bytes:,}", f"{c.macs:,}", f"{arch.width_mult:g}",
                       f"{arch.resolution[0]}x{arch.resolution[1]}", *(stage_choices(s) for s in arch.stages)]
    facts = {"".join(dt.itertext()): "".join(dd.itertext()) for dt, dd in zip(root.iter("dt"), root.iter("dd"))}
    assert facts["board"] == BOARD
    assert facts["SRAM budget"] == "24,576 bytes" and facts["latency budget"] == "100.000 ms"
    assert facts["chosen model"].startswith(describe(front[0].arch)) and "74.0% fine-tuned float" in facts["chosen model"]


def test_built_sizes_are_shown_beside_the_predicted_ones(evaluated: list[Evaluated], tmp_path: Path) -> None:
    folder = tmp_path / "search"
    front = write_search(folder, evaluated)
    document = json.loads((folder / "front.json").read_text())
    built = {"arena_bytes": 4_176, "flash_bytes": 27_068, "ram_bytes": 21_056, "weights_bytes": 6_544}
    document["front"][0]["built"] = built  # as the real-build step records it; the other members stay predicted
    write_json(folder / "front.json", document)
    root = page(folder, tmp_path / "report")
    header, first, second, *_ = table_rows(root, "front")
    assert header[3:11] == ["SRAM B predicted", "SRAM B built", "flash B predicted", "flash B built",
                            "arena B predicted", "arena B built", "weights B predicted", "weights B built"]
    c = front[0].cost
    assert first[3:11] == [f"{c.sram_bytes:,}", "21,056", f"{c.flash_bytes:,}", "27,068", f"{c.arena_bytes:,}", "4,176",
                           f"{c.weights_bytes:,}", "6,544"]
    assert second[4] == second[6] == second[8] == second[10] == "n/a"
    tooltips = {d.get("data-key"): d.find(f"{SVG}title").text for d in dots(plot(root, "sram"))}
    assert f"SRAM {c.sram_bytes:,} B (built 21,056 B)" in tooltips[front[0].arch.to_json()]
    assert "built" not in tooltips[front[1].arch.to_json()]


def test_without_a_summary_nothing_is_marked_and_the_page_says_why(evaluated: list[Evaluated], tmp_path: Path) -> None:
    write_search(tmp_path / "search", evaluated, summary=False)
    root = page(tmp_path / "search" / "front.json", tmp_path / "report")
    assert not [d for d in dots(plot(root, "latency")) if "marked" in classes(d)]
    facts = {"".join(dt.itertext()): "".join(dd.itertext()) for dt, dd in zip(root.iter("dt"), root.iter("dd"))}
    assert facts["chosen model"].startswith("not chosen yet")
    assert facts["board"] == BOARD  # from settings.json


def test_a_budget_far_beyond_every_candidate_is_named_not_drawn(evaluated: list[Evaluated], tmp_path: Path) -> None:
    """The board's own 4 MB of SRAM as the budget would squeeze every dot against the left edge; no latency budget."""
    write_search(tmp_path / "search", evaluated, SearchBudgets(sram_bytes=4 * 1024 * 1024, flash_bytes=4 * 1024 * 1024))
    root = page(tmp_path / "search", tmp_path / "report")
    sram = plot(root, "sram")
    assert not [e for e in sram.iter(f"{SVG}line") if e.get("class") == "limit"]
    [note] = [e for e in sram.iter(f"{SVG}text") if e.get("class") == "limit off-chart"]
    largest = max(m.cost.sram_bytes for m in evaluated)
    assert "".join(note.itertext()) == (f"budget 4,194,304 B, {4 * 1024 * 1024 / largest:.1f}x the largest value "
                                        "\u2192 off the chart")
    latency = plot(root, "latency")
    assert not [e for e in latency.iter(f"{SVG}text") if "limit" in (e.get("class") or "")]
    xs = [centre(d)[0] for d in dots(sram)]
    assert max(xs) - min(xs) > 100  # the dots are spread over the plot


def test_an_edited_front_is_refused_naming_the_file(evaluated: list[Evaluated], tmp_path: Path) -> None:
    folder = tmp_path / "search"
    write_search(folder, evaluated)
    document = json.loads((folder / "front.json").read_text())
    del document["candidates"][2]["latency_ms"]
    write_json(folder / "front.json", document)
    with pytest.raises(TinykitError, match=r"front\.json is not a search result .*candidates\[2\].*latency_ms"):
        write_search_report(folder, tmp_path / "report")
    assert not (tmp_path / "report").exists()


# --- the command ---------------------------------------------------------------------------


def test_report_command_on_a_search_folder_and_on_its_front(evaluated: list[Evaluated], tmp_path: Path) -> None:
    write_search(tmp_path / "search", evaluated)
    for given, out in (("search", "r1"), ("search/front.json", "r2")):
        result = tinykit("report", given, "-o", out, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"wrote {out}/index.html"
        root = ElementTree.parse(tmp_path / out / "index.html").getroot()
        assert len(dots(plot(root, "latency"))) == len(evaluated)


def test_report_command_refuses_a_folder_that_is_not_a_search(evaluated: list[Evaluated], tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "profile.json").write_text("{}")
    assert_refused(tinykit("report", "build", cwd=tmp_path), "build is a folder but not a search output",
                   "no front.json", "tinykit search", "tinykit profile FOLDER --json")
    (tmp_path / "unfinished").mkdir()
    (tmp_path / "unfinished" / "settings.json").write_text("{}")
    assert_refused(tinykit("report", "unfinished", cwd=tmp_path), "has not reached its evolution",
                   "Run the same `tinykit search` command again")
    write_search(tmp_path / "search", evaluated)
    assert_refused(tinykit("report", "search", "build/profile.json", cwd=tmp_path), "given with other files")
    assert not (tmp_path / "report").exists()


def test_report_help_explains_both_uses(tmp_path: Path) -> None:
    result = tinykit("report", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "tinykit profile FOLDER --json" in result.stdout and "tinykit search" in result.stdout
    assert "Pareto front" in result.stdout
