"""Run samples on a board over its serial link: a real board, or QEMU started here."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from tinykit.boards import Board
from tinykit.errors import TinykitError
from tinykit.ir import Graph
from tinykit.profile.protocol import DeviceInfo


# The silence a board may keep while it runs one inference: a floor for the link and the firmware's own
# work, plus the model's MACs at a pace far below the slowest core's reference kernels (a 16 MHz core at
# 80 cycles per MAC), so only a firmware that never finishes is stopped, and a hung one is named within
# about twice this (tinykit.profile.client).
INFERENCE_BASE_SECONDS = 10.0
INFERENCE_MACS_PER_SECOND = 2e5


def inference_timeout(graph: Graph) -> float:
    """Seconds of silence allowed for one inference of ``graph`` on a board."""
    return INFERENCE_BASE_SECONDS + graph.macs() / INFERENCE_MACS_PER_SECOND


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


def sample_bytes(graph: Graph, sample: list[np.ndarray]) -> bytes:
    """One sample (an array per model input) as the bytes `db` loads: the inputs one after another."""
    return b"".join(np.ascontiguousarray(a, dtype=t.dtype.numpy).tobytes() for t, a in zip(graph.inputs, sample))


def output_arrays(graph: Graph, raw: list[bytes]) -> list[np.ndarray]:
    """The raw output bytes the firmware dumped (`tk-out`), as arrays shaped like the model's outputs."""
    return [np.frombuffer(chunk, dtype=t.dtype.numpy).reshape(t.shape) for t, chunk in zip(graph.outputs, raw, strict=True)]


def check_build(info: DeviceInfo, build_hash: str, url: str, folder: Path | None = None) -> None:
    """Refuse a board whose firmware reports another build than the one given."""
    if info.build_hash != build_hash:
        this_build = f"the build in {folder}" if folder is not None else "this build"
        raise TinykitError(
            f"the board at {url} runs build {info.build_hash} of model {info.model!r}, not {this_build} ({build_hash}); "
            f"flash it first (`tinykit flash {folder if folder is not None else 'FOLDER'}`)."
        )


def run_on_device(
    url: str, graph: Graph, samples: list[list[np.ndarray]], build_hash: str, progress: Callable[[int], None] = lambda _: None
) -> list[list[np.ndarray]]:
    """Load each sample over the link, run one inference and read the raw
    outputs back, all in one session; ``progress`` gets the samples done."""
    from tinykit.profile.client import DeviceClient

    results = []
    with DeviceClient(url, timeout=inference_timeout(graph), boot_timeout=30.0) as device:
        device.wait_ready()
        check_build(device.info(), build_hash, url)
        for sample in samples:
            device.load_input(sample_bytes(graph, sample))
            device.infer(1, 0)
            results.append(output_arrays(graph, device.output()))
            progress(len(results))
    return results
