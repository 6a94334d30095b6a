"""Where tinykit's non-Python files live: the C firmware sources and the board files.

An installed wheel carries them inside the package (``tinykit/_data/``); a
source checkout (including an editable install) uses the repository's folders.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"tinykit's {name}/ folder is missing from this installation ({_PACKAGE}); reinstall tinykit")


def firmware_dir() -> Path:
    return _data_dir("firmware")


def boards_dir() -> Path:
    return _data_dir("boards")
