"""`tinykit report`: the HTML page drawn from profile JSON files.

The profiles carry real memory plans and op lists, taken from the
tinykit.json of zoo models compiled by tinykit; only the cycle counts are
made up (the report draws whatever the profiler measured). The page is read
back with html.parser (as a browser tokenizes it) and xml.etree (its SVG).
"""

from __future__ import annotations

import copy
from dataclasses import asdict
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pytest
from zoo import converted

from tinykit.boards import get_board
from tinykit.build import compile_tflite
from tinykit.errors import TinykitError
from tinykit.handoff import FILE_NAME
from tinykit.profile.report import PROFILE_SCHEMA, load_profiles, write_report
from tinykit.profile.measure import layer_figures
from tinykit.profile.protocol import CycleStats, LayerCycles
from tinykit.profile.report.bars import BAR_MAX_WIDTH

SVG = "{http://www.w3.org/2000/svg}"
CPU_HZ = 25_000_000


@pytest.fixture(scope="session")
def zoo_cache(request: pytest.FixtureRequest) -> Path:
    return Path(request.config.cache.mkdir("tinykit-zoo"))


def compiled_handoff(name: str, zoo_cache: Path, folder: Path) -> dict:
    """The tinykit.json of a zoo model compiled by tinykit for the host."""
    compile_tflite(converted(name, zoo_cache), folder, "host", f"{name}.tflite")
    return json.loads((folder / FILE_NAME).read_text())


@pytest.fixture(scope="module")
def ds_cnn(zoo_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return compiled_handoff("kws_ds_cnn", zoo_cache, tmp_path_factory.mktemp("ds_cnn"))


@pytest.fixture(scope="module")
def inception(zoo_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return compiled_handoff("inception_block", zoo_cache, tmp_path_factory.mktemp("inception"))


def make_profile(handoff: dict, model: str, board: str = "qemu_m7", clock: str = "qemu-icount", core: str | None = None) -> dict:
    """A profile as `tinykit profile --json` prints it, for a real build, with made-up cycles:
    each op costs a fixed overhead, a share of its MACs and a little per index, so all differ.
    The per-layer entries are made by the profiler's own code from those cycles; the MAC limit
    is that of ``core`` (a board name), by default of ``board``."""
    cycles = [900 + 37 * op["index"] + op["macs"] // 3 for op in handoff["ops"]]
    limit = get_board(core or board).mac_limit
    layers = layer_figures(handoff["ops"], LayerCycles(tuple(CycleStats((c,)) for c in cycles)), CPU_HZ, limit)
    total = sum(cycles)
    median = total * 1.02  # the whole-model timing includes the per-layer loop
    arena = handoff["plan"]["arena_bytes"]
    return {
        "schema": PROFILE_SCHEMA, "tinykit_version": handoff["tinykit_version"], "model": model, "board": board,
        "build_hash": handoff["build_hash"], "clock": clock, "cpu_hz": CPU_HZ, "runs": 20,
        "latency_cycles": median, "latency_ms": 1000.0 * median / CPU_HZ,
        "latency": {
            "median_cycles": median, "min_cycles": median - 40, "max_cycles": median + 120,
            "median_ms": 1000.0 * median / CPU_HZ, "min_ms": 1000.0 * (median - 40) / CPU_HZ,
            "max_ms": 1000.0 * (median + 120) / CPU_HZ,
        },
        "mac_limit": asdict(limit), "layers": layers, "layers_cycles_sum": total, "total_macs": handoff["total_macs"],
        "memory": {
            "arena": arena, "stack_peak": 1184, "stack_reserve": 8192, "static": arena + 3000,
            "total_ram": arena + 3000 + 1184, "flash": handoff["memory"]["weights_bytes"] + 21000,
            "ram_budget": 4 * 1024 * 1024, "flash_budget": 4 * 1024 * 1024,
        },
        "outputs_match": True,
        "plan": handoff["plan"],
        "a_key_from_a_newer_profiler": {"ignored": True},
    }


def page_of(profiles: list[dict], folder: Path) -> tuple[str, ElementTree.Element]:
    """The written page as text and as an XML tree (it is well-formed XML by design)."""
    text = write_report(profiles, folder).read_text(encoding="utf-8")
    return text, ElementTree.fromstring(text)


def sections(root: ElementTree.Element) -> list[ElementTree.Element]:
    return [e for e in root.iter("section") if e.get("class") == "profile"]


def svg_with_class(section: ElementTree.Element, css_class: str) -> ElementTree.Element:
    [svg] = [e for e in section.iter(f"{SVG}svg") if e.get("class") == css_class]
    return svg


def memory_plan_svg(section: ElementTree.Element) -> ElementTree.Element:
    [div] = [e for e in section.iter("div") if "memory-plan" in (e.get("class") or "").split()]
    [svg] = div.iter(f"{SVG}svg")
    return svg


def table_rows(table: ElementTree.Element) -> list[list[str]]:
    return [["".join(cell.itertext()) for cell in row] for row in table.iter("tr")]


def table_with_class(root: ElementTree.Element, css_class: str) -> list[ElementTree.Element]:
    return [e for e in root.iter("table") if e.get("class") == css_class]


class TagCollector(HTMLParser):
    """Every start tag and the text as a browser's HTML tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def tokenize(page: str) -> TagCollector:
    collector = TagCollector()
    collector.feed(page)
    collector.close()
    return collector


# --- the page -------------------------------------------------------------------------


def test_write_report_writes_index_html_into_a_new_folder(ds_cnn: dict, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "kws"
    path = write_report([make_profile(ds_cnn, "ds_cnn")], out)
    assert path == out / "index.html" and path.is_file()


def test_page_is_self_contained(ds_cnn: dict, tmp_path: Path) -> None:
    page, _ = page_of([make_profile(ds_cnn, "ds_cnn")], tmp_path)
    tags = tokenize(page).tags
    names = {name for name, _ in tags}
    assert "style" in names and "svg" in names
    assert not names & {"script", "link", "img", "iframe", "object"}
    assert not [attrs for _, attrs in tags if {"src", "href"} & set(attrs)]


def test_bar_chart_has_one_bar_per_op_with_length_proportional_to_cycles(ds_cnn: dict, tmp_path: Path) -> None:
    profile = make_profile(ds_cnn, "ds_cnn")
    _, root = page_of([profile], tmp_path)
    [section] = sections(root)
    chart = svg_with_class(section, "layer-bars")
    rows = [g for g in chart.iter(f"{SVG}g") if g.get("class") == "layer"]
    assert [int(g.get("data-index")) for g in rows] == [op["index"] for op in ds_cnn["ops"]]
    widths = {}
    for row, layer in zip(rows, profile["layers"]):
        [bar] = [r for r in row.iter(f"{SVG}rect") if r.get("class") == "bar"]
        widths[layer["index"]] = float(bar.get("width"))
        labels = [t.text for t in row.iter(f"{SVG}text")]
        assert labels[0] == f"{layer['index']} {layer['op']}"
        assert labels[1] == f"{100 * layer['share']:.1f}%"
        tooltip = row.find(f"{SVG}title").text
        assert f"{layer['macs']:,} MACs" in tooltip and f"{layer['macs_per_cycle']:.2f} MACs/cycle" in tooltip
    slowest = max(profile["layers"], key=lambda layer: layer["cycles"])
    assert widths[slowest["index"]] == pytest.approx(BAR_MAX_WIDTH)
    [scale] = [t for t in chart.iter(f"{SVG}text") if t.get("class") == "scale"]
    assert scale.text.endswith(f"the longest is {slowest['cycles']:,.0f}")
    pixels_per_cycle = BAR_MAX_WIDTH / slowest["cycles"]
    for layer in profile["layers"]:  # one scale for all bars, to the drawing's thousandth of a pixel
        assert widths[layer["index"]] == pytest.approx(layer["cycles"] * pixels_per_cycle, abs=1e-3)


def test_layer_table_lists_every_op_with_its_figures(ds_cnn: dict, tmp_path: Path) -> None:
    profile = make_profile(ds_cnn, "ds_cnn")
    _, root = page_of([profile], tmp_path)
    [table] = table_with_class(root, "layers")
    header, *rows = table_rows(table)
    assert header == ["op", "kind", "kernel", "output shape", "MACs", "cycles", "ms", "share", "MACs/cycle", "of limit"]
    assert len(rows) == len(ds_cnn["ops"])
    for row, layer, op in zip(rows, profile["layers"], ds_cnn["ops"]):
        assert row == [
            str(op["index"]), op["kind"], f"{op['kernel']} ({op['variant']})", "x".join(map(str, op["output_shape"])),
            f"{op['macs']:,}", f"{layer['cycles']:,.0f}", f"{layer['ms']:,.3f}", f"{100 * layer['share']:.1f}%",
            f"{op['macs'] / layer['cycles']:.2f}", f"{100 * op['macs'] / layer['cycles'] / 2:.1f}%",
        ]


@pytest.mark.parametrize(("board", "limit", "instruction"), [("qemu_m7", 2, "SMLAD"), ("host", 1, "MLA")])
def test_layer_table_names_the_cores_mac_limit(ds_cnn: dict, tmp_path: Path, board: str, limit: int, instruction: str) -> None:
    """A DSP core's limit is SMLAD's two MACs per instruction; a core without DSP has MLA's one."""
    profile = make_profile(ds_cnn, "ds_cnn", board=board)
    _, root = page_of([profile], tmp_path)
    [note] = [e for e in root.iter("p") if e.get("class") == "mac-limit"]
    assert f"{limit} MACs per cycle ({instruction}:" in "".join(note.itertext())
    [table] = table_with_class(root, "layers")
    _, *rows = table_rows(table)
    for row, layer in zip(rows, profile["layers"]):
        assert row[-1] == f"{100 * layer['macs_per_cycle'] / limit:.1f}%"


def test_memory_plan_drawing_has_one_rect_per_plan_buffer(inception: dict, tmp_path: Path) -> None:
    _, root = page_of([make_profile(inception, "inception")], tmp_path)
    [section] = sections(root)
    rects = [r for r in memory_plan_svg(section).iter(f"{SVG}rect") if r.get("class") == "buffer"]
    assert sorted(r.get("data-id") for r in rects) == sorted(b["id"] for b in inception["plan"]["buffers"])
    assert len(rects) == len(inception["plan"]["buffers"]) > 1


def test_latency_and_memory_figures_appear(ds_cnn: dict, tmp_path: Path) -> None:
    profile = make_profile(ds_cnn, "ds_cnn")
    _, root = page_of([profile], tmp_path)
    [latency] = table_with_class(root, "latency")
    rows = {row[0]: row[1:] for row in table_rows(latency)[1:]}
    assert rows["median"] == [f"{profile['latency']['median_cycles']:,.0f}", f"{profile['latency']['median_ms']:,.3f}"]
    assert rows["max"][0] == f"{profile['latency']['max_cycles']:,.0f}"
    [memory] = table_with_class(root, "memory")
    rows = {row[0]: row[1:] for row in table_rows(memory)[1:]}
    assert rows["arena (planned activations)"][0] == f"{ds_cnn['plan']['arena_bytes']:,}"
    assert rows["stack peak"] == ["1,184", "8,192", f"{100 * 1184 / 8192:.1f}%"]
    total_ram = profile["memory"]["total_ram"]
    assert rows["total RAM"] == [f"{total_ram:,}", f"{4 * 1024 * 1024:,}", f"{100 * total_ram / (4 * 1024 * 1024):.1f}%"]


def test_budgets_are_left_blank_when_the_profile_has_none(ds_cnn: dict, tmp_path: Path) -> None:
    profile = make_profile(ds_cnn, "ds_cnn", board="host", clock="host")
    del profile["memory"]["ram_budget"]
    profile["memory"]["flash_budget"] = None
    _, root = page_of([profile], tmp_path)
    [memory] = table_with_class(root, "memory")
    rows = {row[0]: row[1:] for row in table_rows(memory)[1:]}
    assert rows["total RAM"][1:] == ["", ""] and rows["flash"][1:] == ["", ""]


@pytest.mark.parametrize(("clock", "meaning"), [("qemu-icount", "not real core cycles"), ("dwt", "real core cycles")])
def test_header_says_what_the_clock_measured(ds_cnn: dict, tmp_path: Path, clock: str, meaning: str) -> None:
    _, root = page_of([make_profile(ds_cnn, "ds_cnn", clock=clock)], tmp_path)
    facts = {"".join(dt.itertext()): "".join(dd.itertext()) for dt, dd in zip(root.iter("dt"), root.iter("dd"))}
    assert facts["clock"].startswith(f"{clock}: ") and meaning in facts["clock"]
    assert facts["model"] == "ds_cnn" and facts["board"] == "qemu_m7"


def test_outputs_match_is_said_plainly(ds_cnn: dict, tmp_path: Path) -> None:
    matching, differing = make_profile(ds_cnn, "good"), make_profile(ds_cnn, "bad")
    differing["outputs_match"] = False
    _, root = page_of([matching, differing], tmp_path)
    answers = ["".join(p.itertext()) for p in root.iter("p") if "outputs" in (p.get("class") or "").split()]
    assert answers == ["Outputs match the reference: yes", "Outputs match the reference: no"]


# --- comparison -------------------------------------------------------------------------


def test_one_profile_has_no_comparison_table(ds_cnn: dict, tmp_path: Path) -> None:
    _, root = page_of([make_profile(ds_cnn, "ds_cnn")], tmp_path)
    assert table_with_class(root, "comparison") == []
    assert len(sections(root)) == 1


def test_comparison_table_has_one_column_per_profile(ds_cnn: dict, inception: dict, tmp_path: Path) -> None:
    profiles = [
        make_profile(ds_cnn, "ds_cnn", board="qemu_m7"),
        make_profile(ds_cnn, "ds_cnn", board="nucleo_f746", clock="dwt"),
        make_profile(inception, "inception", board="qemu_m4"),
    ]
    _, root = page_of(profiles, tmp_path)
    [table] = table_with_class(root, "comparison")
    header, *rows = table_rows(table)
    assert header == ["", "ds_cnn @ qemu_m7", "ds_cnn @ nucleo_f746", "inception @ qemu_m4"]
    by_heading = {row[0]: row[1:] for row in rows}
    assert list(by_heading) == [
        "latency, median cycles", "latency, median ms", "MACs", "MACs/cycle overall", "MAC limit per cycle", "arena bytes",
        "stack peak bytes", "static bytes", "total RAM bytes", "flash bytes", "outputs match",
    ]
    assert by_heading["MACs"] == [f"{p['total_macs']:,}" for p in profiles]
    assert by_heading["arena bytes"] == [f"{p['memory']['arena']:,}" for p in profiles]
    assert by_heading["MACs/cycle overall"] == [f"{p['total_macs'] / p['latency_cycles']:.2f}" for p in profiles]
    assert by_heading["MAC limit per cycle"] == ["2 (SMLAD)"] * 3
    assert len(sections(root)) == 3
    # The comparison comes before the per-profile sections.
    assert table_with_class(root, "comparison")[0] in list(root.find("body"))[:3]


# --- escaping ----------------------------------------------------------------------------


def test_text_from_the_profile_is_escaped(ds_cnn: dict, tmp_path: Path) -> None:
    hostile = '<script>alert("x")</script>'
    profile = make_profile(ds_cnn, hostile, board='b"><img src=x onerror=alert(1)>', core="qemu_m7")
    profile["layers"][0]["op"] = "<b>CONV</b>"
    profile["plan"] = copy.deepcopy(profile["plan"])
    profile["plan"]["graph"] = "</svg><script>alert(2)</script>"
    page, root = page_of([profile, make_profile(ds_cnn, "plain")], tmp_path)
    parsed = tokenize(page)
    assert not {name for name, _ in parsed.tags} & {"script", "img", "b"}
    assert hostile in "".join(parsed.text)
    [section, _] = sections(root)
    assert "".join(section.find("h2").itertext()).startswith(hostile)
    assert "0 <b>CONV</b>" in [t.text for t in svg_with_class(section, "layer-bars").iter(f"{SVG}text")]


# --- loading profile files ------------------------------------------------------------------


def test_load_profiles_reads_files_in_order(ds_cnn: dict, tmp_path: Path) -> None:
    profiles = [make_profile(ds_cnn, "first"), make_profile(ds_cnn, "second")]
    paths = []
    for profile in profiles:
        path = tmp_path / f"{profile['model']}.json"
        path.write_text(json.dumps(profile))
        paths.append(path)
    assert load_profiles(paths) == profiles


def test_missing_profile_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    with pytest.raises(TinykitError, match="nowhere.json does not exist") as error:
        load_profiles([missing])
    assert "tinykit profile FOLDER --json" in str(error.value)


def test_profile_that_is_not_json_is_named(tmp_path: Path) -> None:
    path = tmp_path / "garbled.json"
    path.write_text("m-ready\r\n{not json")
    with pytest.raises(TinykitError, match=r"garbled\.json is not JSON .*line 1") as error:
        load_profiles([path])
    assert "tinykit profile FOLDER --json" in str(error.value)


@pytest.mark.parametrize("document", [{"schema": "tinykit-profile/0"}, {"schema_version": 1}, [1, 2]])
def test_json_that_is_not_a_profile_is_named(tmp_path: Path, document: object) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps(document))
    with pytest.raises(TinykitError, match=r"other\.json is not a tinykit profile.*tinykit-profile/1"):
        load_profiles([path])


def test_profile_missing_a_figure_is_named(ds_cnn: dict, tmp_path: Path) -> None:
    profile = make_profile(ds_cnn, "ds_cnn")
    del profile["memory"]["stack_peak"]
    del profile["layers"][2]["cycles"]
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(profile))
    with pytest.raises(TinykitError, match=r"cut\.json .* without memory\.stack_peak"):
        load_profiles([path])


def test_profile_from_before_the_mac_limit_asks_for_a_new_profile(ds_cnn: dict, tmp_path: Path) -> None:
    profile = make_profile(ds_cnn, "ds_cnn")
    del profile["mac_limit"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(profile))
    with pytest.raises(TinykitError, match=r"old\.json .* without mac_limit: .*Profile the build again"):
        load_profiles([path])


def test_profile_with_a_plan_from_an_older_build_asks_for_a_rebuild(ds_cnn: dict, tmp_path: Path) -> None:
    profile = make_profile(ds_cnn, "ds_cnn")
    profile["plan"] = {k: v for k, v in profile["plan"].items() if k not in ("graph", "op_kinds")}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(profile))
    with pytest.raises(TinykitError, match=r"old\.json .*older tinykit build.*Rebuild"):
        load_profiles([path])


def test_no_profiles_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TinykitError, match="No profiles"):
        write_report([], tmp_path)
    assert not (tmp_path / "index.html").exists()


def test_profile_path_that_is_a_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    with pytest.raises(TinykitError, match=r"build is a folder, not a profile file"):
        load_profiles([tmp_path / "build"])


def test_report_into_a_file_is_refused(ds_cnn: dict, tmp_path: Path) -> None:
    taken = tmp_path / "report"
    taken.write_text("not a folder")
    with pytest.raises(TinykitError, match=r"report is a file.*-o"):
        write_report([make_profile(ds_cnn, "ds_cnn")], taken)
    assert taken.read_text() == "not a folder"


# --- the command ---------------------------------------------------------------------------


def tinykit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinykit", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_report_command_writes_the_page_for_several_files(ds_cnn: dict, inception: dict, tmp_path: Path) -> None:
    (tmp_path / "m7.json").write_text(json.dumps(make_profile(ds_cnn, "ds_cnn")))
    (tmp_path / "m4.json").write_text(json.dumps(make_profile(inception, "inception", board="qemu_m4")))
    result = tinykit("report", "m7.json", "m4.json", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    root = ElementTree.parse(tmp_path / "out" / "index.html").getroot()
    [table] = table_with_class(root, "comparison")
    assert table_rows(table)[0] == ["", "ds_cnn @ qemu_m7", "inception @ qemu_m4"]


def test_report_command_refuses_a_bad_file_in_one_paragraph(ds_cnn: dict, tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text(json.dumps(make_profile(ds_cnn, "ds_cnn")))
    (tmp_path / "log.txt").write_text("m-ready\r\n")
    result = tinykit("report", "good.json", "log.txt", "-o", "out", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: log.txt is not JSON") and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()

