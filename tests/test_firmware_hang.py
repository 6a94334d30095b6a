"""A firmware that hangs in the middle of an inference: the profiler app
built for the host board with a model whose op 1 never ends
(tests/fixtures/stuck_model.c), driven over its real TCP console. The client
must end with an error naming the cause, within its timeouts, never wait
forever; the ordinary case (the same app with the copy model) is in
test_client.py."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from profiler_host import COPY_MODEL, HostBoard, build_profiler
from tinykit.errors import TinykitError
from tinykit.profile import DeviceClient

STUCK_MODEL = Path(__file__).resolve().parent / "fixtures" / "stuck_model.c"
INPUT = bytes(range(16))
# Far above what the client may take (two timeouts of 1 s); only a hang reaches it.
GUARD_SECONDS = 60


@pytest.fixture(autouse=True)
def guard() -> Iterator[None]:
    """Turn a hang of the code under test into a failure instead of a stuck test run."""
    def hung(*_: object) -> None:
        raise AssertionError(f"the client still waited after {GUARD_SECONDS} s: it hangs with a hung firmware")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(GUARD_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def stuck(tmp_path_factory: pytest.TempPathFactory):
    """The profiler binary with the stuck model, by how it hangs (built on first use)."""
    built: dict[str, Path] = {}

    def binary(how: str) -> Path:
        if how not in built:
            out = tmp_path_factory.mktemp(how.lower())
            built[how] = build_profiler([STUCK_MODEL], [COPY_MODEL], out, extra_flags=(f"-D{how}",))
        return built[how]

    return binary


def test_a_model_that_never_finishes_is_reported_as_a_hung_firmware(stuck) -> None:
    with HostBoard(stuck("STUCK_SILENT")) as board, DeviceClient(board.url, timeout=1.0, boot_timeout=5.0) as client:
        client.load_input(INPUT)
        with pytest.raises(TinykitError) as error:
            client.infer(1, 0)
    message = str(error.value)
    assert "hung" in message and "`infer 1 0%`" in message and "Reset the board" in message
    assert "tinykit build" in message
    assert "Traceback" not in message


def test_a_firmware_printing_in_a_loop_is_cut_off_and_reported(stuck) -> None:
    with HostBoard(stuck("STUCK_CHATTER")) as board, DeviceClient(board.url, timeout=1.0, boot_timeout=5.0) as client:
        client.load_input(INPUT)
        with pytest.raises(TinykitError, match=r"sent 1004 lines .* in reply to `tk-time 3%` without ending it with m-ready "
                                               r"\(the last: 'm-still-running'\): it is stuck in a loop that prints") as error:
            client.time_inferences(3)  # cut at 1000 lines + one per run, the first beyond
    assert "Reset the board" in str(error.value)
    assert client.events == []  # not retried: a loop does not go away by asking again
