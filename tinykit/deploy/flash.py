"""Uploading firmware to a real board: `pio run -t upload` in the project,
which runs the system openocd with the board's ST-Link scripts (see the
dev-platform's builder). An emulated board has nothing to flash."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from tinykit.boards import Board
from tinykit.deploy.platformio import run_pio
from tinykit.errors import TinykitError


def flash(project: Path, board: Board, progress: Callable[[str], None] | None = None) -> None:
    """Build if needed and upload the project's firmware to ``board``.

    Raises TinykitError when the board is emulated or the host, or when the
    upload fails (the message says plainly when no debug probe is attached)."""
    if board.upload != "openocd":
        raise TinykitError(
            f"Board '{board.name}' is {'emulated' if board.kind == 'emulated' else 'the build machine'}: "
            "there is nothing to flash. `tinykit verify` and `tinykit profile` "
            "start it themselves; to watch its console, run `pio run -t upload` "
            "in the project folder (for an emulated board that boots QEMU)."
        )
    run_pio(Path(project).resolve(), ["upload"], progress)
