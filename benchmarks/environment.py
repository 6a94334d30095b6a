"""Where and with what a benchmark ran: versions, commit, CPU and date, for the JSON's `environment` block."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path

import tinykit

ROOT = Path(__file__).resolve().parent.parent


def _first_line_of(command: list[str]) -> str | None:
    """The first output line of a version command, or None when the tool is missing or fails."""
    try:
        completed = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    lines = completed.stdout.strip().splitlines()
    return lines[0] if lines else None


def _cpu_model() -> str:
    # /proc/cpuinfo names the CPU on Linux; platform.processor() is often empty there.
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_commit() -> str | None:
    commit = _first_line_of(["git", "rev-parse", "HEAD"])
    if commit is None:
        return None
    # Uncommitted changes to the measured code mean the commit alone does not reproduce the run.
    changed = _first_line_of(["git", "status", "--porcelain", "--", "tinykit", "firmware", "benchmarks/*.py"])
    return f"{commit}+uncommitted" if changed else commit


def environment() -> dict:
    return {
        "tinykit_version": tinykit.__version__,
        "git_commit": _git_commit(),
        "tflite_micro_version": importlib.metadata.version("tflite-micro"),
        "python": platform.python_version(),
        "host_compiler": _first_line_of(["gcc", "--version"]),
        "arm_compiler": _first_line_of(["arm-none-eabi-gcc", "--version"]),
        "qemu": _first_line_of(["qemu-system-arm", "--version"]),
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
