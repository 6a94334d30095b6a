"""The protocol codec on its own: command framing, record checksums, and
decoding of each reply kind (pure Python; the firmware side of the same
lines is checked in test_firmware_app.py)."""

from __future__ import annotations

import zlib

import pytest

from tinykit.errors import TinykitError
from tinykit.profile import protocol
from tinykit.profile.protocol import ChecksumError, ReplyError


def line(topic: str, payload: str) -> str:
    return f"m-tk-{topic}-[{payload}]-crc-{zlib.crc32(payload.encode()):08x}"


def test_encode_command_frames_and_limits():
    assert protocol.encode_command("infer 10 2") == b"infer 10 2%"
    assert protocol.encode_command("db " + "ab" * 38) == b"db " + b"ab" * 38 + b"%"
    with pytest.raises(TinykitError, match="at most 80"):
        protocol.encode_command("db " + "ab" * 39)
    with pytest.raises(TinykitError, match="without '%'"):
        protocol.encode_command("name%")
    with pytest.raises(TinykitError, match="printable ASCII"):
        protocol.encode_command("name\n")


def test_db_commands_split_input():
    data = bytes(range(70))
    commands = protocol.db_commands(data)
    assert commands[0] == "db load 70"
    assert [len(c) for c in commands[1:]] == [3 + 64, 3 + 64, 3 + 12]
    assert b"".join(bytes.fromhex(c[3:]) for c in commands[1:]) == data
    with pytest.raises(TinykitError, match="empty"):
        protocol.db_commands(b"")


def test_record_roundtrip_and_fields():
    record = protocol.parse_record(line("layer-run", "run=2,cycles=10;20;30"))
    assert record.topic == "layer-run"
    assert record.integer("run") == 2
    assert record.integers("cycles") == (10, 20, 30)
    with pytest.raises(ReplyError, match="no field 'x'"):
        record.get("x")


@pytest.mark.parametrize(
    "damaged",
    [
        line("info", "arena=1234").replace("1234", "1284"),  # a digit changed
        line("info", "arena=1234").replace("arena=1234", "arena=124"),  # a byte dropped
        line("info", "arena=1234")[:-1],  # checksum cut short
        "m-tk-info-[arena=1234-crc-00000000",  # bracket lost
    ],
)
def test_damaged_records_are_detected(damaged):
    with pytest.raises(ChecksumError, match="damaged tinykit record"):
        protocol.parse_record(damaged)


def test_noise_helpers():
    assert protocol.strip_leading_noise("\xff\x13m-ready") == ("m-ready", 2)
    assert not protocol.is_readable("m-re\xe1dy")
    assert protocol.is_ready("garbagem-ready") and not protocol.is_ready("m-ready-not")
    assert protocol.error_message("e-[Unknown command: x]") == "Unknown command: x"
    assert protocol.error_message("m-ready") is None


def test_decode_infer_like_the_runner():
    lines = ["m-warmup-start-1", "m-warmup-done", "m-infer-start-4", "m-lap-us-100", "m-lap-us-900", "m-infer-done", "m-results-[1,-2,3]"]
    result = protocol.decode_infer(lines, 4, 1)
    assert (result.elapsed_us, result.us_per_inference, result.results) == (800, 200.0, (1.0, -2.0, 3.0))
    with pytest.raises(ReplyError, match="incomplete reply"):
        protocol.decode_infer([l for l in lines if l != "m-lap-us-900"], 4, 1)
    with pytest.raises(ReplyError, match="incomplete reply"):
        protocol.decode_infer(lines, 5, 1)  # the count echoed is not the one asked


def test_decode_cycles_median_min_max():
    lines = [line("time", "runs=3,ops=2")] + [line("time-run", f"run={i},cycles={c}") for i, c in enumerate([30, 10, 20])]
    stats = protocol.decode_inference_cycles(lines, 3)
    assert (stats.median, stats.min, stats.max) == (20.0, 10, 30)
    assert stats.median_ms(1_000_000) == 0.02
    with pytest.raises(ReplyError, match="asked for 4 runs, m-tk-time announces 3"):
        protocol.decode_inference_cycles(lines, 4)
    with pytest.raises(ReplyError, match=r"runs 0..2, got \[0, 2\]"):
        protocol.decode_inference_cycles(lines[:2] + lines[3:], 3)


def test_decode_layers():
    lines = [line("layers", "runs=3,ops=2")] + [
        line("layer-run", f"run={i},cycles={a};{b}") for i, (a, b) in enumerate([(5, 50), (7, 70), (6, 90)])
    ]
    layers = protocol.decode_layer_cycles(lines, 3)
    assert layers.medians == (6.0, 70.0)
    assert layers.per_op[1].max == 90
    short = lines[:3] + [line("layer-run", "run=2,cycles=6")]
    with pytest.raises(ReplyError, match="2 op counts"):
        protocol.decode_layer_cycles(short, 3)


def test_decode_info_memory_outputs():
    info = protocol.decode_info([line("info", "build=0123abcd4567ef89,model=kws,arena=10,ops=3,inputs=1,input_bytes=490,"
                                           "outputs=1,output_bytes=12,clock=dwt,hz=216000000,stack_reserve=4096")])
    assert (info.model, info.cpu_hz, info.clock_source, info.op_count) == ("kws", 216000000, "dwt", 3)
    memory = protocol.decode_memory([line("mem", "arena=10,stack_used=900,stack_reserve=4096,static=2000")])
    assert memory.stack_used == 900
    outputs = protocol.decode_outputs([line("out", "output=0,bytes=2,hex=80ff"), line("out", "output=1,bytes=1,hex=01")])
    assert outputs == [b"\x80\xff", b"\x01"]
    with pytest.raises(ReplyError, match="has 1 bytes, record says 2"):
        protocol.decode_outputs([line("out", "output=0,bytes=2,hex=80")])
    with pytest.raises(ReplyError, match="one m-tk-mem record, got 0"):
        protocol.decode_memory([])
