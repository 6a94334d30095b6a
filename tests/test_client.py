"""DeviceClient against the profiler firmware running as a host board
(ASan+UBSan build) over a real TCP socket, and against ports that cannot
be opened."""

from __future__ import annotations

import os
import socket

import pytest
import serial

from profiler_host import HostBoard, build_copy_model_profiler
from tinykit.errors import TinykitError
from tinykit.profile import DeviceClient, DeviceError

INPUT = bytes([0x80, 0x7F, 0x00, 0xFF] * 4)
EXPECTED_OUT = bytes((INPUT[15 - i] + 1) & 0xFF for i in range(16))


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    return build_copy_model_profiler(tmp_path_factory.mktemp("client"))


@pytest.fixture
def client(binary):
    with HostBoard(binary) as board, DeviceClient(board.url, timeout=5, boot_timeout=5) as device:
        device.wait_ready()
        yield device
        assert device.events == []  # a clean link needs no retry


def test_identity(client):
    assert client.name() == "tinykit"
    assert client.profile() == ("tinykit profiler 1.0", "copy")
    info = client.info()
    assert (info.build_hash, info.model, info.op_count, info.input_bytes, info.output_bytes) == (
        "00c0ffee00c0ffee", "copy", 2, 16, 16)
    assert (info.clock_source, info.cpu_hz) == ("host", 1_000_000_000)


def test_load_infer_output(client):
    client.load_input(INPUT)
    result = client.infer(5, 1)
    assert result.iterations == 5 and result.elapsed_us >= 0
    assert result.results == tuple(float(b - 256 if b > 127 else b) for b in EXPECTED_OUT)
    assert client.output() == [EXPECTED_OUT]


def test_timing_and_memory(client):
    client.load_input(INPUT)
    times = client.time_inferences(5)
    assert len(times.cycles) == 5 and 0 < times.min <= times.median <= times.max
    layers = client.layer_cycles(3)
    assert len(layers.per_op) == 2 and all(len(op.cycles) == 3 for op in layers.per_op)
    assert client.output() == [EXPECTED_OUT]
    memory = client.memory()
    assert memory.arena == 48 and 0 < memory.stack_used < memory.stack_reserve


def test_device_error_is_reported(client):
    with pytest.raises(DeviceError, match=r"refused `db load 17%`: db load 17: the model's input holds 16 bytes"):
        client.load_input(bytes(17))
    assert client.name() == "tinykit"  # still in step


def test_wait_ready_after_board_already_booted(binary):
    """A board that booted long ago prints nothing: wait_ready asks."""
    with HostBoard(binary) as board:
        with DeviceClient(board.url, boot_timeout=5) as first:
            first.wait_ready()
        with DeviceClient(board.url, boot_timeout=5) as second:
            second.wait_ready()
            assert second.name() == "tinykit"


def test_port_that_does_not_exist():
    with pytest.raises(TinykitError, match="serial port /dev/ttyTINYKIT-NONE does not exist"):
        DeviceClient("/dev/ttyTINYKIT-NONE").open()


def test_nothing_listening():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TinykitError, match=f"nothing listens at socket://127.0.0.1:{port}"):
        DeviceClient(f"socket://127.0.0.1:{port}").open()


def test_port_held_by_another_program():
    """A pseudo-terminal opened exclusively by one program (pyserial's lock,
    as a serial monitor takes it) cannot be opened by the client."""
    controller, tty = os.openpty()
    path = os.ttyname(tty)
    holder = serial.Serial(path, exclusive=True)
    try:
        with pytest.raises(TinykitError, match=f"serial port {path} is held by another program"):
            DeviceClient(path).open()
    finally:
        holder.close()
        os.close(tty)
        os.close(controller)


def test_loop_url_without_firmware_times_out_clearly():
    """loop:// echoes the commands back: readable lines, but never the
    firmware's answer; the client says so instead of hanging."""
    with DeviceClient("loop://", boot_timeout=1.0) as device:
        with pytest.raises(TinykitError, match="does not seem to run the tinykit profiler firmware"):
            device.wait_ready()
