"""The comparison table shown first when several profiles are reported: one
column per profile ("model @ board"), one row per headline figure."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinykit.profile.report.markup import table
from tinykit.profile.report.numbers import count, millis, overall_macs_per_cycle, ratio, yes_no

Profile = dict[str, Any]

# Each row: its heading and how to read the figure from one profile.
ROWS: tuple[tuple[str, Callable[[Profile], str]], ...] = (
    ("latency, median cycles", lambda p: count(p["latency_cycles"])),
    ("latency, median ms", lambda p: millis(p["latency_ms"])),
    ("MACs", lambda p: count(p["total_macs"])),
    ("MACs/cycle overall", lambda p: ratio(overall_macs_per_cycle(p))),
    ("MAC limit per cycle", lambda p: f"{p['mac_limit']['macs_per_cycle']} ({p['mac_limit']['instruction']})"),
    ("arena bytes", lambda p: count(p["memory"]["arena"])),
    ("stack peak bytes", lambda p: count(p["memory"]["stack_peak"])),
    ("static bytes", lambda p: count(p["memory"]["static"])),
    ("total RAM bytes", lambda p: count(p["memory"]["total_ram"])),
    ("flash bytes", lambda p: count(p["memory"]["flash"])),
    ("outputs match", lambda p: yes_no(p["outputs_match"])),
)


def profile_title(profile: Profile) -> str:
    return f"{profile['model']} @ {profile['board']}"


def comparison_table(profiles: list[Profile]) -> str:
    header = ["", *(profile_title(p) for p in profiles)]
    rows = [[heading, *(figure(p) for p in profiles)] for heading, figure in ROWS]
    return table(header, rows, "comparison")
