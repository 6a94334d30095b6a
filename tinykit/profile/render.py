"""The text `tinykit profile` prints: latency, the per-layer table, memory, outputs."""

from __future__ import annotations

from tinykit.profile.document import mac_limit_sentence
from tinykit.profile.measure import LAYER_SUM_TOLERANCE


def _shape(shape: list[int]) -> str:
    return "x".join(str(d) for d in shape)


def _budget(used: int, budget: int | None) -> str:
    return f"{used:>9,} B" + (f"  ({100 * used / budget:.1f}% of {budget:,} B)" if budget else "")


def _layer_table(layers: list[dict]) -> list[str]:
    header = ("op", "kind", "kernel", "output", "MACs", "cycles", "ms", "share", "MACs/cycle", "of limit")
    rows = [
        (
            str(layer["index"]), layer["op"], f"{layer['kernel']} ({layer['variant']})", _shape(layer["output_shape"]),
            f"{layer['macs']:,}",
            f"{layer['cycles']:,.0f}", f"{layer['ms']:.3f}", f"{100 * layer['share']:.1f}%", f"{layer['macs_per_cycle']:.2f}",
            f"{100 * layer['mac_limit_share']:.0f}%",
        )
        for layer in layers
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    # Text columns (kind, kernel, output) left-aligned, numbers right-aligned.
    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i in (1, 2, 3) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return [line(header), *(line(row) for row in rows)]


def _patch_stage_note(layers: list[dict]) -> list[str]:
    """Where a patch stage's time is: the firmware times the stage as its first op's call."""
    stage = next((layer for layer in layers if "patch_stage" in layer), None)
    if stage is None:
        return []
    first, last = stage["patch_stage"]
    return [f"ops {first}..{last} run patch by patch in op {first}'s call: its row holds the whole stage's time and "
            f"MACs ({stage['macs']:,}, halos included); ops {first + 1}..{last} show none"]


def render_profile(profile: dict) -> str:
    latency, memory = profile["latency"], profile["memory"]
    ratio = profile["layers_vs_latency"]
    lines = [
        f"{profile['model']} on {profile['board']} (build {profile['build_hash']}), {profile['runs']} runs after {profile['warmups']} warm-ups",
        f"clock: {profile['clock']} ({profile['cpu_hz'] / 1e6:g} MHz). {profile['clock_meaning']}",
        "",
        f"latency   median {latency['median_cycles']:,.0f} cycles = {latency['median_ms']:.3f} ms   "
        f"min {latency['min_cycles']:,} ({latency['min_ms']:.3f} ms)   max {latency['max_cycles']:,} ({latency['max_ms']:.3f} ms)",
        f"MACs      {profile['total_macs']:,} = {profile['total_macs'] / max(latency['median_cycles'], 1):.2f} MACs per cycle",
        f"limit     {mac_limit_sentence(profile['mac_limit'])}",
        "",
        *_layer_table(profile["layers"]),
        *_patch_stage_note(profile["layers"]),
        f"per-layer sum {profile['layers_cycles_sum']:,.0f} cycles = {100 * ratio:.1f}% of the whole inference"
        + ("" if abs(ratio - 1) <= LAYER_SUM_TOLERANCE else f"  WARNING: more than {100 * LAYER_SUM_TOLERANCE:.0f}% off; the per-layer figures are unreliable"),
        "",
        "memory",
        f"  arena          {_budget(memory['arena'], None)}",
        *([f"  state          {_budget(memory['state'], None)}  (beside the arena: kept between inferences)"]
          if memory.get("state") else []),
        f"  stack peak     {_budget(memory['stack_peak'], memory['stack_reserve'])}",
        f"  static         {_budget(memory['static'], None)}  (.data + .bss, arena and state included)",
        f"  total RAM      {_budget(memory['total_ram'], memory['ram_budget'])}",
        f"  flash          {_budget(memory['flash'], memory['flash_budget'])}",
        "",
        "outputs match tflite-micro bit for bit" if profile["outputs_match"]
        else f"OUTPUTS DIFFER from tflite-micro: {profile['output_mismatches']} bytes",
        *(f"link problem, recovered by retrying: {event}" for event in profile["link_events"]),
    ]
    return "\n".join(lines)
