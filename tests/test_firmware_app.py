"""The profiler firmware app, built with the host BSP (-Werror, ASan+UBSan)
and driven over its real TCP console with raw bytes: every command's exact
reply, its errors, and MLPerf Tiny's runner performance sequence."""

from __future__ import annotations

import re
import zlib

import pytest

from mlperf_runner import Console, identify, performance_round
from profiler_host import HostBoard, build_copy_model_profiler

BOOT = ["m-timestamp-mode-performance", "m-init-done", "m-ready"]
INPUT = bytes(range(16))
# The copy model: out[i] = in[15 - i] + 1 (int8, wrapping).
EXPECTED_OUT = bytes((INPUT[15 - i] + 1) & 0xFF for i in range(16))


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    return build_copy_model_profiler(tmp_path_factory.mktemp("profiler"))


@pytest.fixture
def console(binary):
    with HostBoard(binary) as board:
        con = Console(board.url)
        assert [con.line() for _ in BOOT] == BOOT
        yield con
        con.close()


def record(line: str, topic: str) -> dict[str, str]:
    """Fields of a checksummed record, checking its CRC-32 independently."""
    match = re.fullmatch(rf"m-tk-{topic}-\[(.*)\]-crc-([0-9a-f]{{8}})", line)
    assert match, line
    assert int(match[2], 16) == zlib.crc32(match[1].encode())
    return dict(item.split("=", 1) for item in match[1].split(","))


def load(console: Console, data: bytes) -> None:
    assert console.send(f"db load {len(data)}") == [f"m-[Expecting {len(data)} bytes]"]
    assert console.send(f"db {data.hex()}") == ["m-load-done"]


def test_identity_commands(console):
    assert console.send("name") == ["m-name-dut-[tinykit]"]
    assert console.send("profile") == ["m-profile-[tinykit profiler 1.0]", "m-model-[copy]"]
    stamp = console.send("timestamp")
    assert len(stamp) == 1 and re.fullmatch(r"m-lap-us-\d+", stamp[0])
    help_lines = console.send("help")
    for command in ["name", "profile", "timestamp", "db", "infer", "results", "tk-info", "tk-layers", "tk-time", "tk-mem", "tk-out"]:
        assert any(line.startswith(command + " ") for line in help_lines), command


def test_db_load_print_and_infer_results(console):
    load(console, INPUT)
    assert console.send("db print") == ["m-buffer-00-01-02-03-04-05-06-07", "m-buffer-08-09-0a-0b-0c-0d-0e-0f"]
    reply = console.send("infer 3 2")
    assert reply[:3] == ["m-warmup-start-2", "m-warmup-done", "m-infer-start-3"]
    start, end = (int(re.fullmatch(r"m-lap-us-(\d+)", line)[1]) for line in reply[3:5])
    assert end >= start
    expected_results = "m-results-[" + ",".join(str(b - 256 if b > 127 else b) for b in EXPECTED_OUT) + "]"
    assert reply[5:] == ["m-infer-done", expected_results]
    assert console.send("results") == [expected_results]
    (out,) = console.send("tk-out")
    assert record(out, "out") == {"output": "0", "bytes": "16", "hex": EXPECTED_OUT.hex()}


def test_db_in_chunks_and_input_crc(console):
    data = bytes([0x80, 0xFF, 0x7F, 0x00, 0x10, 0x20])
    assert console.send("db load 6") == ["m-[Expecting 6 bytes]"]
    assert console.send("db 80ff") == []
    assert console.send("db 7F0010") == []  # upper case digits are fine
    (check,) = console.send("tk-in")
    assert record(check, "in") == {"bytes": "5", "crc32": str(zlib.crc32(data[:5]))}
    assert console.send("db 2099") == ["m-load-done"]  # the digits beyond 6 bytes are dropped
    (check,) = console.send("tk-in")
    assert record(check, "in") == {"bytes": "6", "crc32": str(zlib.crc32(data))}


@pytest.mark.parametrize(
    "command, error",
    [
        ("bogus", "e-[Unknown command: bogus]"),
        ("db", "e-[db needs a subcommand: load N, HEX or print]"),
        ("db load", "e-[db load needs N (the number of input bytes)]"),
        ("db load 0", "e-[db load: N (the number of input bytes) must be a whole number >= 1, got '0']"),
        ("db load 17", "e-[db load 17: the model's input holds 16 bytes]"),
        ("db 0102", "e-[db HEX needs a db load N first]"),
        ("infer 0", "e-[infer: N (inferences) must be a whole number >= 1, got '0']"),
        ("infer 1 -1", "e-[infer: W (warm-up inferences) must be a whole number >= 0, got '-1']"),
        ("infer 1 2 3", "e-[infer takes at most 2 arguments]"),
        ("tk-time", "e-[tk-time needs N (runs)]"),
        ("tk-layers x", "e-[tk-layers: N (runs) must be a whole number >= 1, got 'x']"),
        ("name now", "e-[name takes at most 0 arguments]"),
        ("a b c d e f g h i", "e-[Command has too many tokens]"),
        ("x" * 81, "e-[Command longer than 80 characters]"),
    ],
)
def test_errors_end_with_ready(console, command, error):
    assert console.send(command) == [error]
    # The firmware is still in step after the error.
    assert console.send("name") == ["m-name-dut-[tinykit]"]


def test_bad_hex_changes_nothing(console):
    assert console.send("db load 4") == ["m-[Expecting 4 bytes]"]
    assert console.send("db 123") == ["e-[Insufficient number of hex digits]"]
    assert console.send("db 12zz") == ["e-[Invalid hex digit 'z']"]
    assert console.send("infer 1 0") == ["e-[the input is incomplete: 0 of 4 bytes loaded; send the rest with db HEX]"]
    assert console.send("db 01020304") == ["m-load-done"]
    assert console.send("db 05") == ["e-[all bytes of the db load are in; send db load N to load again]"]


def test_empty_commands_and_line_ends_are_ignored(console):
    console.sock.sendall(b"%  %\r\nname%")
    assert console.until_ready() == ["m-name-dut-[tinykit]"]


def test_tk_info(console):
    (line,) = console.send("tk-info")
    assert record(line, "info") == {
        "build": "00c0ffee00c0ffee",
        "model": "copy",
        "arena": "48",
        "ops": "2",
        "inputs": "1",
        "input_bytes": "16",
        "outputs": "1",
        "output_bytes": "16",
        "clock": "host",
        "hz": "1000000000",
        "stack_reserve": "262144",
    }


def test_tk_time_and_layers(console):
    load(console, INPUT)
    header, *runs = console.send("tk-time 4")
    assert record(header, "time") == {"runs": "4", "ops": "2"}
    assert [record(r, "time-run")["run"] for r in runs] == ["0", "1", "2", "3"]
    assert all(int(record(r, "time-run")["cycles"]) > 0 for r in runs)
    header, *runs = console.send("tk-layers 3")
    assert record(header, "layers") == {"runs": "3", "ops": "2"}
    for index, line in enumerate(runs):
        fields = record(line, "layer-run")
        assert fields["run"] == str(index)
        assert len(fields["cycles"].split(";")) == 2
    # Per-op execution computes what a whole inference does.
    (out,) = console.send("tk-out")
    assert record(out, "out")["hex"] == EXPECTED_OUT.hex()


def test_tk_mem_reports_painted_stack_and_static(console):
    load(console, INPUT)
    console.send("infer 1 0")
    (line,) = console.send("tk-mem")
    fields = {k: int(v) for k, v in record(line, "mem").items()}
    assert fields["arena"] == 48 and fields["stack_reserve"] == 262144
    # The app's own frames and the socket calls lie below main: measured, and
    # within the painted window.
    assert 0 < fields["stack_used"] < fields["stack_reserve"]
    assert fields["static"] >= fields["arena"]


def test_tk_sync_echoes_token(console):
    (line,) = console.send("tk-sync abc123")
    assert record(line, "sync") == {"token": "abc123"}


def test_reconnect_keeps_running(binary):
    """A UART outlives its terminal: a second connection finds the board
    where the first left it (no second boot banner)."""
    with HostBoard(binary) as board:
        first = Console(board.url)
        assert [first.line() for _ in BOOT] == BOOT
        load(first, INPUT)
        first.close()
        second = Console(board.url)
        assert second.send("db print") == ["m-buffer-00-01-02-03-04-05-06-07", "m-buffer-08-09-0a-0b-0c-0d-0e-0f"]
        second.close()


def test_mlperf_runner_performance_sequence(console):
    """What MLPerf Tiny's runner does in performance mode: name, profile,
    then five rounds of db load + 31-byte db chunks + infer N W, each reply
    read to the line containing m-ready and parsed with its patterns."""
    name, profile = identify(console)
    assert name == "tinykit"
    assert profile == {"profile": "tinykit profiler 1.0", "model": "copy"}
    for round_index in range(5):
        data = bytes((round_index * 16 + i) & 0xFF for i in range(16))
        result = performance_round(console, data, 20, 2)
        assert result["end_time"] >= result["start_time"]
        expected = [float(((data[15 - i] + 1) & 0xFF) - (256 if ((data[15 - i] + 1) & 0xFF) > 127 else 0)) for i in range(16)]
        assert result["results"] == expected
