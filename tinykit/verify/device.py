"""Run samples on a board over its serial link: a real board, or QEMU started here."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

import numpy as np

from tinykit.boards import Board
from tinykit.errors import TinykitError
from tinykit.ir import Graph


def firmware_elf(folder: Path, board: Board) -> Path:
    """The ELF `pio run` left in a build folder."""
    return folder.resolve() / ".pio" / "build" / board.name / "firmware.elf"


@contextlib.contextmanager
def device_link(folder: Path, board: Board, port: str | None = None) -> Iterator[str]:
    """A pyserial URL to the board running this build: ``port`` for a real
    board (already flashed), or QEMU running the build's ELF for an emulated one."""
    if port is not None:
        yield port
        return
    if board.kind != "emulated":
        raise TinykitError(
            f"{board.name} is a real board: flash it with `tinykit flash {folder}` and give its serial port with "
            "--port (for example /dev/ttyACM0)."
        )
    from tinykit.deploy.qemu import qemu_session

    with qemu_session(board, firmware_elf(folder, board)) as url:
        yield url


def run_on_device(url: str, graph: Graph, samples: list[list[np.ndarray]], build_hash: str) -> list[list[np.ndarray]]:
    """Load each sample over the link, run one inference and read the raw outputs back."""
    from tinykit.profile.client import DeviceClient

    results = []
    with DeviceClient(url, timeout=60.0, boot_timeout=30.0) as device:
        device.wait_ready()
        info = device.info()
        if info.build_hash != build_hash:
            raise TinykitError(
                f"the board at {url} runs build {info.build_hash} of model {info.model!r}, not this build ({build_hash}); "
                "flash this build first (`tinykit flash FOLDER`)."
            )
        for sample in samples:
            data = b"".join(np.ascontiguousarray(a, dtype=t.dtype.numpy).tobytes() for t, a in zip(graph.inputs, sample))
            device.load_input(data)
            device.infer(1, 0)
            raw = device.output()
            outputs = []
            for tensor, chunk in zip(graph.outputs, raw, strict=True):
                outputs.append(np.frombuffer(chunk, dtype=tensor.dtype.numpy).reshape(tensor.shape))
            results.append(outputs)
    return results
