"""How the report writes figures: thousands separated, fixed decimals, and
"n/a" where a profile has no value (a host run has no stack peak, say)."""

from __future__ import annotations

NOT_AVAILABLE = "n/a"


def count(value: float | None) -> str:
    """Cycles, MACs and bytes: whole numbers with thousands separators."""
    return NOT_AVAILABLE if value is None else f"{value:,.0f}"


def millis(value: float | None) -> str:
    return NOT_AVAILABLE if value is None else f"{value:,.3f}"


def ratio(value: float | None) -> str:
    """MACs per cycle."""
    return NOT_AVAILABLE if value is None else f"{value:.2f}"


def percent(fraction: float | None) -> str:
    return NOT_AVAILABLE if fraction is None else f"{100.0 * fraction:.1f}%"


def yes_no(value: bool | None) -> str:
    return NOT_AVAILABLE if value is None else ("yes" if value else "no")


def overall_macs_per_cycle(profile: dict) -> float | None:
    """The model's MACs over its median latency: how well the kernels use the core."""
    cycles = profile["latency_cycles"]
    return profile["total_macs"] / cycles if cycles else None


def share_of(part: float | None, budget: float | None) -> float | None:
    """``part`` as a fraction of ``budget``; None when either is unknown."""
    return part / budget if part is not None and budget else None
