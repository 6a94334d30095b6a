"""WAV files in and out, as keyword spotting needs them: 16 kHz mono 16-bit PCM.

Speech Commands clips, background-noise recordings and the synthetic set are
all 16 kHz mono 16-bit PCM. A file in another uncompressed layout (another
rate, several channels, 8/24/32-bit integers, 32/64-bit floats) is converted
and the conversion is named in a note, so the caller can say so; a compressed
file (mu-law, ADPCM, MP3 inside a WAV), a file that is not a WAV, a truncated
one and an empty one are refused with the file's path and the reason.

The RIFF chunks are parsed here rather than with the standard ``wave``
module, which refuses float samples and WAVE_FORMAT_EXTENSIBLE headers
instead of telling which layout it met.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinykit.errors import TinykitError

SAMPLE_RATE = 16000

_PCM, _FLOAT, _EXTENSIBLE = 0x0001, 0x0003, 0xFFFE
# Names of the compressed formats users meet, for the refusal message.
_COMPRESSED = {0x0002: "Microsoft ADPCM", 0x0006: "A-law", 0x0007: "mu-law", 0x0011: "IMA ADPCM", 0x0055: "MP3"}
_CONVERT_HINT = "Convert it with `sox IN.wav -r 16000 -c 1 -b 16 OUT.wav`."


@dataclass(frozen=True)
class Audio:
    """Samples of one file as int16 at 16 kHz, mono; ``note`` names any conversion made, else is empty."""

    samples: np.ndarray
    note: str = ""


def _chunks(data: bytes, path: Path) -> dict[bytes, bytes]:
    """The RIFF/WAVE file's chunks by id (the first of each id)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise TinykitError(f"{path} is not a WAV file (it has no RIFF/WAVE header). {_CONVERT_HINT}")
    chunks: dict[bytes, bytes] = {}
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = data[offset:offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        body = data[offset + 8:offset + 8 + size]
        # Streamed WAVs (espeak-ng --stdout, some recorders) leave the data
        # size at its maximum; what is there is the data.
        chunks.setdefault(chunk_id, body)
        offset += 8 + size + (size & 1)
    return chunks


def _samples(fmt: bytes, body: bytes, path: Path) -> tuple[np.ndarray, int, int, str]:
    """Float samples shaped (frames, channels) in [-1, 1], the rate, the channel count and the layout's name."""
    if len(fmt) < 16:
        raise TinykitError(f"{path} has a truncated 'fmt ' chunk: the file is corrupt. {_CONVERT_HINT}")
    tag, channels, rate, _, block, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == _EXTENSIBLE and len(fmt) >= 26:
        tag = struct.unpack_from("<H", fmt, 24)[0]  # the sub-format GUID starts with the format tag
    if tag in _COMPRESSED or tag not in (_PCM, _FLOAT):
        name = _COMPRESSED.get(tag, f"format tag 0x{tag:04x}")
        raise TinykitError(f"{path} holds compressed audio ({name}); tinykit reads uncompressed PCM or float WAVs. "
                           f"{_CONVERT_HINT}")
    if channels < 1 or rate < 1 or bits not in (8, 16, 24, 32, 64) or block != channels * bits // 8:
        raise TinykitError(f"{path} has an inconsistent header ({channels} channels, {rate} Hz, {bits} bits, "
                           f"{block}-byte frames): the file is corrupt. {_CONVERT_HINT}")
    frames = len(body) // block
    raw = body[:frames * block]
    if tag == _FLOAT:
        if bits not in (32, 64):
            raise TinykitError(f"{path} holds {bits}-bit float samples; float WAVs are 32 or 64-bit. {_CONVERT_HINT}")
        values = np.frombuffer(raw, dtype=f"<f{bits // 8}").astype(np.float64)
        layout = f"{bits}-bit float"
    elif bits == 8:
        values = (np.frombuffer(raw, dtype=np.uint8).astype(np.float64) - 128.0) / 128.0
        layout = "8-bit PCM"
    elif bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        values = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8).astype(np.float64) / 2.0**23
        layout = "24-bit PCM"
    elif bits in (16, 32):
        values = np.frombuffer(raw, dtype=f"<i{bits // 8}").astype(np.float64) / 2.0 ** (bits - 1)
        layout = f"{bits}-bit PCM"
    else:
        raise TinykitError(f"{path} holds {bits}-bit integer samples, which WAV does not define. {_CONVERT_HINT}")
    return values.reshape(frames, channels), rate, channels, layout


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Band-limited resampling of a float signal from ``rate`` to ``target`` Hz (FFT method).

    The spectrum is cut (or zero-padded) at the lower Nyquist frequency, so
    downsampling does not alias. The signal is padded to twice its length
    first, so the FFT's circular wrap does not smear its end into its start.
    """
    if rate == target or len(samples) == 0:
        return samples
    length = len(samples)
    out_length = int(round(length * target / rate))
    padded = np.concatenate([samples, np.zeros(length)])
    spectrum = np.fft.rfft(padded)
    bins = len(padded) * target // rate // 2 + 1
    if bins <= len(spectrum):
        spectrum = spectrum[:bins]
    else:
        spectrum = np.concatenate([spectrum, np.zeros(bins - len(spectrum), dtype=spectrum.dtype)])
    resampled = np.fft.irfft(spectrum, n=2 * out_length) * (2 * out_length) / len(padded)
    return resampled[:out_length]


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] as int16 (rounded, clipped)."""
    return np.clip(np.round(samples * 32768.0), -32768, 32767).astype(np.int16)


def read_wav(path: Path) -> Audio:
    """The WAV file at ``path`` as 16 kHz mono int16, converting other uncompressed layouts (with a note)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TinykitError(f"Cannot read {path}: {error.strerror or error}.") from error
    chunks = _chunks(data, path)
    if b"fmt " not in chunks or b"data" not in chunks:
        missing = "'fmt '" if b"fmt " not in chunks else "'data'"
        raise TinykitError(f"{path} has no {missing} chunk: the file is truncated or corrupt. {_CONVERT_HINT}")
    values, rate, channels, layout = _samples(chunks[b"fmt "], chunks[b"data"], path)
    if len(values) == 0:
        raise TinykitError(f"{path} holds no audio (its data chunk is empty). Remove the file or record it again.")
    if (rate, channels, layout) == (SAMPLE_RATE, 1, "16-bit PCM"):
        return Audio(np.frombuffer(chunks[b"data"][:2 * len(values)], dtype="<i2").astype(np.int16))
    mono = values.mean(axis=1)
    converted = to_int16(resample(mono, rate))
    note = f"{path}: converted {rate} Hz, {channels} channel{'s' if channels > 1 else ''}, {layout} to 16 kHz mono 16-bit PCM"
    return Audio(converted, note)


def write_wav(path: Path, samples: np.ndarray) -> None:
    """Write int16 mono samples as a 16 kHz 16-bit PCM WAV (the same bytes for the same samples)."""
    pcm = np.asarray(samples, dtype="<i2").tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, _PCM, 1, SAMPLE_RATE, 2 * SAMPLE_RATE, 2, 16)
    Path(path).write_bytes(header + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm)
