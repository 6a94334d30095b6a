"""The streaming app (firmware/apps/kws_stream) in QEMU under a damaged link:
a TCP proxy (fault_proxy) between `kws listen`'s streaming code and the
emulated board's console truncates, garbles, replays or resets on the real
byte stream. Where the protocol lets the firmware refuse a chunk before using
it (a damaged or out-of-order chunk), the stream recovers and its strides
equal a clean run's exactly; otherwise (a chunk cut short, a garbled reply, a
reset) the host ends with an error saying how far the audio got, never a hang
or a traceback, and the firmware then answers again with its stream intact."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fault_proxy import BOOT_BANNER, FaultProxy, Once
from zoo import converted

from tinykit.boards import get_board
from tinykit.deploy.qemu import qemu_session
from tinykit.errors import TinykitError
from tinykit.frontend.tflite_reader import read_tflite
from tinykit.handoff import read_handoff
from tinykit.kws.listen import stream_audio
from tinykit.kws.stream import StreamSettings, build_stream, decode_pcm_ack
from tinykit.profile import DeviceClient
from tinykit.verify.device import firmware_elf

pytestmark = pytest.mark.slow

BOARD = get_board("qemu_m7")
SETTINGS = StreamSettings(threshold=0.1, suppress_ms=500)
CHUNK = 1600  # samples per tk-pcm chunk (listen's CHUNK_SAMPLES)
# Frame numbers (0-based, counting every tk-pcm the proxy sees) the faults hit: mid-stream.
HIT = 5


@pytest.fixture(scope="module")
def stream(zoo_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The streaming app around the (untrained) DS-CNN for qemu_m7, 2.4 s of seeded audio, and a clean run's strides."""
    folder = tmp_path_factory.mktemp("kws_stream")
    tflite = converted("kws_ds_cnn", zoo_cache)
    build_stream(tflite, folder, BOARD, settings=SETTINGS)
    rng = np.random.default_rng(7)
    t = np.arange(24 * CHUNK) / 16000
    pcm = (6000 * np.sin(2 * np.pi * 440 * t) * (t % 0.6 < 0.3) + rng.normal(0, 800, t.size)).astype(np.int16)
    scale = read_tflite(tflite).outputs[0].quant.single_scale
    found = {"folder": folder, "hash": read_handoff(folder)["build_hash"], "pcm": pcm, "scale": scale}
    with qemu_session(BOARD, firmware_elf(folder, BOARD)) as url:
        found["clean"] = stream_audio(url, found["hash"], folder, pcm, SETTINGS, scale)
    assert found["clean"]["events"] == [] and len(found["clean"]["strides"]) > 0
    return found


class PcmFrames:
    """The host's bytes to the device, frame by frame: a command up to its '%' and, for
    `tk-pcm N ...%`, its 2N raw bytes too. ``damage(number, frame, earlier)`` gives what
    goes on for the number-th tk-pcm frame (``earlier``: the frames before it)."""

    def __init__(self, damage: Callable[[int, bytes, list[bytes]], bytes]) -> None:
        self.damage, self.pending, self.frames = damage, b"", []

    def __call__(self, data: bytes) -> bytes:
        self.pending += data
        out = b""
        while (end := self.pending.find(b"%")) >= 0:
            header = self.pending[:end + 1]
            if not header.startswith(b"tk-pcm "):
                out, self.pending = out + header, self.pending[end + 1:]
                continue
            size = end + 1 + 2 * int(header.split()[1])
            if len(self.pending) < size:
                break
            frame, self.pending = self.pending[:size], self.pending[size:]
            out += self.damage(len(self.frames), frame, list(self.frames))
            self.frames.append(frame)
        return out


def streamed(stream: dict, **faults) -> dict:
    """Stream the audio through a proxy with ``faults``; the run, or the TinykitError it ended with.
    The host's bytes pass as a stream (its chunks' raw samples may hold '%') unless a fault takes them."""
    faults.setdefault("to_device_stream", lambda data: data)
    with qemu_session(BOARD, firmware_elf(stream["folder"], BOARD)) as url:
        proxy = FaultProxy(int(url.rsplit(":", 1)[1]), **faults)
        try:
            return stream_audio(proxy.url, stream["hash"], stream["folder"], stream["pcm"], SETTINGS, stream["scale"])
        finally:
            proxy.close()


def same_as_clean(run: dict, clean: dict) -> None:
    assert [(s.sample, s.outputs.tolist()) for s in run["strides"]] == [(s.sample, s.outputs.tolist()) for s in clean["strides"]]
    assert [(d.label, d.sample) for d in run["detections"]] == [(d.label, d.sample) for d in clean["detections"]]


def test_a_garbled_chunk_is_refused_sent_again_and_the_stream_is_unchanged(stream: dict) -> None:
    def garble(number: int, frame: bytes, _: list[bytes]) -> bytes:
        return frame[:-7] + bytes([frame[-7] ^ 0x10]) + frame[-6:] if number == HIT else frame

    run = streamed(stream, to_device_stream=PcmFrames(garble))
    assert len(run["events"]) == 1 and "damaged on the way in, sent again" in run["events"][0]
    same_as_clean(run, stream["clean"])


def test_a_stale_chunk_out_of_order_is_refused_sent_again_and_the_stream_is_unchanged(stream: dict) -> None:
    """The chunk before comes again in place of the right one (whole, its checksum valid): without
    the AT argument the device would take it and shift the audio silently."""
    def replay_previous(number: int, frame: bytes, earlier: list[bytes]) -> bytes:
        return earlier[-1] if number == HIT else frame

    run = streamed(stream, to_device_stream=PcmFrames(replay_previous))
    assert len(run["events"]) == 1 and "out of order, sent again" in run["events"][0]
    same_as_clean(run, stream["clean"])


def test_a_chunk_cut_short_ends_with_an_error_and_the_firmware_answers_again(stream: dict) -> None:
    def truncate(number: int, frame: bytes, _: list[bytes]) -> bytes:
        return frame[:-10] if number == HIT else frame

    with qemu_session(BOARD, firmware_elf(stream["folder"], BOARD)) as url:
        proxy = FaultProxy(int(url.rsplit(":", 1)[1]), to_device_stream=PcmFrames(truncate))
        with pytest.raises(TinykitError) as error:
            stream_audio(proxy.url, stream["hash"], stream["folder"], stream["pcm"], SETTINGS, stream["scale"])
        proxy.close()
        message = str(error.value)
        assert f"stopped at {HIT * CHUNK / 16000:.2f} s of audio" in message and "arrived short" in message, message
        # The firmware took the next bytes as the missing samples, refused the chunk by its
        # checksum and answers again; the stream is where it was before the cut chunk.
        with DeviceClient(url, timeout=10.0, boot_timeout=10.0) as device:
            device.wait_ready()
            chunk = stream["pcm"][HIT * CHUNK:(HIT + 1) * CHUNK].astype("<i2").tobytes()
            command = f"tk-pcm {CHUNK} {zlib.crc32(chunk):08x} {HIT * CHUNK}"
            assert decode_pcm_ack(device.send_data(command, chunk, expect="m-tk-pcm")) == (HIT + 1) * CHUNK


def test_a_reset_mid_stream_ends_with_an_error_saying_how_far_the_audio_got(stream: dict) -> None:
    reset = Once(b"m-tk-pcm", lambda line: BOOT_BANNER + line)
    with pytest.raises(TinykitError, match=r"stopped at 0\.00 s of audio: the board reset during `tk-pcm 1600 "):
        streamed(stream, to_host=reset)
    assert reset.done


def test_a_garbled_reply_ends_with_an_error_naming_the_unreliable_link(stream: dict) -> None:
    garble = Once(b"m-tk-stride", lambda line: line.replace(b"sample=", b"sampel="))
    with pytest.raises(TinykitError, match=r"streaming to .* failed at \d+\.\d\d s of audio: .*The link is unreliable"):
        streamed(stream, to_host=garble)
    assert garble.done
