"""DeviceClient over a misbehaving link: a TCP proxy (below) sits between
the client and the profiler firmware on the host board and damages the real
byte stream: noise, dropped bytes, corrupted payloads, a reset banner
mid-command, a wrong baud rate, a hung board. Each case must end in the
right numbers or a clear TinykitError, never a hang."""

from __future__ import annotations

import socket

import pytest
from fault_proxy import BOOT_BANNER, FaultProxy, Once, OnceCommand

from profiler_host import HostBoard, build_copy_model_profiler
from tinykit.errors import TinykitError
from tinykit.profile import DeviceClient

INPUT = bytes(range(100, 116))
EXPECTED_OUT = bytes((INPUT[15 - i] + 1) & 0xFF for i in range(16))
@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    return build_copy_model_profiler(tmp_path_factory.mktemp("faults"))


@pytest.fixture
def board(binary):
    with HostBoard(binary) as running:
        yield running


@pytest.fixture
def link(board):
    """Make a proxy with the given faults and a client through it."""
    made: list[tuple[FaultProxy, DeviceClient]] = []

    def make(timeout: float = 2.0, boot_timeout: float = 3.0, **faults) -> tuple[FaultProxy, DeviceClient]:
        proxy = FaultProxy(board.port, **faults)
        client = DeviceClient(proxy.url, timeout=timeout, boot_timeout=boot_timeout).open()
        made.append((proxy, client))
        return proxy, client

    yield make
    for proxy, client in made:
        client.close()
        proxy.close()


def test_noise_and_banners_before_first_ready(link):
    greeting = b"\x00\xfe\xff\x13boot rom v1.2\r\n\x9c\x88\x81\xff\r\nSTM32 bootloader\r\n\xfe\xfe"
    _, client = link(greeting=greeting)
    client.wait_ready()
    assert client.name() == "tinykit"
    assert client.events == []


def test_dropped_byte_in_record_is_detected_and_retried(link):
    drop = Once(b"m-tk-info-[", lambda line: line.replace(b"arena=48", b"arena=4"))
    _, client = link(to_host=drop)
    info = client.info()
    assert drop.done and info.arena_bytes == 48
    assert len(client.events) == 1 and "damaged tinykit record" in client.events[0]


def test_corrupted_payload_is_detected_and_retried(link):
    corrupt = Once(b"m-tk-time-run-[run=1,", lambda line: line.replace(b"cycles=", b"cycles=9"))
    _, client = link(to_host=corrupt)
    client.load_input(INPUT)
    stats = client.time_inferences(3)
    assert corrupt.done and len(stats.cycles) == 3
    assert len(client.events) == 1 and "CRC-32" in client.events[0]


def test_lost_ready_line_is_recovered(link):
    lose = Once(b"m-ready", lambda line: b"m-re")  # the rest of the line never arrives
    proxy, client = link(timeout=0.5)
    client.wait_ready()
    proxy.to_host = lose
    assert client.name() == "tinykit"
    assert lose.done and "stopped before its m-ready" in client.events[0]


def test_reset_mid_command_reloads_input_and_retries(link):
    reset = OnceCommand(b"infer", inject=BOOT_BANNER)
    proxy, client = link(to_device=reset)
    client.load_input(INPUT)
    result = client.infer(3, 0)
    assert reset.done
    assert result.results == tuple(float(b - 256 if b > 127 else b) for b in EXPECTED_OUT)
    assert len(client.events) == 1 and "board reset during `infer 3 0%`" in client.events[0]
    # The input was loaded again after the reset, before the retry.
    assert sum(c.startswith(b"db load") for c in proxy.commands) == 2


def test_reset_every_time_gives_up_with_a_clear_error(link):
    def always_reset(command: bytes) -> tuple[bytes, bytes]:
        return command, (BOOT_BANNER if command.startswith(b"tk-mem") else b"")

    _, client = link(to_device=always_reset)
    with pytest.raises(TinykitError, match=r"`tk-mem%` failed 2 times.*board reset.*then.*board reset"):
        client.memory()


def test_input_garbled_on_the_way_in_is_resent(link):
    # A flipped bit in one hex digit still makes valid hex: only the CRC can tell.
    garble = OnceCommand(b"db 64", lambda command: command.replace(b"db 64", b"db 65"))
    proxy, client = link(to_device=garble)
    client.load_input(INPUT)
    assert garble.done and len(client.events) == 1 and "CRC-32" in client.events[0]
    assert sum(c.startswith(b"db load") for c in proxy.commands) == 2
    client.infer(1, 0)
    assert client.output() == [EXPECTED_OUT]


def test_wrong_baud_rate_is_reported(link):
    _, client = link(to_host=lambda line: bytes(b | 0x80 for b in line))
    with pytest.raises(TinykitError, match="baud rate probably does not match"):
        client.wait_ready()


def test_hung_board_times_out_saying_what_was_expected(link):
    proxy, client = link(timeout=0.5)
    client.wait_ready()
    proxy.to_host = lambda line: b""  # the board goes quiet
    with pytest.raises(TinykitError, match=r"no reply from .* within 0.5 s \(expected an m-tk-info-\[\.\.\.\] record then m-ready in reply to `tk-info%`\)"):
        client.info()


def test_slow_board_within_timeout_is_fine(link):
    import time

    def slow(line: bytes) -> bytes:
        time.sleep(0.05)
        return line

    _, client = link(timeout=1.0, to_host=slow)
    client.load_input(INPUT)
    assert client.layer_cycles(2).per_op[0].cycles[0] > 0
    assert client.events == []


def test_silent_peer():
    with socket.create_server(("127.0.0.1", 0)) as server:
        url = f"socket://127.0.0.1:{server.getsockname()[1]}"
        with DeviceClient(url, boot_timeout=1.0) as client:
            with pytest.raises(TinykitError, match=r"no reply from .* within 1 s \(expected an m-ready from the profiler firmware\)"):
                client.wait_ready()
