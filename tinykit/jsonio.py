"""JSON files that a run writes as it goes and reads back when it resumes.

They are written atomically (a partial file renamed over the old one), so an
interrupt leaves either the previous file or the new one, never half of one.
A file that is damaged all the same (a full disk, a copy cut short) is
refused with its name and what to do, not with the decoder's traceback.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tinykit.errors import damaged_file


def write_json(path: Path, document: Any) -> None:
    """Write ``document`` to ``path`` as indented JSON, atomically."""
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(partial, path)


def read_json(path: Path, fix: str | None = None) -> Any:
    """The document in ``path``; TinykitError naming the file (and ``fix``, else deleting it) when it is not JSON."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise damaged_file(path, error, fix) from None
