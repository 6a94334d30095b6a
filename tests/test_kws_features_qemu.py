"""The MFCC front end on emulated Cortex-M boards gives the host's bytes.

The features_check firmware (the profiler app with the front end as its
model, built by PlatformIO as a user's project is) boots once per board in
QEMU; several clips of generated speech and noise are loaded over the serial
protocol, and every int8 feature the device returns, from the whole-clip path
(`infer`) and from the frame-by-frame path (`tk-layers`), must equal the host
build's."""

from __future__ import annotations

import numpy as np
import pytest
from features_firmware import build_features_elf, features_input
from kws_audio import front_end_clips, needs_espeak
from test_bsp_elf import needs_gcc

from tinykit.boards import get_board
from tinykit.deploy.qemu import qemu_session
from tinykit.kws.features import mfcc, quantize
from tinykit.profile import DeviceClient

pytestmark = [pytest.mark.slow, needs_gcc, needs_espeak]

# (clips per board, one boot each): loading a clip is 32 KB of hex over the
# emulated UART, the slow part, so the M4 gets fewer.
CLIPS = {"qemu_m7": 4, "qemu_m4": 2}
# MLPerf's reference model's input quantization, and a fine one that makes
# any float difference show up in the int8 bytes.
QUANTIZATIONS = [(0.5847029089927673, 83), (0.05, -3)]


@pytest.mark.parametrize("board", sorted(CLIPS))
def test_device_features_equal_host_features_byte_for_byte(board: str, tmp_path) -> None:
    elf = build_features_elf(get_board(board), tmp_path)
    # a keyword clip, then the edge cases: full scale, short (zero-padded), silence
    candidates = front_end_clips(1, seed=11)
    clips = [candidates[0], candidates[1], candidates[2], candidates[4]][: CLIPS[board]]
    mismatches = []
    with qemu_session(get_board(board), elf) as url, DeviceClient(url, timeout=60) as device:
        device.wait_ready()
        for index, clip in enumerate(clips):
            scale, zero_point = QUANTIZATIONS[index % len(QUANTIZATIONS)]
            pcm = np.zeros(16000, dtype=np.int16)
            pcm[: len(clip)] = clip
            expected = quantize(mfcc(clip), scale, zero_point).reshape(-1)
            device.load_input(features_input(pcm, scale, zero_point))
            device.infer(1)
            whole_clip = np.frombuffer(device.output()[0], dtype=np.int8)
            device.layer_cycles(1)
            frame_by_frame = np.frombuffer(device.output()[0], dtype=np.int8)
            for path, got in (("infer", whole_clip), ("tk-layers", frame_by_frame)):
                for position in np.nonzero(got != expected)[0]:
                    mismatches.append(
                        f"clip {index} ({path}) frame {position // 10} coefficient {position % 10}: "
                        f"device {got[position]}, host {expected[position]}"
                    )
    assert not mismatches, "\n".join(mismatches)
