"""The report page: one self-contained HTML file (inline CSS and SVG, no
script, nothing fetched) with a section per profile, preceded by a comparison
table when there are several.

The page is also well-formed XML (void elements closed, numeric character
references only), so tools and tests can read it with an XML parser.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tinykit.errors import TinykitError
from tinykit.planner.picture import render_svg
from tinykit.profile.document import clock_meaning, mac_limit_sentence
from tinykit.profile.report.bars import layer_bars_svg
from tinykit.profile.report.compare import comparison_table, profile_title
from tinykit.profile.report.markup import fact_list, table, text
from tinykit.profile.report.numbers import count, millis, overall_macs_per_cycle, percent, ratio, share_of, yes_no

Profile = dict[str, Any]
PAGE_NAME = "index.html"

# What a latency figure means depends on the clock that measured it.

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; }
td { text-align: right; font-variant-numeric: tabular-nums; }
thead th { background: #eef2f7; }
tbody th { text-align: left; font-weight: normal; }
section.profile { border-top: 2px solid #5b8fc7; margin-top: 2em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
p.outputs.no { color: #b00; font-weight: bold; }
.chart { overflow-x: auto; }
"""


def write_report(profiles: list[Profile], out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` for ``profiles`` (as ``load_profiles`` returns them); return its path."""
    return write_page(render_page(profiles), out_dir)


def write_page(page_html: str, out_dir: Path) -> Path:
    """Write ``page_html`` as ``out_dir/index.html`` (the folder made if needed); return its path.
    Every report page (profiles, a search) is written here, so all refuse a file given as the folder alike."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise TinykitError(f"{out_dir} is a file, but the report is written into a folder. Pass a folder with -o, e.g. -o report.")
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / PAGE_NAME
    page.write_text(page_html, encoding="utf-8")
    return page


def html_page(title: str, body: str) -> str:
    """A whole page: ``title`` (plain text, escaped here) in its head, then ``body`` (HTML) under the report's
    heading, with the report's one style sheet inline."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8"/>'
        f"<title>{text(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body><h1>tinykit report</h1>\n{body}\n</body></html>\n"
    )


def render_page(profiles: list[Profile]) -> str:
    """The whole HTML page for ``profiles``."""
    if not profiles:
        raise TinykitError(
            "No profiles to report. Pass one or more profile files, made with `tinykit profile FOLDER --json > profile.json`."
        )
    titles = ", ".join(profile_title(p) for p in profiles)
    comparison = f"<h2>Comparison</h2>{comparison_table(profiles)}" if len(profiles) > 1 else ""
    sections = "\n".join(_profile_section(number, p) for number, p in enumerate(profiles, start=1))
    return html_page(f"tinykit report: {titles}", f"{comparison}\n{sections}")


def _profile_section(number: int, profile: Profile) -> str:
    title = profile_title(profile)
    return (
        f'<section class="profile" id="profile-{number}"><h2>{text(title)}</h2>\n'
        f"{_facts(profile)}\n"
        f"<h3>Latency</h3>\n{_latency(profile)}\n"
        f"<h3>Per-layer latency</h3>\n"
        f'<div class="chart">{layer_bars_svg(profile["layers"], f"Per-layer latency of {title}")}</div>\n'
        f"{_layers_table(profile)}\n"
        f"<h3>Memory</h3>\n{_memory(profile)}\n"
        f"<h3>Outputs</h3>\n{_outputs(profile)}\n"
        f"<h3>Memory plan</h3>\n<p>{text(_plan_caption(profile['plan']))}</p>\n"
        f'<div class="chart memory-plan">{render_svg(profile["plan"])}</div>\n'
        "</section>"
    )


def _facts(profile: Profile) -> str:
    clock = profile["clock"]
    meaning = clock_meaning(clock)
    facts = [
        ("model", profile["model"]),
        ("board", profile["board"]),
        ("clock", f"{clock}: {meaning}"),
        ("CPU clock", f"{count(profile['cpu_hz'])} Hz"),
        ("runs", f"{profile['runs']} (figures are medians unless marked min or max)"),
        ("build", profile["build_hash"]),
        ("tinykit", profile["tinykit_version"]),
    ]
    return fact_list(facts)


def _latency(profile: Profile) -> str:
    latency = profile["latency"]
    rows = [
        [which, count(latency[f"{which}_cycles"]), millis(latency[f"{which}_ms"])]
        for which in ("median", "min", "max")
    ]
    layers_sum = profile["layers_cycles_sum"]
    notes = (
        f"{count(profile['total_macs'])} MACs, {ratio(overall_macs_per_cycle(profile))} MACs per cycle overall. "
        f"Per-layer cycles sum to {count(layers_sum)}, "
        f"{percent(share_of(layers_sum, profile['latency_cycles']))} of the median whole-model latency."
    )
    return table(["", "cycles", "ms"], rows, "latency") + f"<p>{text(notes)}</p>"


def _layers_table(profile: Profile) -> str:
    header = ["op", "kind", "kernel", "output shape", "MACs", "cycles", "ms", "share", "MACs/cycle", "of limit"]
    rows = [
        [
            str(layer["index"]), layer["op"], f"{layer['kernel']} ({layer['variant']})",
            "x".join(str(d) for d in layer["output_shape"]), count(layer["macs"]), count(layer["cycles"]),
            millis(layer["ms"]), percent(layer["share"]), ratio(layer["macs_per_cycle"]), percent(layer["mac_limit_share"]),
        ]
        for layer in profile["layers"]
    ]
    limit = f"The core's limit: {mac_limit_sentence(profile['mac_limit'])}."
    return table(header, rows, "layers") + f'<p class="mac-limit">{text(limit)}</p>'



def _memory(profile: Profile) -> str:
    memory = profile["memory"]
    ram_budget, flash_budget = memory.get("ram_budget"), memory.get("flash_budget")
    rows = [
        ("arena (planned activations)", memory["arena"], None),
        *([("state (beside the arena, kept between inferences)", memory["state"], None)] if memory.get("state") else []),
        ("stack peak", memory["stack_peak"], memory["stack_reserve"]),
        ("stack reserve", memory["stack_reserve"], None),
        ("static (.data + .bss)", memory["static"], None),
        ("total RAM", memory["total_ram"], ram_budget),
        ("flash", memory["flash"], flash_budget),
    ]
    cells = [
        [name, count(used), count(budget) if budget else "", percent(share_of(used, budget)) if budget else ""]
        for name, used, budget in rows
    ]
    return table(["", "bytes", "budget", "share of budget"], cells, "memory")


def _outputs(profile: Profile) -> str:
    answer = yes_no(profile["outputs_match"])
    return f'<p class="outputs {text(answer)}">Outputs match the reference: {text(answer)}</p>'


def _plan_caption(plan: dict[str, Any]) -> str:
    return (
        f"Arena {count(plan['arena_bytes'])} bytes, lower bound {count(plan['lower_bound'])} bytes (peak of live "
        f"tensors), {len(plan['buffers'])} buffers over {len(plan['op_kinds'])} ops. Time runs left to right, "
        "addresses top to bottom; hover a buffer for its name, size and offset."
    )
