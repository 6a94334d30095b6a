"""The serial protocol's codec: MLPerf Tiny performance mode plus tinykit's
checksummed ``tk-*`` records. Pure functions over text lines, no I/O.

Host commands end with ``%``, are at most 80 characters, and split into
tokens at spaces. Device lines end with ``\\r\\n``; every reply ends with
``m-ready``; errors are ``e-[...]``. A tinykit record is one line::

    m-tk-<topic>-[key=value,key=value;value...]-crc-<8 hex digits>

where the hex digits are the CRC-32 (zlib's) of the bytes between the
brackets, so a line corrupted on the wire is detected, never believed.
"""

from __future__ import annotations

import re
import statistics
import zlib
from dataclasses import dataclass

from tinykit.errors import TinykitError

READY = "m-ready"
INIT_DONE = "m-init-done"
COMMAND_TERMINATOR = "%"
MAX_COMMAND_CHARS = 80
# Input bytes per `db HEX` line: "db " + 64 hex digits stays well inside 80.
DB_CHUNK_BYTES = 32

_RECORD = re.compile(r"^m-tk-(?P<topic>[a-z][a-z-]*?)-\[(?P<payload>[^\]]*)\]-crc-(?P<crc>[0-9a-f]{8})$")
_LAP_US = re.compile(r"^m-lap-us-(\d+)$")
_RESULTS = re.compile(r"^m-results-\[([^\]]*)\]$")
_ERROR = re.compile(r"^e-\[(.*)\]$")


class ChecksumError(TinykitError):
    """A tinykit record arrived damaged (its CRC-32 does not match)."""


class ReplyError(TinykitError):
    """A reply is missing lines or has lines of the wrong shape."""


def encode_command(command: str) -> bytes:
    """The bytes to send for one command (tokens separated by single spaces)."""
    if COMMAND_TERMINATOR in command or not command.isascii() or not command.isprintable():
        raise TinykitError(
            f"command {command!r} cannot be sent: commands are printable ASCII without '%' "
            "(the terminator). Remove the offending characters."
        )
    if len(command) > MAX_COMMAND_CHARS:
        raise TinykitError(
            f"command {command[:20]!r}... is {len(command)} characters; the firmware reads at most "
            f"{MAX_COMMAND_CHARS}. Split it (for input data, into several `db HEX` commands)."
        )
    return (command + COMMAND_TERMINATOR).encode("ascii")


def db_commands(data: bytes, chunk: int = DB_CHUNK_BYTES) -> list[str]:
    """The MLPerf Tiny commands that load ``data`` as the model input."""
    if not data:
        raise TinykitError("the input to load is empty; pass the model input's bytes (at least one).")
    commands = [f"db load {len(data)}"]
    commands += [f"db {data[i:i + chunk].hex()}" for i in range(0, len(data), chunk)]
    return commands


def is_readable(line: str) -> bool:
    """True if the line is printable ASCII, as every line the firmware sends is."""
    return line.isascii() and line.isprintable()


def strip_leading_noise(line: str) -> tuple[str, int]:
    """Drop unprintable bytes glued before a line (line noise, a boot
    loader's output); returns the rest and how many characters went."""
    start = 0
    while start < len(line) and not (line[start].isascii() and line[start].isprintable()):
        start += 1
    return line[start:], start


def is_ready(line: str) -> bool:
    # Like the MLPerf Tiny runner, printable noise glued in front of the
    # terminator line does not hide it.
    return line.endswith(READY)


def crc32_hex(payload: str) -> str:
    return f"{zlib.crc32(payload.encode('ascii')):08x}"


@dataclass(frozen=True)
class Record:
    """A verified tinykit record: its topic and its fields in order."""

    topic: str
    fields: tuple[tuple[str, str], ...]

    def get(self, key: str) -> str:
        for name, value in self.fields:
            if name == key:
                return value
        raise ReplyError(f"record m-tk-{self.topic} has no field {key!r}; the firmware and host disagree on the protocol. Rebuild the firmware with this tinykit.")

    def integer(self, key: str) -> int:
        value = self.get(key)
        if not value.isdigit():
            raise ReplyError(f"field {key}={value!r} of record m-tk-{self.topic} is not a number; the firmware and host disagree on the protocol. Rebuild the firmware with this tinykit.")
        return int(value)

    def integers(self, key: str) -> tuple[int, ...]:
        values = self.get(key).split(";")
        if not all(v.isdigit() for v in values):
            raise ReplyError(f"field {key} of record m-tk-{self.topic} is not a list of numbers; the firmware and host disagree on the protocol. Rebuild the firmware with this tinykit.")
        return tuple(int(v) for v in values)


def is_record(line: str) -> bool:
    return line.startswith("m-tk-")


def parse_record(line: str) -> Record:
    """Verify and split one ``m-tk-...`` line; ChecksumError if damaged."""
    match = _RECORD.match(line)
    if match is None:
        raise ChecksumError(f"damaged tinykit record (malformed line): {line!r}")
    payload = match["payload"]
    if crc32_hex(payload) != match["crc"]:
        raise ChecksumError(
            f"damaged tinykit record (CRC-32 {crc32_hex(payload)} of the payload, line says {match['crc']}): {line!r}"
        )
    fields = []
    for item in payload.split(",") if payload else []:
        key, sep, value = item.partition("=")
        if not sep:
            raise ReplyError(f"record field {item!r} has no '=' in {line!r}; the firmware and host disagree on the protocol. Rebuild the firmware with this tinykit.")
        fields.append((key, value))
    return Record(match["topic"], tuple(fields))


def error_message(line: str) -> str | None:
    """The text of an ``e-[...]`` line, or None for any other line."""
    match = _ERROR.match(line)
    return match[1] if match else None


def records(lines: list[str], topic: str) -> list[Record]:
    """All verified records of one topic among a reply's lines."""
    return [r for r in (parse_record(line) for line in lines if is_record(line)) if r.topic == topic]


def single_record(lines: list[str], topic: str) -> Record:
    found = records(lines, topic)
    if len(found) != 1:
        raise ReplyError(f"expected one m-tk-{topic} record, got {len(found)} in reply {lines!r}")
    return found[0]


# ---------------------------------------------------------------------------
# Decoded replies.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceInfo:
    """What `tk-info` reports: which build runs and how its clock counts."""

    build_hash: str
    model: str
    arena_bytes: int
    op_count: int
    inputs: int
    input_bytes: int
    outputs: int
    output_bytes: int
    clock_source: str
    cpu_hz: int
    stack_reserve: int


def decode_info(lines: list[str]) -> DeviceInfo:
    r = single_record(lines, "info")
    return DeviceInfo(
        build_hash=r.get("build"),
        model=r.get("model"),
        arena_bytes=r.integer("arena"),
        op_count=r.integer("ops"),
        inputs=r.integer("inputs"),
        input_bytes=r.integer("input_bytes"),
        outputs=r.integer("outputs"),
        output_bytes=r.integer("output_bytes"),
        clock_source=r.get("clock"),
        cpu_hz=r.integer("hz"),
        stack_reserve=r.integer("stack_reserve"),
    )


@dataclass(frozen=True)
class MemoryReport:
    """What `tk-mem` reports, in bytes."""

    arena: int
    stack_used: int
    stack_reserve: int
    static: int


def decode_memory(lines: list[str]) -> MemoryReport:
    r = single_record(lines, "mem")
    return MemoryReport(
        arena=r.integer("arena"),
        stack_used=r.integer("stack_used"),
        stack_reserve=r.integer("stack_reserve"),
        static=r.integer("static"),
    )


def decode_outputs(lines: list[str]) -> list[bytes]:
    """The raw bytes of each model output, from `tk-out`."""
    found = records(lines, "out")
    if [r.integer("output") for r in found] != list(range(len(found))) or not found:
        raise ReplyError(f"tk-out reply lacks outputs or has them out of order: {lines!r}")
    outputs = []
    for r in found:
        data = bytes.fromhex(r.get("hex"))
        if len(data) != r.integer("bytes"):
            raise ReplyError(f"tk-out output {r.integer('output')} has {len(data)} bytes, record says {r.integer('bytes')}")
        outputs.append(data)
    return outputs


def decode_input_check(lines: list[str]) -> tuple[int, int]:
    """(bytes loaded, their CRC-32) from `tk-in`."""
    r = single_record(lines, "in")
    return r.integer("bytes"), r.integer("crc32")


@dataclass(frozen=True)
class CycleStats:
    """Cycle counts of repeated runs of one thing, at ``cpu_hz``."""

    cycles: tuple[int, ...]

    @property
    def median(self) -> float:
        return float(statistics.median(self.cycles))

    @property
    def min(self) -> int:
        return min(self.cycles)

    @property
    def max(self) -> int:
        return max(self.cycles)

    def median_ms(self, cpu_hz: int) -> float:
        return cycles_to_ms(self.median, cpu_hz)


def cycles_to_ms(cycles: float, cpu_hz: int) -> float:
    """Milliseconds that ``cycles`` take at ``cpu_hz``."""
    return cycles * 1000.0 / cpu_hz


def _runs(lines: list[str], header_topic: str, run_topic: str, runs: int) -> tuple[Record, list[Record]]:
    header = single_record(lines, header_topic)
    if header.integer("runs") != runs:
        raise ReplyError(f"asked for {runs} runs, m-tk-{header_topic} announces {header.integer('runs')}")
    found = records(lines, run_topic)
    if [r.integer("run") for r in found] != list(range(runs)):
        raise ReplyError(f"expected m-tk-{run_topic} records for runs 0..{runs - 1}, got {[r.integer('run') for r in found]}")
    return header, found


def decode_inference_cycles(lines: list[str], runs: int) -> CycleStats:
    """Whole-inference cycles of each run, from `tk-time N`."""
    _, found = _runs(lines, "time", "time-run", runs)
    return CycleStats(tuple(r.integer("cycles") for r in found))


@dataclass(frozen=True)
class LayerCycles:
    """Cycles of each op (in execution order) over repeated runs."""

    per_op: tuple[CycleStats, ...]

    @property
    def medians(self) -> tuple[float, ...]:
        return tuple(op.median for op in self.per_op)


def decode_layer_cycles(lines: list[str], runs: int) -> LayerCycles:
    """Per-op cycles from `tk-layers N`: each run's line lists every op."""
    header, found = _runs(lines, "layers", "layer-run", runs)
    ops = header.integer("ops")
    table = [r.integers("cycles") for r in found]
    if any(len(row) != ops for row in table):
        raise ReplyError(f"a m-tk-layer-run record does not have the {ops} op counts announced")
    return LayerCycles(tuple(CycleStats(tuple(row[op] for row in table)) for op in range(ops)))


@dataclass(frozen=True)
class InferResult:
    """An MLPerf Tiny `infer N W` reply, read the way its runner reads it."""

    iterations: int
    warmups: int
    start_us: int
    end_us: int
    results: tuple[float, ...]

    @property
    def elapsed_us(self) -> int:
        return self.end_us - self.start_us

    @property
    def us_per_inference(self) -> float:
        return self.elapsed_us / self.iterations


def decode_infer(lines: list[str], iterations: int, warmups: int) -> InferResult:
    expected = [f"m-warmup-start-{warmups}", "m-warmup-done", f"m-infer-start-{iterations}", "m-infer-done"]
    missing = [line for line in expected if line not in lines]
    laps = [int(m[1]) for m in (_LAP_US.match(line) for line in lines) if m]
    results = [m[1] for m in (_RESULTS.match(line) for line in lines) if m]
    if missing or len(laps) != 2 or len(results) != 1 or laps[1] < laps[0]:
        raise ReplyError(
            f"incomplete reply to `infer {iterations} {warmups}` (missing {missing}, {len(laps)} m-lap-us lines, "
            f"{len(results)} m-results lines): {lines!r}"
        )
    try:
        values = tuple(float(v) for v in results[0].split(",") if v.strip())
    except ValueError as error:
        raise ReplyError(f"m-results line is damaged: {results[0]!r}") from error
    return InferResult(iterations, warmups, laps[0], laps[1], values)
