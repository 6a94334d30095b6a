"""The profile document `tinykit profile --json` writes and `tinykit report`
reads: its schema name, what each firmware clock's figures mean, and the
core's MAC limit in words."""

from __future__ import annotations

PROFILE_SCHEMA = "tinykit-profile/1"

# Keyed by the clock name the firmware reports in tk-info.
CLOCK_MEANINGS = {
    "qemu-icount": (
        "QEMU under -icount: the figures count retired instructions, not real core cycles "
        "(every instruction takes the same time, memory is never slow), so they compare builds "
        "and kernels but do not predict a real board's latency; milliseconds take one instruction "
        "per cycle at the CPU clock."
    ),
    "dwt": "the core's DWT cycle counter: real core cycles on the board.",
    "host": (
        "this computer's timer: the generated C ran on the host, not on a microcontroller, "
        "so the figures say nothing about a board's speed."
    ),
}


def clock_meaning(clock: str) -> str:
    return CLOCK_MEANINGS.get(clock, "a clock this tinykit does not know: read its figures with care.")


def mac_limit_sentence(limit: dict) -> str:
    """The core's MAC ceiling as the profile states it (``mac_limit``), in words."""
    return f"{limit['macs_per_cycle']} MACs per cycle ({limit['instruction']}: {limit['why']}); \"of limit\" is each layer's share of it"
