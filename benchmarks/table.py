"""The readable summary `benchmarks.run` prints: one side-by-side table and one table of QEMU figures."""

from __future__ import annotations

from collections.abc import Sequence


def _aligned(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the first column left-aligned, the figures right-aligned."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


def _kib(size: int) -> str:
    return f"{size / 1024:.1f} KiB"


def _microseconds(value: float) -> str:
    return f"{value:,.1f} us"


def side_by_side_table(models: dict) -> str:
    headers = ["model", "MACs", "arena tinykit", "tflm head", "tflm total", "tk/head", "tk/total",
               "host tinykit", "host tflm", "tk/tflm", "net of calls"]
    rows = []
    for name, result in models.items():
        arena, host = result["arena"], result["host_latency"]
        rows.append([
            name, f"{result['macs']:,}",
            _kib(arena["tinykit_bytes"]), _kib(arena["tflm_head_bytes"]), _kib(arena["tflm_total_bytes"]),
            f"{arena['ratio_tinykit_to_tflm_head']:.2f}", f"{arena['ratio_tinykit_to_tflm_total']:.2f}",
            _microseconds(host["tinykit"]["median_us"]), _microseconds(host["tflm"]["median_us"]),
            f"{host['ratio_tinykit_to_tflm']:.2f}", f"{host['ratio_net_of_call_overhead']:.2f}",
        ])
    return _aligned(headers, rows)


def emulated_table(models: dict) -> str:
    headers = ["model", "board", "instructions", "MACs/instr", "largest op kind",
               "stack peak", "static RAM", "flash", "bit-exact"]
    rows = []
    for name, result in models.items():
        for board, figures in result["emulated"].items():
            kind, share = next(iter(figures["share_by_op_kind"].items()), ("-", 0.0))
            rows.append([
                name, board, f"{figures['instructions']:,.0f}", f"{figures['macs_per_instruction']:.3f}",
                f"{kind} {share:.0%}", _kib(figures["stack_peak_bytes"]), _kib(figures["static_ram_bytes"]),
                _kib(figures["flash_bytes"]), "yes" if figures["outputs_match_tflm"] else "NO",
            ])
    return _aligned(headers, rows)


def render_tables(document: dict) -> str:
    environment, overhead = document["environment"], document["call_overhead"]
    parts = [
        f"tinykit {environment['tinykit_version']} ({environment['git_commit']}) vs tflite-micro "
        f"{environment['tflite_micro_version']} on {environment['cpu_model']}, {environment['date']}",
        "",
        "Arena (bytes of RAM) and host-CPU latency (median invoke, wall clock on this machine, not a microcontroller):",
        side_by_side_table(document["models"]),
        f"call overhead (one-op model): tinykit via ctypes {_microseconds(overhead['tinykit']['median_us'])}, "
        f"tflite-micro via its Python binding {_microseconds(overhead['tflm']['median_us'])}",
    ]
    if any(result["emulated"] for result in document["models"].values()):
        parts += [
            "",
            "tinykit firmware in QEMU (retired instructions, deterministic; TF Lite Micro beside it: "
            "the side-by-side table):",
            emulated_table(document["models"]),
        ]
    return "\n".join(parts)


def _millions(value: float) -> str:
    return f"{value / 1e6:.2f} M"


def _times(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}"


def cortexm_table(document: dict) -> str:
    """The side-by-side of `benchmarks.cortexm`: per model and board, each engine's instructions, arena and code."""
    headers = ["model", "board", "MACs", "tinykit", "TFLM ref", "TFLM CMSIS-NN", "tk/ref", "tk/CMSIS-NN",
               "tk fastest", "arena tk", "arena tk fastest", "TFLM planned", "TFLM used", "code tk", "code TFLM ref",
               "code TFLM CMSIS-NN", "outputs"]
    rows = []
    for name, result in document["models"].items():
        for board, figures in result["boards"].items():
            tk, ref, nn = figures["tinykit"], figures["tflm_reference"], figures["tflm_cmsis_nn"]
            fastest = figures["tinykit_fastest"]
            rows.append([
                name, board, _millions(result["macs"]),
                _millions(tk["instructions"]), _millions(ref["instructions"]), _millions(nn["instructions"]),
                _times(figures["ratios"]["tinykit_to_tflm_reference"]["instructions"]),
                _times(figures["ratios"]["tinykit_to_tflm_cmsis_nn"]["instructions"]),
                _millions(fastest["instructions"]),
                f"{tk['arena_bytes']:,}", f"{fastest['arena_bytes']:,}",
                f"{nn['planned_activations_bytes']:,}", f"{nn['arena_used_bytes']:,}",
                _kib(tk["code_bytes"]), _kib(ref["code_bytes"]), _kib(nn["code_bytes"]),
                "all equal" if figures["all_outputs_match"] else
                "DIFFER: " + ", ".join(engine for engine, fig in figures.items() if isinstance(fig, dict) and fig.get("outputs_match") is False),
            ])
    commits = ", ".join(f"{name} {source['commit'][:12]}" for name, source in document["sources"].items())
    environment = document["environment"]
    return "\n".join([
        f"tinykit {environment['tinykit_version']} ({environment['git_commit']}) vs TF Lite Micro on "
        f"{environment['cpu_model']}, {environment['date']}",
        f"sources: {commits}",
        "Retired instructions per inference in QEMU (-icount shift=0), arena bytes, code = flash minus weights/model; "
        "tinykit as built by default (--kernels auto, which takes a slower kernel wherever it makes the arena "
        "smaller) and with --kernels fastest:",
        _aligned(headers, rows),
    ])
