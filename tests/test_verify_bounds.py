"""`verify`'s child processes are bounded in time and in bytes written, and
leave no temporary files behind (tinykit.verify.child)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tinykit.errors import TinykitError
from tinykit.verify.child import run_bounded


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary folders go to a folder of this test only, so leftovers are seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _leftovers() -> list[Path]:
    return list(Path(tempfile.gettempdir()).iterdir())


def test_a_child_that_never_ends_is_stopped() -> None:
    with pytest.raises(TinykitError, match=r"sleeper did not finish within 1 s and was stopped"):
        run_bounded(["sleep", "30"], "sleeper", timeout=1, max_file_bytes=1 << 20)
    assert _leftovers() == []


def test_a_child_that_writes_without_end_is_stopped(tmp_path: Path) -> None:
    sink = tmp_path / "sink"
    with pytest.raises(TinykitError, match=r"writer wrote more than 1,048,576 bytes"):
        run_bounded(["sh", "-c", f"exec yes > {sink}"], "writer", timeout=60, max_file_bytes=1 << 20)
    assert sink.stat().st_size <= 1 << 20
    assert _leftovers() == []


def test_a_child_that_floods_its_output_is_stopped_and_shown_in_part() -> None:
    with pytest.raises(TinykitError, match=r"flooder wrote more than"):
        run_bounded(["yes"], "flooder", timeout=60, max_file_bytes=1 << 20)


def test_a_well_behaved_child_reports_its_status_and_output() -> None:
    result = run_bounded(["sh", "-c", "echo hello; echo oops >&2; exit 3"], "shell", timeout=30, max_file_bytes=1 << 20)
    assert result.returncode == 3
    assert result.output == "hello\noops"
    result = run_bounded(["cat"], "cat", timeout=30, max_file_bytes=1 << 20, stdin=b"fed")
    assert (result.returncode, result.output) == (0, "fed")
