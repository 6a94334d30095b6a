"""Packages of tinykit's extras, imported only where used.

The ``convert`` extra (TensorFlow, matplotlib): ``tinykit build`` of an int8
``.tflite`` needs neither; converting a float model, training the keyword
spotter and drawing its confusion matrices do. The ``ray`` extra: only a
search spread over a Ray cluster (``tinykit search --executor ray``) needs it.
Without the package the command stops with a message naming it and the
install line, not an ImportError traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from tinykit.errors import TinykitError


def import_optional(module: str, purpose: str, extra: str = "convert") -> ModuleType:
    """``import module``, or a TinykitError saying that ``purpose`` needs it and how to install tinykit's ``extra``."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as missing:
        if missing.name is None or module.split(".")[0] != missing.name.split(".")[0]:
            raise  # the package is there but broken: its own error says more
        raise TinykitError(
            f"{purpose} needs the Python package {missing.name}, which is not installed. Install tinykit's "
            f"{extra} extra: pip install 'tinykit[{extra}]' (from a checkout: pip install -e '.[{extra}]')."
        ) from None
