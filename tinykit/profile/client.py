"""Talking to a board that runs the tinykit profiler firmware.

Ports are opened only through ``serial.serial_for_url``, so a board
(``/dev/ttyACM0``), QEMU or the host board (``socket://127.0.0.1:PORT``) and
tests (``loop://``) share one code path.

Real links misbehave; each misbehaviour ends in a result or a clear
TinykitError, never a hang and never a wrong number:

* noise and boot banners before the first ``m-ready``: skipped;
* a silent or slow board: timeouts that say what was expected;
* a hung firmware (a model that never finishes): silence mid-reply, then no
  answer to tk-sync either, reported as a hang within about twice the
  timeout; a firmware that crashed (the BSP prints its fault as an e-[...]
  line, then halts): reported with that line, not retried;
* a firmware that talks without end (a loop printing): the reply is cut at
  a bound on its lines and bytes and reported;
* a reset mid-command (``m-init-done`` arrives): reported in ``events``,
  the input reloaded, the command retried once;
* a damaged tinykit record (CRC-32 mismatch), a damaged or incomplete reply,
  an input that arrived garbled (its CRC-32 differs): retried once;
* only noise (a baud-rate mismatch): reported as such;
* a port that does not exist or is held by another program: reported.
"""

from __future__ import annotations

import itertools
import logging
import time
import zlib
from typing import Callable, TypeVar

import serial

from tinykit.errors import TinykitError
from tinykit.profile import protocol
from tinykit.profile.protocol import (
    ChecksumError,
    CycleStats,
    DeviceInfo,
    InferResult,
    LayerCycles,
    MemoryReport,
    ReplyError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long one read waits; the deadlines below are built from these polls.
_POLL_SECONDS = 0.02
# Without any reply, wait_ready asks again this often (a board may still be booting).
_PING_SECONDS = 0.5
# Tries to get back in step with the board after a failed command.
_RESYNC_ATTEMPTS = 3
# A line longer than this without a newline is noise, not a line.
_MAX_LINE_BYTES = 1 << 17
# A reply longer than this (lines beyond those its runs print, or bytes) is a
# firmware stuck printing, not a reply: far above the longest real reply
# (help%, a tk-out record per output, one record per run).
_MAX_REPLY_LINES = 1000
_MAX_REPLY_BYTES = 8 << 20


class DeviceError(TinykitError):
    """The firmware answered a command with ``e-[...]``."""


class _Silence(Exception):
    """No byte arrived for the allowed time (internal)."""


class _DeviceReset(Exception):
    """The board rebooted during a command (internal)."""


class DeviceClient:
    """A connection to one board running the profiler firmware.

    ``timeout`` bounds the silence allowed inside a reply (a long `infer`
    keeps the line quiet for its whole run: pass a larger ``timeout`` to that
    call); ``boot_timeout`` bounds :meth:`wait_ready`.
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 115200,
        timeout: float = 5.0,
        boot_timeout: float = 10.0,
        retries: int = 1,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.timeout = timeout
        self.boot_timeout = boot_timeout
        self.retries = retries
        self.events: list[str] = []
        self._port: serial.SerialBase | None = None
        self._buffer = bytearray()
        self._ready = False
        self._loaded_input: bytes | None = None
        self._tokens = itertools.count(1)
        self._bytes_seen = 0
        self._noise_bytes = 0
        self._readable_lines = 0
        self._last_line: str | None = None  # the last line of the reply being read

    # ------------------------------------------------------------------ port

    def open(self) -> "DeviceClient":
        if self._port is not None:
            return self
        try:
            self._port = serial.serial_for_url(
                self.url, baudrate=self.baudrate, timeout=_POLL_SECONDS, write_timeout=self.timeout, exclusive=True
            )
        except (serial.SerialException, ValueError, OSError) as error:
            raise TinykitError(_open_failure(self.url, error)) from error
        return self

    def close(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None
            self._ready = False

    def __enter__(self) -> "DeviceClient":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -------------------------------------------------------------- commands

    def wait_ready(self) -> None:
        """Wait until the firmware answers: skips noise and boot banners, and
        asks again while a board is still booting."""
        self.open()
        self._reset_counters()
        deadline = time.monotonic() + self.boot_timeout
        self._write(protocol.COMMAND_TERMINATOR.encode())  # ends any half-sent command
        token = self._send_sync()
        answered = False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TinykitError(self._no_answer(f"{self.boot_timeout:g} s", "an m-ready from the profiler firmware"))
            try:
                line = self._next_line(min(_PING_SECONDS, remaining))
            except _Silence:
                token = self._send_sync()
                continue
            if line is None:
                continue
            if _is_sync(line, token):
                answered = True
            elif protocol.is_ready(line):
                if answered:
                    self._ready = True
                    return
                if self._after_boot_banner:
                    # The board just booted: the question may have been lost.
                    token = self._send_sync()

    def command(self, command: str, *, timeout: float | None = None, expect: str = "a reply") -> list[str]:
        """Send one command, return its reply lines without the final
        m-ready; DeviceError if the firmware answered e-[...]."""
        return self._with_retries(command, lambda: self._exchange(command, timeout, expect))

    def name(self) -> str:
        lines = self.command("name", expect="m-name-dut-[...]")
        return _bracketed(lines, "m-name-dut-", "name")

    def profile(self) -> tuple[str, str]:
        """(firmware profile, model name) as MLPerf Tiny's profile% reports."""
        lines = self.command("profile", expect="m-profile-[...] and m-model-[...]")
        return _bracketed(lines, "m-profile-", "profile"), _bracketed(lines, "m-model-", "profile")

    def info(self) -> DeviceInfo:
        return self._decoded("tk-info", protocol.decode_info, "an m-tk-info-[...] record")

    def memory(self) -> MemoryReport:
        return self._decoded("tk-mem", protocol.decode_memory, "an m-tk-mem-[...] record")

    def output(self) -> list[bytes]:
        """Raw bytes of each model output after the last inference."""
        return self._decoded("tk-out", protocol.decode_outputs, "m-tk-out-[...] records")

    def load_input(self, data: bytes) -> None:
        """Load the model input with MLPerf Tiny's db commands, then check its
        CRC-32 on the device (a garbled hex digit is caught and resent)."""
        data = bytes(data)
        self._with_retries("db load", lambda: self._load(data))
        self._loaded_input = data

    def infer(self, n: int, warmup: int = 0, *, timeout: float | None = None) -> InferResult:
        """MLPerf Tiny `infer N W`: W warm-ups, N timed inferences."""
        _check_count("n", n, 1)
        _check_count("warmup", warmup, 0)
        command = f"infer {n} {warmup}"
        return self._with_retries(
            command,
            lambda: protocol.decode_infer(self._exchange(command, timeout, "m-lap-us and m-results lines", runs=n + warmup), n, warmup),
        )

    def time_inferences(self, n: int, *, timeout: float | None = None) -> CycleStats:
        """Cycles of each of n whole inferences (`tk-time N`)."""
        _check_count("n", n, 1)
        command = f"tk-time {n}"
        return self._with_retries(
            command,
            lambda: protocol.decode_inference_cycles(self._exchange(command, timeout, "m-tk-time records", runs=n), n),
        )

    def layer_cycles(self, n: int, *, timeout: float | None = None) -> LayerCycles:
        """Cycles of each op over n runs executed op by op (`tk-layers N`)."""
        _check_count("n", n, 1)
        command = f"tk-layers {n}"
        return self._with_retries(
            command,
            lambda: protocol.decode_layer_cycles(self._exchange(command, timeout, "m-tk-layer-run records", runs=n), n),
        )

    def send_data(self, command: str, payload: bytes, *, timeout: float | None = None, expect: str = "a reply") -> list[str]:
        """Send one command followed by raw ``payload`` bytes and return its
        reply lines. Not retried: such a command changes the device's state
        (a chunk of streamed audio), so a failure is reported, not repeated;
        a damaged record in the reply raises ChecksumError."""
        if not self._ready:
            self.wait_ready()
        self._reset_counters()
        try:
            return self._exchange(command, timeout, expect, payload)
        except _Silence:
            if self._bytes_seen:
                raise TinykitError(self._no_answer(f"{self._silence_limit:g} s", self._expectation)) from None
            raise TinykitError(
                f"no reply from {self.url} within {self._silence_limit:g} s to `{command}%` and its {len(payload)} bytes "
                "of data: the data probably arrived short (bytes lost on the link leave the board waiting for the "
                "rest), or the board hung. Check the cable and the baud rate, reset the board (an emulated board: run "
                "the command again) and retry."
            ) from None
        except _DeviceReset:
            raise TinykitError(
                f"the board reset during `{command}%` (m-init-done arrived): what it held is lost. "
                "Check its power and the cable, then run again."
            ) from None

    # ------------------------------------------------------------- internals

    def _decoded(self, command: str, decode: Callable[[list[str]], T], expect: str) -> T:
        return self._with_retries(command, lambda: decode(self._exchange(command, None, expect)))

    def _load(self, data: bytes) -> None:
        for command in protocol.db_commands(data):
            self._exchange(command, None, "m-[Expecting N bytes] or m-load-done")
        loaded, crc = protocol.decode_input_check(self._exchange("tk-in", None, "an m-tk-in-[...] record"))
        if loaded != len(data) or crc != zlib.crc32(data):
            raise ChecksumError(
                f"the device holds {loaded} input bytes with CRC-32 {crc:08x}, "
                f"sent {len(data)} bytes with CRC-32 {zlib.crc32(data):08x}"
            )

    def _with_retries(self, what: str, attempt: Callable[[], T]) -> T:
        if not self._ready:
            self.wait_ready()
        failures: list[str] = []
        reload_input = False
        while True:
            self._reset_counters()
            try:
                if reload_input and self._loaded_input is not None:
                    # A reset loses the input held in RAM: load it again first.
                    self._load(self._loaded_input)
                return attempt()
            except _Silence:
                if self._bytes_seen == 0 or self._readable_lines == 0 or len(failures) >= self.retries:
                    raise TinykitError(self._no_answer(f"{self._silence_limit:g} s", self._expectation)) from None
                failure = f"the reply to `{what}%` stopped before its m-ready (bytes lost on the link)"
                reset = False
            except _DeviceReset:
                failure = f"the board reset during `{what}%` (m-init-done arrived)"
                reset = True
            except (ChecksumError, ReplyError) as problem:
                failure = str(problem)
                reset = False
            failures.append(failure)
            self.events.append(failure)
            log.warning("%s", failure)
            if len(failures) > self.retries:
                raise TinykitError(
                    f"`{what}%` failed {len(failures)} times; the link or the board is unreliable: "
                    + "; then ".join(failures)
                    + ". Check the cable and the baud rate, or reset the board and retry."
                )
            self._resync(what)
            reload_input = reset

    def _exchange(self, command: str, timeout: float | None, expect: str, payload: bytes = b"", runs: int = 0) -> list[str]:
        """The reply to ``command`` (``runs``: how many per-run lines it may print beyond the usual few)."""
        self._expectation = f"{expect} then m-ready in reply to `{command}%`"
        self._silence_limit = self.timeout if timeout is None else timeout
        self._last_line = None
        self._write(protocol.encode_command(command) + payload)
        lines: list[str] = []
        errors: list[str] = []
        first_byte, line_count = self._bytes_seen, 0
        while True:
            try:
                line = self._next_line(self._silence_limit)
            except _Silence:
                if errors:
                    raise DeviceError(_crashed(self.url, command, errors, self._silence_limit)) from None
                raise
            line_count += 1
            if line_count > _MAX_REPLY_LINES + runs or self._bytes_seen - first_byte > _MAX_REPLY_BYTES:
                raise TinykitError(_runaway(self.url, command, line_count, self._bytes_seen - first_byte, self._last_line))
            if line is None:
                continue
            self._last_line = line
            if line.endswith(protocol.INIT_DONE):
                self._finish_boot()
                raise _DeviceReset()
            if protocol.is_ready(line):
                break
            message = protocol.error_message(line)
            if message is not None:
                errors.append(message)
            else:
                lines.append(line)
        if errors:
            raise DeviceError(f"the firmware refused `{command}%`: {'; '.join(errors)}")
        return lines

    def _finish_boot(self) -> None:
        """Read the rest of a boot banner (up to its m-ready)."""
        deadline = time.monotonic() + self.boot_timeout
        while time.monotonic() < deadline:
            try:
                line = self._next_line(self.boot_timeout)
            except _Silence:
                return
            if line is not None and protocol.is_ready(line):
                return

    def _resync(self, what: str) -> None:
        """Skip stale output: ask for a fresh token and read up to its echo
        (asking again if the question itself seems lost). The attempts share
        one timeout: a firmware that stays silent that long after the silence
        that failed ``what`` is hung."""
        last_line = self._last_line
        for _ in range(_RESYNC_ATTEMPTS):
            token = self._send_sync()
            answered = False
            while True:
                try:
                    line = self._next_line(self.timeout / _RESYNC_ATTEMPTS)
                except _Silence:
                    break
                if line is None:
                    continue
                if _is_sync(line, token):
                    answered = True
                elif line.endswith(protocol.INIT_DONE):
                    self._finish_boot()
                    break
                elif protocol.is_ready(line) and answered:
                    return
        stopped = f"after {last_line!r}" if last_line else "before its first line"
        raise TinykitError(
            f"the firmware at {self.url} is hung: its reply to `{what}%` stopped {stopped}, and it did not answer "
            f"tk-sync in the {self.timeout:g} s after that either, so the board is stuck, not the link (a model or "
            "kernel that never finishes, or a crash that printed nothing). Reset the board (an emulated board: run "
            "the command again); if it hangs again, rebuild the folder with `tinykit build` and, if it persists, "
            "report the model: its generated code does not terminate."
        )

    def _send_sync(self) -> str:
        token = f"s{next(self._tokens)}"
        self._after_boot_banner = False
        self._write(protocol.encode_command(f"tk-sync {token}"))
        return token

    def _write(self, data: bytes) -> None:
        assert self._port is not None
        try:
            self._port.write(data)
            self._port.flush()
        except serial.SerialTimeoutException as error:
            raise TinykitError(
                f"could not send to {self.url} within {self.timeout:g} s: the board is not reading its console. "
                "Reset the board and retry."
            ) from error
        except (serial.SerialException, OSError) as error:
            raise TinykitError(_link_lost(self.url, error)) from error

    def _next_line(self, silence_limit: float) -> str | None:
        """The next line (without CR/LF), None for a line of pure noise;
        _Silence if no byte arrives for silence_limit seconds."""
        assert self._port is not None
        last_byte = time.monotonic()
        while True:
            newline = self._buffer.find(b"\n")
            if newline >= 0 or len(self._buffer) > _MAX_LINE_BYTES:
                end = newline if newline >= 0 else len(self._buffer)
                raw = bytes(self._buffer[:end]).decode("latin-1")
                del self._buffer[: end + 1]
                return self._clean(raw)
            try:
                chunk = self._port.read(max(1, self._port.in_waiting))
            except (serial.SerialException, OSError) as error:
                raise TinykitError(_link_lost(self.url, error)) from error
            now = time.monotonic()
            if chunk:
                self._buffer += chunk
                self._bytes_seen += len(chunk)
                last_byte = now
            elif now - last_byte > silence_limit:
                raise _Silence()

    def _clean(self, raw: str) -> str | None:
        line, noise = protocol.strip_leading_noise(raw.strip("\r\0"))
        self._noise_bytes += noise
        if not protocol.is_readable(line):
            self._noise_bytes += len(line)
            return None
        if line:
            self._readable_lines += 1
        if line == protocol.INIT_DONE:
            self._after_boot_banner = True
        return line

    def _reset_counters(self) -> None:
        self._bytes_seen = 0
        self._noise_bytes = 0
        self._readable_lines = 0
        self._after_boot_banner = False
        self._expectation = "an m-ready from the profiler firmware"
        self._silence_limit = self.timeout
        self._last_line = None

    def _no_answer(self, waited: str, expected: str) -> str:
        pending = bytes(self._buffer).decode("latin-1")
        noise = self._noise_bytes + sum(1 for c in pending if not (c.isascii() and c.isprintable()))
        if self._bytes_seen and self._readable_lines == 0 and noise:
            return (
                f"{self.url} sent {self._bytes_seen} bytes in {waited} but not one readable line "
                f"(expected {expected}): the baud rate probably does not match the firmware's. "
                f"This client uses {self.baudrate}; pass the board's console baud rate."
            )
        if self._bytes_seen:
            return (
                f"{self.url} sent {self._bytes_seen} bytes in {waited} but not {expected}; it does not seem to run "
                "the tinykit profiler firmware. Flash the firmware built by `tinykit build` and retry."
            )
        return (
            f"no reply from {self.url} within {waited} (expected {expected}). The board may be hung, busy, "
            "or not running the profiler firmware: reset or reflash it; for long runs pass a larger timeout."
        )


def _crashed(url: str, command: str, errors: list[str], waited: float) -> str:
    return (
        f"the firmware at {url} reported `{'; '.join(errors)}` during `{command}%` and then sent nothing for "
        f"{waited:g} s: it crashed (the BSP prints a fault as an e-[fault ...] line and halts until reset). Reset "
        "the board (an emulated board: run the command again); if it recurs, rebuild the folder with `tinykit build` "
        "and report the model with that line."
    )


def _runaway(url: str, command: str, lines: int, size: int, last_line: str | None) -> str:
    return (
        f"the firmware at {url} sent {lines} lines ({size:,} bytes) in reply to `{command}%` without ending it with "
        f"m-ready (the last: {last_line!r}): it is stuck in a loop that prints, not answering. Reset the board (an "
        "emulated board: run the command again); if it recurs, reflash or rebuild the folder with `tinykit build`."
    )


def _is_sync(line: str, token: str) -> bool:
    """True if the line carries the echo of ``token``; the echo may come glued
    to the remains of a line whose end was lost."""
    start = line.find("m-tk-sync-[")
    if start < 0:
        return False
    try:
        record = protocol.parse_record(line[start:])
    except ChecksumError:
        return False
    return record.get("token") == token


def _bracketed(lines: list[str], prefix: str, command: str) -> str:
    for line in lines:
        if line.startswith(prefix + "[") and line.endswith("]"):
            return line[len(prefix) + 1 : -1]
    raise ReplyError(f"the reply to `{command}%` has no {prefix}[...] line: {lines!r}")


def _check_count(name: str, value: int, minimum: int) -> None:
    if not isinstance(value, int) or value < minimum:
        raise TinykitError(f"{name} must be a whole number >= {minimum}, got {value!r}.")


def _open_failure(url: str, error: Exception) -> str:
    text = str(error)
    if "No such file" in text or "[Errno 2]" in text:
        return (
            f"serial port {url} does not exist. Check that the board is plugged in and powered "
            "(ls /dev/ttyACM* /dev/ttyUSB*) or fix the port name."
        )
    if "lock" in text or "busy" in text.lower() or "[Errno 16]" in text:
        return (
            f"serial port {url} is held by another program (a serial monitor, another tinykit run). "
            f"Close that program and retry. ({text})"
        )
    if "refused" in text.lower():
        return (
            f"nothing listens at {url}. Start the emulator or host board first (tinykit runs them for "
            f"you with --board), or fix the port in the URL. ({text})"
        )
    if "[Errno 13]" in text or "Permission" in text:
        return (
            f"no permission to open {url}. Add yourself to the port's group (often dialout) and log in "
            f"again. ({text})"
        )
    return f"could not open {url}: {text}. Check the URL (a device path, socket://HOST:PORT, rfc2217://HOST:PORT or loop://)."


def _link_lost(url: str, error: Exception) -> str:
    return (
        f"the link to {url} broke ({error}): the board was unplugged or the emulator exited. "
        "Reconnect or restart it and retry."
    )
