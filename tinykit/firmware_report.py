"""How a firmware image uses the board's flash and SRAM, as `tinykit build` prints it."""

from __future__ import annotations

from tinykit.boards import Board


def _share(part: int, budget: int | None) -> str:
    return f"{100.0 * part / budget:5.1f}%" if budget else ""


def firmware_usage(board: Board, sizes) -> dict:  # sizes: tinykit.deploy.platformio.SizeBreakdown
    return {
        "board": board.name,
        "flash_bytes": sizes.flash,
        "flash_budget": board.flash_bytes,
        "ram_bytes": sizes.sram,
        "ram_budget": board.sram_bytes,
        "weights_bytes": sizes.weights,
        "code_bytes": sizes.code,
        "other_flash_bytes": sizes.other_flash,
        "flash_minus_weights_bytes": sizes.flash_minus_weights,
        "arena_bytes": sizes.arena,
        "state_bytes": sizes.state,
        "stack_reserve_bytes": sizes.stack_reserve,
        "other_ram_bytes": sizes.other_sram,
    }


def render_usage(board: Board, sizes) -> str:
    rows = [
        ("flash", sizes.flash, board.flash_bytes, [("weights", sizes.weights), ("code", sizes.code), ("other", sizes.other_flash),
                                                   ("all but weights", sizes.flash_minus_weights)]),
        ("SRAM", sizes.sram, board.sram_bytes, [("arena", sizes.arena), *([("state", sizes.state)] if sizes.state else []),
                                            ("stack reserve", sizes.stack_reserve), ("other static", sizes.other_sram)]),
    ]
    lines = []
    for name, used, budget, parts in rows:
        lines.append(f"{name:<6} {used:>10,} of {budget:>10,} bytes {_share(used, budget)}")
        for label, value in parts:
            lines.append(f"  {label:<16} {value:>10,}")
    return "\n".join(lines)
