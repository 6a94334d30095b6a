"""The convert extra's packages: a missing one stops with the install line, not a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tinykit.errors import TinykitError
from tinykit.optional import import_optional


def test_a_missing_package_names_itself_and_the_extra() -> None:
    with pytest.raises(TinykitError, match=r"Drawing needs the Python package tinykit_absent_package.*tinykit\[convert\]"):
        import_optional("tinykit_absent_package", "Drawing")


def test_a_present_package_is_returned() -> None:
    assert import_optional("json", "Reading").dumps([1]) == "[1]"


def test_a_broken_package_keeps_its_own_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Installed, but importing something that is not: that error says more than "install it".
    (tmp_path / "tinykit_broken_package.py").write_text("import tinykit_absent_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="tinykit_absent_dependency"):
        import_optional("tinykit_broken_package", "Drawing")
    sys.modules.pop("tinykit_broken_package", None)
